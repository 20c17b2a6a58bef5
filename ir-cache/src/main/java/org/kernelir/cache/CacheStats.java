package org.kernelir.cache;

/**
 * Counters of a replacement cache since it was created.
 *
 * @param hits        replacement lookups answered from memory
 * @param diskHits    replacement lookups answered from the disk tier (then kept in memory)
 * @param misses      replacement lookups answered by neither tier
 * @param traces      replacements traced (a miss traces once even when several threads ask at once)
 * @param traceNanos  time spent tracing
 * @param evictions   entries evicted from the memory tier
 * @param diskErrors  corrupt, unreadable or mismatching disk entries discarded, and disk writes that failed
 * @param graphHits   whole lowered graphs answered from memory or disk
 * @param graphMisses whole lowered graphs that the pipeline had to lower
 * @param remoteHits  lookups of either kind that the remote tier answered (after memory and disk missed); lowered
 *                    graphs among them count in {@code graphHits} too
 */
public record CacheStats(long hits, long diskHits, long misses, long traces, long traceNanos, long evictions,
        long diskErrors, long graphHits, long graphMisses, long remoteHits) {

    /** All zero. */
    public static final CacheStats EMPTY = new CacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Counters without a remote tier ({@code remoteHits} zero). */
    public CacheStats(long hits, long diskHits, long misses, long traces, long traceNanos, long evictions,
            long diskErrors, long graphHits, long graphMisses) {
        this(hits, diskHits, misses, traces, traceNanos, evictions, diskErrors, graphHits, graphMisses, 0);
    }

    /** Counters of replacement lookups only, the lowered-graph counters zero. */
    public CacheStats(long hits, long diskHits, long misses, long traces, long traceNanos, long evictions,
            long diskErrors) {
        this(hits, diskHits, misses, traces, traceNanos, evictions, diskErrors, 0, 0);
    }

    /** Counter-wise difference {@code this - earlier}, for the stats of one lowering. */
    public CacheStats minus(CacheStats earlier) {
        return new CacheStats(hits - earlier.hits, diskHits - earlier.diskHits, misses - earlier.misses,
                traces - earlier.traces, traceNanos - earlier.traceNanos, evictions - earlier.evictions,
                diskErrors - earlier.diskErrors, graphHits - earlier.graphHits, graphMisses - earlier.graphMisses,
                remoteHits - earlier.remoteHits);
    }

    /** Counter-wise sum, for the stats of several lowerings. */
    public CacheStats plus(CacheStats other) {
        return new CacheStats(hits + other.hits, diskHits + other.diskHits, misses + other.misses,
                traces + other.traces, traceNanos + other.traceNanos, evictions + other.evictions,
                diskErrors + other.diskErrors, graphHits + other.graphHits, graphMisses + other.graphMisses,
                remoteHits + other.remoteHits);
    }
}
