package org.kernelir.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementKey;
import org.kernelir.core.graph.Graph;

/** A plain in-memory replacement cache that remembers every key it was asked for. */
final class CountingCache implements ReplacementCache {

    private final Map<ReplacementKey, Graph> entries = new HashMap<>();
    private final List<ReplacementKey> lookups = new ArrayList<>();
    private long hits;
    private long misses;

    @Override
    public synchronized Graph getOrTrace(ReplacementKey key, Supplier<Graph> trace) {
        lookups.add(key);
        Graph g = entries.get(key);
        if (g != null) {
            hits++;
            return g;
        }
        misses++;
        g = trace.get();
        entries.put(key, g);
        return g;
    }

    @Override
    public synchronized CacheStats stats() {
        return new CacheStats(hits, 0, misses, misses, 0, 0, 0);
    }

    @Override
    public void invalidateProvider(String providerName) {
        entries.keySet().removeIf(k -> k.provider().name().equals(providerName));
    }

    @Override
    public synchronized void clear() {
        entries.clear();
    }

    /** Every key asked for so far, in order. */
    synchronized List<ReplacementKey> lookups() {
        return List.copyOf(lookups);
    }
}
