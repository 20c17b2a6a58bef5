package org.kernelir.cache;

import java.util.List;
import java.util.function.Supplier;
import org.kernelir.core.graph.Graph;

/**
 * Traced replacement graphs by {@link ReplacementKey}. A graph in the cache uses the canonical symbols of its
 * key's signature; callers rename them with {@link ArgSignature#toCallSymbols()} when inlining.
 *
 * <p>The contract: {@code getOrTrace(key, trace)} returns a graph equal to what {@code trace} would return for
 * that key. Implementations must never return a graph for another key, and must trace at most once for
 * concurrent misses of one key.
 */
public interface ReplacementCache {

    /**
     * The graph for {@code key}, traced with {@code trace} when no tier has it.
     *
     * @throws RuntimeException whatever {@code trace} throws (nothing is cached then)
     */
    Graph getOrTrace(ReplacementKey key, Supplier<Graph> trace);

    /**
     * The lowered graph for {@code key}: from a tier that has it, else made by {@code lower} (once for concurrent
     * callers of one key) and kept. A pipeline calls this around its whole run, so that lowering a graph it has
     * lowered before, in this process or (with a disk tier) in an earlier one, costs a lookup.
     *
     * <p>{@code lower} returns {@code null} for a result that must not be kept (for example one where a provider
     * failed, which the next run should try again); this method then returns {@code null} too, and the caller
     * uses the result it made. The default implementation keeps nothing: it returns what {@code lower} returns.
     *
     * @param key   the pipeline's identity and the input graph
     * @param lower runs the pipeline; runs in the calling thread
     * @return the cached or new entry, or {@code null} when the caller must use its own result
     * @throws RuntimeException whatever {@code lower} throws (then nothing is kept)
     */
    default LoweredGraph getOrLower(LoweredGraphKey key, Supplier<LoweredGraph> lower) {
        return lower.get();
    }

    /**
     * Whether {@link #getOrLower} keeps anything; a pipeline skips building keys and notes when it does not.
     * The default is {@code false}.
     */
    default boolean cachesLoweredGraphs() {
        return false;
    }

    /**
     * What this cache holds for {@code key}, without tracing, counting or touching anything: a hit (and the tier),
     * or a miss and why (see {@link CacheProbe#miss}). The default cannot tell ({@link CacheProbe.Status#UNKNOWN}).
     *
     * @param key the key a lowering would look up
     * @return the probe's outcome
     */
    default CacheProbe probe(ReplacementKey key) {
        return new CacheProbe(CacheProbe.Status.UNKNOWN, "this cache cannot be probed", List.of());
    }

    /** Counters since creation. */
    CacheStats stats();

    /** Drops the memory entries of the provider called {@code providerName} (its plugin was unloaded). */
    void invalidateProvider(String providerName);

    /** Drops every entry of every tier. */
    void clear();

    /** A cache that holds nothing: every lookup traces (and counts as a miss). */
    static ReplacementCache disabled() {
        return new ReplacementCache() {
            private long misses;
            private long nanos;

            @Override
            public synchronized Graph getOrTrace(ReplacementKey key, Supplier<Graph> trace) {
                long t0 = System.nanoTime();
                Graph g = trace.get();
                nanos += System.nanoTime() - t0;
                misses++;
                return g;
            }

            @Override
            public synchronized CacheStats stats() {
                return new CacheStats(0, 0, misses, misses, nanos, 0, 0);
            }

            @Override
            public CacheProbe probe(ReplacementKey key) {
                return new CacheProbe(CacheProbe.Status.OFF, "the cache is off (--no-cache): every node is traced",
                        List.of());
            }

            @Override
            public void invalidateProvider(String providerName) {
            }

            @Override
            public void clear() {
            }
        };
    }
}
