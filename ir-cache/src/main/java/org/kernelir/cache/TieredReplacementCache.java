package org.kernelir.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.GraphBinary;
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
 * <p>{@link #getOrLower} does the same for whole lowered graphs ({@link LoweredGraphKey}): a pipeline that has
 * lowered an equal graph before, with the same identity, gets its result back without running a pass.
 *
 * <p>The memory tier of replacements is a Caffeine cache bounded by the total node count of its graphs
 * ({@link CacheConfig#maximumNodes(long)}), made on the first replacement lookup; lowered graphs, few and large,
 * have a least-recently-used tier under the same bound (see {@code LoweredGraphMemory}). Keys hold only strings,
 * records, UUIDs and graphs, never a provider's classes, so the cache never keeps an unloaded plugin's class loader
 * alive.
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
    /** Replacements; made on the first replacement lookup (see {@link #memory()}). */
    private volatile AsyncCache<ReplacementKey, Graph> memory;
    private final TieredLoweredGraphCache lowered;
    private final DiskTier disk;
    /** The remote tier, or {@code null}; its class (and the Redis client) load only when one is configured. */
    private final RemoteTier remote;

    private final LongAdder hits = new LongAdder();
    private final LongAdder diskHits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder traces = new LongAdder();
    private final LongAdder traceNanos = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder remoteHits = new LongAdder();

    TieredReplacementCache(CacheConfig config) {
        this.config = config;
        this.disk = config.diskDirectory().map(d -> new DiskTier(d, config.maximumDiskBytes())).orElse(null);
        this.remote = config.remoteCache().isPresent() ? RemoteTier.open(config.remoteCache().get()) : null;
        this.lowered = new TieredLoweredGraphCache(config, evictions, disk, remote, remoteHits);
    }

    /**
     * The replacements' memory tier, made on first use: a process whose lowered graphs all come from the disk tier
     * never looks up a replacement, and so never pays for starting Caffeine.
     */
    private AsyncCache<ReplacementKey, Graph> memory() {
        AsyncCache<ReplacementKey, Graph> m = memory;
        if (m == null) {
            synchronized (this) {
                m = memory;
                if (m == null) {
                    // An AsyncCache holds a future per key, so a trace runs outside Caffeine's map locks: a slow trace
                    // blocks only the callers of its own key, and a trace may itself use this cache.
                    m = Caffeine.newBuilder()
                            .maximumWeight(config.maximumNodes())
                            .weigher((ReplacementKey k, Graph g) -> g.nodes().size())
                            .evictionListener((k, g, cause) -> {
                                if (cause.wasEvicted()) {
                                    evictions.increment();
                                }
                            })
                            .buildAsync();
                    memory = m;
                }
            }
        }
        return m;
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
        AsyncCache<ReplacementKey, Graph> m = memory();
        CompletableFuture<Graph> mine = new CompletableFuture<>();
        CompletableFuture<Graph> present = m.get(key, (k, executor) -> mine);
        if (present != mine) {
            hits.increment();
            return await(present);
        }
        try {
            Graph graph = loadReplacement(key, trace);
            mine.complete(graph);
            return graph;
        } catch (RuntimeException | Error e) {
            // Caffeine drops a failed future; removing it here as well makes "nothing cached" not depend on that.
            m.asMap().remove(key, mine);
            // Completed as a cancellation carrying the failure: Caffeine logs any other failed load at WARNING with
            // its stack trace ("Exception thrown during asynchronous load"), which a user would see without -v. The
            // lowering pass reports the failure itself, naming the provider; waiters get the original exception.
            mine.completeExceptionally(new TraceFailed(e));
            throw e;
        }
    }

    /** A failed trace, as the waiting callers of its key see it; {@link #await} rethrows the cause. */
    private static final class TraceFailed extends java.util.concurrent.CancellationException {
        private static final long serialVersionUID = 1L;

        TraceFailed(Throwable cause) {
            super("the trace failed");
            initCause(cause);
        }
    }

    /**
     * The lowered graph for {@code key}: from memory, else from disk, else made by {@code lower} (once, however
     * many threads ask at the same time) and kept in memory and on disk, unless the configuration turns lowered
     * graphs off ({@link CacheConfig#cacheLoweredGraphs(boolean)}). Lowered graphs have their own memory tier, least
     * recently used out, bounded by {@link CacheConfig#maximumNodes(long)} like the replacements' tier.
     *
     * @return the entry, or {@code null} when {@code lower} returned {@code null} (a result not to keep)
     */
    @Override
    public LoweredGraph getOrLower(LoweredGraphKey key, Supplier<LoweredGraph> lower) {
        return lowered.getOrLower(key, lower);
    }

    /**
     * The typed cache of whole lowered graphs beside this cache of replacements; it shares this cache's disk and
     * remote tiers, and {@link #getOrLower} goes to it.
     *
     * @return the lowered-graph cache
     */
    public TieredLoweredGraphCache loweredGraphs() {
        return lowered;
    }

    @Override
    public boolean cachesLoweredGraphs() {
        return config.cacheLoweredGraphs();
    }

    private Graph loadReplacement(ReplacementKey key, Supplier<Graph> trace) {
        if (disk != null) {
            Graph graph = disk.read(key);
            if (graph != null) {
                diskHits.increment();
                log.debug("Replacement of {} read from disk", key.describe());
                return graph;
            }
        }
        if (remote != null) {
            return remote.load(key, GraphBinary::read, payload -> {
                if (disk != null) {
                    disk.write(key, payload);
                }
            }, () -> trace(key, trace), graph -> {
                byte[] payload = GraphBinary.write(graph); // once, for both tiers
                if (disk != null) {
                    disk.write(key, payload);
                }
                return payload;
            }, fromRemote -> {
                if (fromRemote) {
                    remoteHits.increment();
                    log.debug("Replacement of {} read from the remote tier", key.describe());
                }
            });
        }
        Graph graph = trace(key, trace);
        if (disk != null) {
            disk.write(key, graph);
        }
        return graph;
    }

    /** Traces {@code key} on a miss of every tier, counting it. */
    private Graph trace(ReplacementKey key, Supplier<Graph> trace) {
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
        log.atDebug().setMessage("Traced {} for {}: {} nodes in {} us").addArgument(key::describe)
                .addArgument(key::signature).addArgument(() -> graph.nodes().size())
                .addArgument(() -> (System.nanoTime() - start) / 1000).log();
        return graph;
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (java.util.concurrent.CancellationException e) {
            // join() may throw a new CancellationException whose cause is the one the future holds.
            Throwable t = e;
            while (t != null && !(t instanceof TraceFailed)) {
                t = t.getCause();
            }
            if (t == null) {
                throw e;
            }
            if (t.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) t.getCause();
        } catch (CompletionException e) {
            // Another caller's load failed: rethrow what it threw, as that caller did.
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
                evictions.sum(), disk == null ? 0 : disk.errors(), lowered.hits(), lowered.misses(), remoteHits.sum());
    }

    /**
     * Drops from memory every replacement whose key's provider is called {@code providerName}, and every lowered
     * graph (any of them may use that provider), for example when its plugin is unloaded. Disk entries stay: a
     * changed plugin has a new fingerprint, hence new keys and a new pipeline identity, so its old entries are never
     * read again and age out under the disk bound.
     *
     * @param providerName the provider's name, as in {@code ProviderIdentity.name()}
     */
    @Override
    public void invalidateProvider(String providerName) {
        Objects.requireNonNull(providerName, "providerName");
        AsyncCache<ReplacementKey, Graph> m = memory;
        if (m != null) {
            m.synchronous().asMap().keySet().removeIf(k -> k.provider().name().equals(providerName));
        }
        lowered.clear();
    }

    @Override
    public CacheProbe probe(ReplacementKey key) {
        AsyncCache<ReplacementKey, Graph> m = memory;
        if (m != null && m.synchronous().getIfPresent(key) != null) {
            return CacheProbe.hit(CacheProbe.Status.MEMORY_HIT);
        }
        if (disk != null && disk.holds(key)) {
            return CacheProbe.hit(CacheProbe.Status.DISK_HIT);
        }
        List<String> stored = new ArrayList<>();
        if (m != null) {
            m.synchronous().asMap().keySet().forEach(k -> stored.add(k.text()));
        }
        if (disk != null) {
            stored.addAll(disk.replacementKeyTexts(key.op(), key.provider().name()));
        }
        return CacheProbe.miss(key, stored);
    }

    /** Drops every entry from memory and deletes every entry on disk (not on the remote tier: see
     * {@link #clearRemote()}). Counters are kept. */
    @Override
    public void clear() {
        AsyncCache<ReplacementKey, Graph> m = memory;
        if (m != null) {
            m.synchronous().invalidateAll();
        }
        lowered.clear();
        if (disk != null) {
            disk.clear();
        }
    }

    /**
     * The entries of the disk tier now, each with its kind, size and last use, most recently used first.
     *
     * @return the entries; empty when this cache has no disk tier
     */
    public List<DiskEntry> diskEntries() {
        return disk == null ? List.of() : disk.list();
    }

    /**
     * The remote tier's counters: hits, misses, faults, writes, waits for other processes, and lookup latency.
     *
     * @return the counters; {@link RemoteStats#EMPTY} when this cache has no remote tier
     */
    public RemoteStats remoteStats() {
        return remote == null ? RemoteStats.EMPTY : remote.stats();
    }

    /**
     * Whether this cache has a working remote tier (one was configured and its client could be made).
     *
     * @return whether lookups go to a remote tier
     */
    public boolean hasRemoteTier() {
        return remote != null;
    }

    /**
     * How many entries the remote tier's namespace holds on the server now.
     *
     * @return the count
     * @throws IllegalStateException when there is no remote tier
     * @throws RuntimeException      the client's exception when the server does not answer
     */
    public long remoteEntries() {
        return requireRemote().count();
    }

    /**
     * The remote tier's counters summed over every process that used its namespace (each adds its own to the server
     * after its writes, at most once a second, and when it flushes or exits): {@code hits}, {@code misses},
     * {@code errors}, {@code writes}, {@code waits}, {@code skipped}, {@code reads} and {@code read_nanos}.
     *
     * @return the counters by name; empty when none were published yet
     * @throws IllegalStateException when there is no remote tier
     * @throws RuntimeException      the client's exception when the server does not answer
     */
    public java.util.Map<String, String> remoteFleetStats() {
        return requireRemote().fleetCounters();
    }

    /**
     * The latency of the remote tier as this process sees it now: the median of {@code lookups} lookups of an absent
     * key, in nanoseconds.
     *
     * @param lookups how many lookups to time (at least 1)
     * @return the median time of one
     * @throws IllegalStateException when there is no remote tier
     * @throws RuntimeException      the client's exception when the server does not answer
     */
    public long probeRemote(int lookups) {
        return requireRemote().probe(Math.max(1, lookups));
    }

    /**
     * Deletes every key of the remote tier's namespace on the server (other data on the server is left alone).
     *
     * @return how many keys were deleted
     * @throws IllegalStateException when there is no remote tier
     * @throws RuntimeException      the client's exception when the server does not answer
     */
    public long clearRemote() {
        return requireRemote().clear();
    }

    /**
     * Waits up to {@code timeout} for the entries queued for the remote tier to be sent. A process also does this
     * (for up to 2 s) when it exits.
     *
     * @param timeout the longest wait
     * @return whether every queued entry was handled (sent, or failed with a warning)
     */
    public boolean flushRemote(Duration timeout) {
        return remote == null || remote.flush(timeout);
    }

    /**
     * Sends the queued remote entries (waiting up to 2 s) and closes the connections to the server. The memory and
     * disk tiers go on working; the remote tier does not. Does nothing without a remote tier.
     */
    public void closeRemote() {
        if (remote != null) {
            remote.close();
        }
    }

    private RemoteTier requireRemote() {
        if (remote == null) {
            throw new IllegalStateException("this cache has no remote tier" + config.remoteCache()
                    .map(r -> " (" + r.displayUri() + " could not be used)").orElse(""));
        }
        return remote;
    }

    /**
     * The folder holding the disk tier's entries ({@code <disk directory>/replacements-v3}).
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
        AsyncCache<ReplacementKey, Graph> m = memory;
        if (m != null) {
            m.synchronous().cleanUp();
        }
    }

    @Override
    public String toString() {
        return "TieredReplacementCache[" + config + ", " + stats() + "]";
    }
}
