package org.kernelir.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The memory tier of lowered graphs: least recently used out, bounded by the node count of the graphs it holds
 * (inputs and results), and a table of lowerings in progress so that concurrent callers of one key wait for one
 * result.
 *
 * <p>Lowered graphs are few (one per compiled subgraph and pipeline) and each is large, so a plain LRU fits them;
 * and it costs nothing to set up, which matters because the first lowering of a process that has just started is
 * where this tier earns its keep: there, Caffeine's first use (class loading and the platform logger it starts)
 * cost about 70 ms, most of a warm-disk lowering of the llama-70b-shaped model (measured, FreshJvmLowering).
 * Replacements, many and small, keep Caffeine's W-TinyLFU.
 */
final class LoweredGraphMemory {

    private final long maximumNodes;
    private final LinkedHashMap<LoweredGraphKey, LoweredGraph> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final ConcurrentHashMap<LoweredGraphKey, CompletableFuture<LoweredGraph>> inFlight =
            new ConcurrentHashMap<>();
    private final LongAdder evictions;
    private long nodes;

    LoweredGraphMemory(long maximumNodes, LongAdder evictions) {
        this.maximumNodes = maximumNodes;
        this.evictions = evictions;
    }

    /** The entry for {@code key}, or {@code null}; a hit makes it the most recently used. */
    synchronized LoweredGraph get(LoweredGraphKey key) {
        return entries.get(key);
    }

    /**
     * Keeps {@code value} if its key is still {@linkplain LoweredGraphKey#current() current}, then evicts the least
     * recently used entries until the bound holds. The check and the insertion hold this tier's lock, as
     * {@link #clear()} does; a provider set changes before its purge clears this tier, so an entry either lands
     * before the purge (and is cleared by it) or sees the change and is not kept.
     *
     * @return whether it was kept
     */
    synchronized boolean put(LoweredGraphKey key, LoweredGraph value) {
        if (!key.current()) {
            return false;
        }
        long weight = weight(key, value);
        if (weight > maximumNodes) {
            return false; // larger than the whole tier: returned to its caller, not kept
        }
        LoweredGraph old = entries.put(key, value);
        nodes += weight - (old == null ? 0 : weight(key, old));
        Iterator<Map.Entry<LoweredGraphKey, LoweredGraph>> it = entries.entrySet().iterator();
        while (nodes > maximumNodes && it.hasNext()) {
            Map.Entry<LoweredGraphKey, LoweredGraph> eldest = it.next();
            nodes -= weight(eldest.getKey(), eldest.getValue());
            it.remove();
            evictions.increment();
        }
        return true;
    }

    /** Drops every entry. */
    synchronized void clear() {
        entries.clear();
        nodes = 0;
    }

    /**
     * Starts a lowering of {@code key}: {@code null} when this caller is to lower (and then must call
     * {@link #finish}), else the lowering in progress to wait for.
     */
    CompletableFuture<LoweredGraph> begin(LoweredGraphKey key, CompletableFuture<LoweredGraph> mine) {
        return inFlight.putIfAbsent(key, mine);
    }

    /** Ends this caller's lowering of {@code key}. */
    void finish(LoweredGraphKey key, CompletableFuture<LoweredGraph> mine) {
        inFlight.remove(key, mine);
    }

    private static long weight(LoweredGraphKey key, LoweredGraph value) {
        return (long) key.graph().nodes().size() + value.graph().nodes().size();
    }
}
