package org.kernelir.cache;

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
            public void invalidateProvider(String providerName) {
            }

            @Override
            public void clear() {
            }
        };
    }
}
