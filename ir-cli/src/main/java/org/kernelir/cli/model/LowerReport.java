package org.kernelir.cli.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What {@code kir lower} reports; {@code --json} prints it as it is, the text form prints the same values.
 *
 * @param model           the model's name
 * @param source          where it came from
 * @param pieces          how many graphs it has
 * @param nodesBefore     nodes before lowering, all pieces
 * @param nodesAfter      nodes after lowering, all pieces
 * @param priority        the priority lowered with
 * @param selected        per op, how often each provider was chosen
 * @param nativeFallbacks per op, the nodes lowered with native although the priority lists another provider
 * @param failed          the IR op nodes left in the graph
 * @param failures        the same with the reason
 * @param skipped         providers passed over at a node (trace threw, graph disagreed)
 * @param passes          each pass's time
 * @param cache           what the cache did
 * @param totalMs         the whole lowering's time
 */
public record LowerReport(String model, String source, int pieces, @JsonProperty("nodes_before") int nodesBefore,
        @JsonProperty("nodes_after") int nodesAfter, String priority, Map<String, Map<String, Integer>> selected,
        @JsonProperty("native_fallbacks") Map<String, Integer> nativeFallbacks, List<String> failed,
        List<Failure> failures, List<Skip> skipped, List<PassTime> passes, Cache cache,
        @JsonProperty("total_ms") double totalMs) {

    /** An IR op node left unlowered, and why. */
    public record Failure(String node, String reason) {
    }

    /** A provider passed over at a node, and why. */
    public record Skip(String node, String op, String provider, String reason) {
    }

    /** One pass's time. */
    public record PassTime(String name, double ms) {
    }

    /**
     * The cache's counters during the lowering.
     *
     * @param hits        replacement hits
     * @param misses      replacement misses
     * @param traces      replacements traced
     * @param diskHits    replacements read from disk
     * @param traceMs     time spent tracing
     * @param diskErrors  disk entries discarded or writes failed
     * @param graphHits   whole lowered graphs from the cache
     * @param graphMisses whole lowered graphs not in the cache
     * @param dir         the disk tier's folder, or {@code null} without one
     */
    public record Cache(long hits, long misses, long traces, @JsonProperty("disk_hits") long diskHits,
            @JsonProperty("trace_ms") double traceMs, @JsonProperty("disk_errors") long diskErrors,
            @JsonProperty("graph_hits") long graphHits, @JsonProperty("graph_misses") long graphMisses,
            @JsonProperty("remote_hits") long remoteHits, String dir) {
    }

    /** Milliseconds rounded to microseconds, as the reports print them. */
    public static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
