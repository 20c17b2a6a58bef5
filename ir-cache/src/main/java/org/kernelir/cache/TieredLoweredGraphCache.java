package org.kernelir.cache;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LoweredGraphCache} of a {@link TieredReplacementCache}: its own memory tier (least recently used out,
 * bounded by node count, see {@code LoweredGraphMemory}), then the disk tier and the remote tier that it shares with
 * the replacements, then the pipeline. Concurrent callers of one key in this process wait for one lowering; with a
 * remote tier, processes across the fleet wait for one too (see {@code RemoteTier}).
 *
 * <p>Entries are {@link LoweredGraph}s, typed: the stored form ({@code LoweredGraphs}) is this module's business.
 *
 * <p>This class is thread-safe.
 */
public final class TieredLoweredGraphCache implements LoweredGraphCache {

    private static final Logger log = LoggerFactory.getLogger(TieredLoweredGraphCache.class);

    private final boolean enabled;
    private final LoweredGraphMemory memory;
    private final DiskTier disk;
    private final RemoteTier remote;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder remoteHits;

    TieredLoweredGraphCache(CacheConfig config, LongAdder evictions, DiskTier disk, RemoteTier remote,
            LongAdder remoteHits) {
        this.enabled = config.cacheLoweredGraphs();
        this.memory = new LoweredGraphMemory(config.maximumNodes(), evictions);
        this.disk = disk;
        this.remote = remote;
        this.remoteHits = remoteHits;
    }

    /**
     * The lowered graph for {@code key}: from memory, else disk, else the remote tier, else made by {@code lower}
     * (once, however many threads ask at the same time) and kept in memory, on disk and on the server, unless the
     * configuration turns lowered graphs off ({@link CacheConfig#cacheLoweredGraphs(boolean)}).
     *
     * @return the entry, or {@code null} when {@code lower} returned {@code null} (a result not to keep)
     */
    @Override
    public LoweredGraph getOrLower(LoweredGraphKey key, Supplier<LoweredGraph> lower) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lower, "lower");
        if (!enabled) {
            return lower.get();
        }
        LoweredGraph hit = memory.get(key);
        if (hit != null) {
            hits.increment();
            return hit;
        }
        CompletableFuture<LoweredGraph> mine = new CompletableFuture<>();
        CompletableFuture<LoweredGraph> present = memory.begin(key, mine);
        if (present != null) {
            hits.increment();
            LoweredGraph waited = TieredReplacementCache.await(present);
            // A result its pipeline would not keep is not shared either: those that waited for it lower anew.
            return waited != null ? waited : lower.get();
        }
        try {
            LoweredGraph entry = memory.get(key); // finished between the first look and begin()
            if (entry == null) {
                boolean[] made = new boolean[1];
                entry = load(key, () -> {
                    made[0] = true;
                    return lower.get();
                });
                if (entry != null && !memory.put(key, entry) && made[0] && !key.current()) {
                    // Lowered while the providers or the priority changed: the caller uses its own result, and
                    // those waiting for this key lower anew under the set now in force.
                    log.debug("Lowered {} while the providers changed; not kept", key.describe());
                    entry = null;
                }
            } else {
                hits.increment();
            }
            mine.complete(entry);
            return entry;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            memory.finish(key, mine);
        }
    }

    /** Whether this cache keeps anything. */
    public boolean enabled() {
        return enabled;
    }

    /** Lookups answered from memory, disk or the remote tier. */
    long hits() {
        return hits.sum();
    }

    /** Lookups that the pipeline had to answer. */
    long misses() {
        return misses.sum();
    }

    private LoweredGraph load(LoweredGraphKey key, Supplier<LoweredGraph> lower) {
        if (disk != null) {
            LoweredGraph found = disk.read(key, payload -> LoweredGraphs.decode(key, payload));
            if (found != null) {
                hits.increment();
                log.debug("Lowered {} read from disk", key.describe());
                return found;
            }
        }
        if (remote != null) {
            return remote.load(key, payload -> LoweredGraphs.decode(key, payload), payload -> {
                if (disk != null) {
                    disk.write(key, payload);
                }
            }, () -> {
                misses.increment();
                return lower.get();
            }, made -> {
                if (!key.current()) {
                    return null; // made while the provider set changed: its key names a set it did not run under
                }
                byte[] payload = LoweredGraphs.encode(key, made); // once, for both tiers
                if (disk != null) {
                    disk.write(key, payload);
                }
                return payload;
            }, fromRemote -> {
                if (fromRemote) {
                    hits.increment();
                    remoteHits.increment();
                    log.debug("Lowered {} read from the remote tier", key.describe());
                }
            });
        }
        return lowerAndStore(key, lower);
    }

    private LoweredGraph lowerAndStore(LoweredGraphKey key, Supplier<LoweredGraph> lower) {
        misses.increment();
        LoweredGraph made = lower.get();
        // A result made while the provider set changed is not written: its key names a set it did not run under.
        // Checked after the lowering ended, so one that passes was made wholly under the set its key names.
        if (made != null && disk != null && key.current()) {
            disk.write(key, LoweredGraphs.encode(key, made));
        }
        return made;
    }

    /** Drops every entry from memory. */
    @Override
    public void clear() {
        memory.clear();
    }
}
