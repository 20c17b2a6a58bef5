package org.kernelir.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.tensor.KernelCatalog;

/**
 * One run of a pipeline: its {@link PassConfig}, and the record of what the passes did, from which
 * {@link #report()} makes a {@link LoweringReport}.
 *
 * <p>A context serves one run, on one thread: {@link PassManager#run} makes a fresh one each time. To run a single
 * pass by hand, make one with {@link #PassContext(PassConfig)}.
 */
public final class PassContext {

    private final PassConfig config;
    private final Map<String, LoweringReport.Selection> selections = new LinkedHashMap<>();
    private final List<LoweringReport.Failure> failures = new ArrayList<>();
    private final List<LoweringReport.Skip> skips = new ArrayList<>();
    private final Set<String> donated = new LinkedHashSet<>();
    private final List<LoweringReport.PassTiming> timings = new ArrayList<>();

    /** A fresh context for one run under {@code config}. */
    public PassContext(PassConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The configuration this run works under. */
    public PassConfig config() {
        return config;
    }

    /** See {@link PassConfig#dispatcher()}. */
    public Dispatcher dispatcher() {
        return config.dispatcher();
    }

    /** See {@link PassConfig#catalog()}. */
    public KernelCatalog catalog() {
        return config.catalog();
    }

    /** See {@link PassConfig#cache()}. */
    public ReplacementCache cache() {
        return config.cache();
    }

    /** See {@link PassConfig#strict()}. */
    public boolean strict() {
        return config.strict();
    }

    /**
     * Whether the value named {@code nodeName} may be overwritten: it was donated to a {@code maybe_inplace} node
     * in this run, or it is a graph input the configuration donates.
     */
    public boolean isDonated(String nodeName) {
        return donated.contains(nodeName) || config.donatedInputs().contains(nodeName);
    }

    /** Records that {@code node} was lowered to {@code provider}'s implementation of {@code op}. */
    public void recordSelection(String node, String op, String provider) {
        selections.put(node, new LoweringReport.Selection(op, provider));
    }

    /** Records that IR op node {@code node} is left in the graph, and why. */
    public void recordFailure(String node, String reason) {
        failures.removeIf(f -> f.node().equals(node));
        failures.add(new LoweringReport.Failure(node, reason));
    }

    /** Records that {@code provider}'s implementation of {@code op} was passed over for {@code node}. */
    public void recordSkip(String node, String op, String provider, String reason) {
        skips.add(new LoweringReport.Skip(node, op, provider, reason));
    }

    /** Records that the value named {@code nodeName} was donated (may be overwritten in place). */
    public void recordDonated(String nodeName) {
        donated.add(nodeName);
    }

    /** Records how long a pass took. */
    public void recordTiming(String pass, double millis) {
        timings.add(new LoweringReport.PassTiming(pass, millis));
    }

    /** What was recorded so far, without cache counters or a total time (see {@link PassManager#run}). */
    public LoweringReport report() {
        return report(CacheStats.EMPTY, timings.stream().mapToDouble(LoweringReport.PassTiming::millis).sum());
    }

    LoweringReport report(CacheStats cacheDelta, double totalMillis) {
        return new LoweringReport(selections, failures, skips, List.copyOf(donated), timings, cacheDelta,
                totalMillis);
    }
}
