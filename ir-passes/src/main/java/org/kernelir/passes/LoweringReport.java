package org.kernelir.passes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.kernelir.cache.CacheStats;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.provider.ProviderRegistry;

/**
 * What one run of a pipeline did: which implementation each IR op node got, which nodes could not be lowered
 * and why, which providers were skipped, which inputs were donated, how long each pass took, and what the
 * replacement cache did meanwhile.
 *
 * @param nodes       the selection per lowered node (node name to op and provider), in graph order
 * @param failed      the IR op nodes left in the graph, with the reason, in graph order
 * @param skipped     implementations that were selected or tried for a node but skipped because their trace
 *                    threw or their graph disagreed with the node's metadata
 * @param donated     the values that {@code maybe_inplace} nodes were allowed to overwrite (node names)
 * @param passTimings each pass's wall time, in pipeline order
 * @param cacheStats  the change of the replacement cache's counters during the run
 * @param totalMillis the run's wall time
 */
public record LoweringReport(Map<String, Selection> nodes, List<Failure> failed, List<Skip> skipped,
        List<String> donated, List<PassTiming> passTimings, CacheStats cacheStats, double totalMillis) {

    /** The implementation chosen for one node. */
    public record Selection(String op, String provider) {
    }

    /** An IR op node that is still in the graph after lowering. */
    public record Failure(String node, String reason) {
    }

    /** An implementation that was passed over for a node; lowering went on with the next one in priority. */
    public record Skip(String node, String op, String provider, String reason) {
    }

    /** How long one pass took. */
    public record PassTiming(String pass, double millis) {
    }

    /** Nothing lowered, nothing timed. */
    public static final LoweringReport EMPTY = new LoweringReport(Map.of(), List.of(), List.of(), List.of(), List.of(),
            CacheStats.EMPTY, 0);

    public LoweringReport {
        nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        failed = List.copyOf(failed);
        skipped = List.copyOf(skipped);
        donated = List.copyOf(donated);
        passTimings = List.copyOf(passTimings);
        Objects.requireNonNull(cacheStats, "cacheStats");
    }

    /**
     * How often each provider was chosen, per op: ops by name, providers by count (highest first), then by name.
     */
    public Map<String, Map<String, Integer>> opCounts() {
        Map<String, Map<String, Integer>> raw = new TreeMap<>();
        nodes.values().forEach(s -> raw.computeIfAbsent(s.op(), k -> new TreeMap<>()).merge(s.provider(), 1, Integer::sum));
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        raw.forEach((op, counts) -> {
            Map<String, Integer> sorted = new LinkedHashMap<>();
            counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                            .thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            out.put(op, Collections.unmodifiableMap(sorted));
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * The nodes that fell back to native, counted per op (ops by name): nodes lowered with {@code native} although
     * {@code priority} lists another provider for their op. A node of an op whose list is only {@code native} did
     * not fall back: that is what was asked for.
     *
     * @param priority the priority the graph was lowered under
     * @return op name to the number of such nodes; empty when every node got a provider its priority put first
     */
    public Map<String, Integer> nativeFallbacks(Priority priority) {
        Map<String, Integer> out = new TreeMap<>();
        for (Selection s : nodes.values()) {
            if (s.provider().equals(ProviderRegistry.NATIVE)
                    && priority.listFor(s.op()).stream()
                    .anyMatch(p -> !p.equals(ProviderRegistry.NATIVE))) {
                out.merge(s.op(), 1, Integer::sum);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The selections per op on one line, ops separated by spaces, such as
     * {@code fused_add_rms_norm=native*4 rms_norm=cpu*160,native*2 silu_and_mul=native}: a provider chosen more
     * than once carries {@code *count}. Empty when no node was lowered.
     */
    public String summary() {
        return opCounts().entrySet().stream()
                .map(op -> op.getKey() + "=" + op.getValue().entrySet().stream()
                        .map(p -> p.getValue() == 1 ? p.getKey() : p.getKey() + "*" + p.getValue())
                        .collect(Collectors.joining(",")))
                .collect(Collectors.joining(" "));
    }

    /**
     * This report followed by {@code other}, as for the pieces of a piecewise model lowered one by one: selections,
     * failures, skips and timings are concatenated (timings of equal pass names are added), cache counters and
     * total times are added.
     */
    public LoweringReport plus(LoweringReport other) {
        Map<String, Selection> n = new LinkedHashMap<>(nodes);
        n.putAll(other.nodes);
        Map<String, Double> timings = new LinkedHashMap<>();
        passTimings.forEach(t -> timings.merge(t.pass(), t.millis(), Double::sum));
        other.passTimings.forEach(t -> timings.merge(t.pass(), t.millis(), Double::sum));
        return new LoweringReport(n, concat(failed, other.failed), concat(skipped, other.skipped),
                concat(donated, other.donated),
                timings.entrySet().stream().map(e -> new PassTiming(e.getKey(), e.getValue())).toList(),
                cacheStats.plus(other.cacheStats),
                totalMillis + other.totalMillis);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** A multi-line account: the summary, failures, skips, pass timings, cache counters and total time. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("lowered: ").append(nodes.isEmpty() ? "(no IR op nodes)" : summary());
        for (Failure f : failed) {
            sb.append("\nnot lowered: ").append(f.node()).append(": ").append(f.reason());
        }
        for (Skip s : skipped) {
            sb.append("\nskipped: provider ").append(s.provider()).append(" for op ").append(s.op()).append(" at node ")
                    .append(s.node()).append(": ").append(s.reason());
        }
        if (!donated.isEmpty()) {
            // Long lists (a donated residual per layer) would drown the rest; the record holds them all.
            sb.append("\ndonated: ").append(donated.size()).append(" value").append(donated.size() == 1 ? "" : "s")
                    .append(" (").append(String.join(", ", donated.subList(0, Math.min(8, donated.size()))))
                    .append(donated.size() > 8 ? ", ...)" : ")");
        }
        for (PassTiming t : passTimings) {
            sb.append("\n").append(t.pass()).append(": ").append(ms(t.millis())).append(" ms");
        }
        sb.append("\ncache: ").append(cacheStats.hits()).append(" hits, ").append(cacheStats.diskHits())
                .append(" disk hits, ").append(cacheStats.misses()).append(" misses, ").append(cacheStats.traces())
                .append(" traces; lowered graphs: ").append(cacheStats.graphHits()).append(" hits, ")
                .append(cacheStats.graphMisses()).append(" misses");
        sb.append("\ntotal: ").append(ms(totalMillis)).append(" ms");
        return sb.toString();
    }

    static String ms(double millis) {
        return String.format(Locale.ROOT, "%.1f", millis);
    }
}
