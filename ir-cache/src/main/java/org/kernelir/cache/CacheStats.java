package org.kernelir.cache;

/**
 * Counters of a replacement cache since it was created.
 *
 * @param hits       lookups answered from memory
 * @param diskHits   lookups answered from the disk tier (then kept in memory)
 * @param misses     lookups answered by neither tier
 * @param traces     replacements traced (a miss traces once even when several threads ask at once)
 * @param traceNanos time spent tracing
 * @param evictions  entries evicted from the memory tier
 * @param diskErrors corrupt, unreadable or mismatching disk entries discarded, and disk writes that failed
 */
public record CacheStats(long hits, long diskHits, long misses, long traces, long traceNanos, long evictions,
        long diskErrors) {

    /** All zero. */
    public static final CacheStats EMPTY = new CacheStats(0, 0, 0, 0, 0, 0, 0);

    /** Counter-wise difference {@code this - earlier}, for the stats of one lowering. */
    public CacheStats minus(CacheStats earlier) {
        return new CacheStats(hits - earlier.hits, diskHits - earlier.diskHits, misses - earlier.misses,
                traces - earlier.traces, traceNanos - earlier.traceNanos, evictions - earlier.evictions,
                diskErrors - earlier.diskErrors);
    }
}
