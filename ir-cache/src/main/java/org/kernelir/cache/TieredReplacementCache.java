package org.kernelir.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.kernelir.core.graph.Graph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ReplacementCache} with a memory tier and an optional disk tier; made with
 * {@link ReplacementCaches#builder()}.
 *
 * <p>{@link #getOrTrace} looks in memory, then on disk, and traces only when neither has the key. A graph found on
 * disk or traced is kept in memory; a traced graph is also written to disk. Concurrent lookups of a missing key
 * trace it once: the first caller traces in its own thread while the others wait for its graph (and count as
 * hits). A trace that throws leaves nothing cached, and every caller waiting on it gets its exception.
 *
 * <p>The memory tier is bounded by the total node count of its graphs ({@link CacheConfig#maximumNodes(long)}).
 * Its keys are {@link ReplacementKey}s, which hold only strings and records, never a provider's classes, so the
 * cache never keeps an unloaded plugin's class loader alive.
 *
 * <p>The disk tier ({@link CacheConfig#diskDirectory(Path)}) may be shared by several processes. An entry is used
 * only when its checksum and stored key match; a corrupt or mismatching entry is deleted with a warning that names
 * the file, counts in {@link CacheStats#diskErrors()}, and the key is traced again. Disk failures never fail a
 * lookup: the disk tier is only an optimization.
 *
 * <p>This class is thread-safe.
 */
public final class TieredReplacementCache implements ReplacementCache {

    private static final Logger log = LoggerFactory.getLogger(TieredReplacementCache.class);

    private final CacheConfig config;
    private final AsyncCache<ReplacementKey, Graph> memory;
    private final DiskTier disk;

    private final LongAdder hits = new LongAdder();
    private final LongAdder diskHits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder traces = new LongAdder();
    private final LongAdder traceNanos = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    TieredReplacementCache(CacheConfig config) {
        this.config = config;
        // An AsyncCache holds a future per key, so a trace runs outside Caffeine's map locks: a slow trace blocks
        // only the callers of its own key, and a trace may itself use this cache.
        this.memory = Caffeine.newBuilder()
                .maximumWeight(config.maximumNodes())
                .weigher((ReplacementKey k, Graph g) -> g.nodes().size())
                .evictionListener((k, g, cause) -> {
                    if (cause.wasEvicted()) {
                        evictions.increment();
                    }
                })
                .buildAsync();
        this.disk = config.diskDirectory().map(d -> new DiskTier(d, config.maximumDiskBytes())).orElse(null);
    }

    /**
     * The graph for {@code key}: from memory, else from disk, else traced with {@code trace} (once, however many
     * threads ask at the same time). The result equals what {@code trace} returns for this key.
     *
     * @param key   what the graph is for
     * @param trace makes the graph on a miss; runs in the calling thread
     * @return the graph, in the canonical symbols of {@code key}'s signature
     * @throws RuntimeException whatever {@code trace} throws (then nothing is cached); a
     *                          {@link NullPointerException} if it returns {@code null}
     */
    @Override
    public Graph getOrTrace(ReplacementKey key, Supplier<Graph> trace) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(trace, "trace");
        CompletableFuture<Graph> mine = new CompletableFuture<>();
        CompletableFuture<Graph> present = memory.get(key, (k, executor) -> mine);
        if (present != mine) {
            hits.increment();
            return await(present);
        }
        try {
            Graph graph = load(key, trace);
            mine.complete(graph);
            return graph;
        } catch (RuntimeException | Error e) {
            // Caffeine drops a failed future; removing it here as well makes "nothing cached" not depend on that.
            memory.asMap().remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    private Graph load(ReplacementKey key, Supplier<Graph> trace) {
        if (disk != null) {
            Graph graph = disk.read(key);
            if (graph != null) {
                diskHits.increment();
                log.debug("Replacement of {}.{} by {} read from disk", key.op(), key.overload(), key.provider().name());
                return graph;
            }
        }
        misses.increment();
        traces.increment();
        long start = System.nanoTime();
        Graph graph;
        try {
            graph = trace.get();
        } finally {
            traceNanos.add(System.nanoTime() - start);
        }
        if (graph == null) {
            throw new NullPointerException("the trace of " + key.op() + "." + key.overload() + " by provider "
                    + key.provider().describe() + " returned no graph");
        }
        log.atDebug().setMessage("Traced {}.{} by {} for {}: {} nodes in {} us").addArgument(key::op)
                .addArgument(key::overload).addArgument(() -> key.provider().name()).addArgument(key::signature)
                .addArgument(() -> graph.nodes().size()).addArgument(() -> (System.nanoTime() - start) / 1000).log();
        if (disk != null) {
            disk.write(key, graph);
        }
        return graph;
    }

    private static Graph await(CompletableFuture<Graph> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            // Another caller's trace failed: rethrow what it threw, as that caller did.
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * The counters since this cache was made. Evictions happen shortly after the insertion that caused them, so
     * {@link CacheStats#evictions()} may lag it briefly.
     *
     * @return a snapshot of the counters
     */
    @Override
    public CacheStats stats() {
        return new CacheStats(hits.sum(), diskHits.sum(), misses.sum(), traces.sum(), traceNanos.sum(),
                evictions.sum(), disk == null ? 0 : disk.errors());
    }

    /**
     * Drops from memory every entry whose key's provider is called {@code providerName}, for example when its
     * plugin is unloaded. Disk entries stay: a changed plugin has a new fingerprint, hence new keys, so its old
     * entries are never read again and age out under the disk bound.
     *
     * @param providerName the provider's name, as in {@code ProviderIdentity.name()}
     */
    @Override
    public void invalidateProvider(String providerName) {
        Objects.requireNonNull(providerName, "providerName");
        memory.synchronous().asMap().keySet().removeIf(k -> k.provider().name().equals(providerName));
    }

    /** Drops every entry from memory and deletes every entry on disk. Counters are kept. */
    @Override
    public void clear() {
        memory.synchronous().invalidateAll();
        if (disk != null) {
            disk.clear();
        }
    }

    /**
     * The folder holding the disk tier's entries ({@code <disk directory>/replacements-v1}).
     *
     * @return the folder, or empty when this cache has no disk tier
     */
    public Optional<Path> diskFolder() {
        return Optional.ofNullable(disk).map(DiskTier::folder);
    }

    /**
     * The configuration this cache was built with.
     *
     * @return the configuration
     */
    public CacheConfig config() {
        return config;
    }

    /** Runs pending memory-tier maintenance (evictions) now; for tests. */
    void cleanUp() {
        memory.synchronous().cleanUp();
    }

    @Override
    public String toString() {
        return "TieredReplacementCache[" + config + ", " + stats() + "]";
    }
}
