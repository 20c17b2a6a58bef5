package org.kernelir.cache;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote tier: entries on a server that a fleet of processes shares, behind memory and disk.
 *
 * <p>An entry is the disk tier's bytes (header, key text, payload, CRC-32), stored under the namespace followed by
 * the key's {@link CacheKey#hash()}; a reader checks the checksum and compares the stored key text, so a foreign
 * entry or a collision is a miss. Writes are asynchronous (one writer thread, a bounded queue): a lowering never
 * waits for the server to take its results.
 *
 * <p><b>Single flight across the fleet.</b> A process that misses a key takes the key's lock (SET NX PX, with the
 * lock timeout as expiry) before it makes the entry, and releases it after writing the entry; a process that finds
 * the lock taken polls for the entry until it appears, the lock goes away, or the lock timeout passes, and only
 * then makes the entry itself. A holder that dies blocks no one beyond the lock's expiry.
 *
 * <p><b>Faults never fail a lookup.</b> Every call has the configured timeout; a fault (absent server, timeout,
 * garbage) is a miss, counted in {@link RemoteStats#errors()}, and logged as a warning once per kind of fault (then
 * at debug level). After {@value #BREAKER_THRESHOLD} faults in a row the tier turns itself off for the configured
 * pause, then lets one call through to try again.
 */
final class RemoteTier {

    private static final Logger log = LoggerFactory.getLogger(RemoteTier.class);
    static final int BREAKER_THRESHOLD = 3;
    private static final String STORE_CLASS = "org.kernelir.cache.RedisStore";
    private static final int WRITE_QUEUE = 1024;

    private final RemoteCacheConfig config;
    private final RemoteStore store;
    private final String display;
    private final ThreadPoolExecutor writer;
    private final Thread shutdownHook;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder waits = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder reads = new LongAdder();
    private final LongAdder readNanos = new LongAdder();

    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final AtomicInteger consecutiveFaults = new AtomicInteger();
    private final AtomicLong offUntil = new AtomicLong();
    private final AtomicBoolean trial = new AtomicBoolean();

    RemoteTier(RemoteCacheConfig config, RemoteStore store) {
        this.config = config;
        this.store = store;
        this.display = config.displayUri();
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(WRITE_QUEUE),
                r -> {
                    Thread t = new Thread(r, "kernel-ir-remote-cache-writer");
                    t.setDaemon(true);
                    return t;
                });
        // A process that exits right after lowering (kir lower) still hands its new entries to the fleet.
        this.shutdownHook = new Thread(() -> flush(Duration.ofSeconds(2)), "kernel-ir-remote-cache-flush");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The tier for {@code config}: the Redis client is loaded here, by name, so that a cache without a remote tier
     * never loads it. {@code null} (with a warning) when the client cannot be made.
     */
    static RemoteTier open(RemoteCacheConfig config) {
        RemoteStore store;
        try {
            store = (RemoteStore) Class.forName(STORE_CLASS)
                    .getDeclaredConstructor(java.net.URI.class, Duration.class)
                    .newInstance(config.uri(), config.timeout());
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            log.warn("Remote cache {} cannot be used: {}. Lowering uses the local tiers only.", config.displayUri(),
                    String.valueOf(cause));
            return null;
        }
        log.debug("Remote cache tier on {}", config);
        return new RemoteTier(config, store);
    }

    RemoteCacheConfig config() {
        return config;
    }

    RemoteStats stats() {
        return new RemoteStats(hits.sum(), misses.sum(), errors.sum(), writes.sum(), waits.sum(), skipped.sum(),
                reads.sum(), readNanos.sum());
    }

    /** A verified entry and its payload (what the disk tier is given on a remote hit). */
    record Found<T>(T value, byte[] payload) {
    }

    /**
     * The entry for {@code key} from the server, else made by {@code make} (after waiting a bounded time for another
     * process that is making it) and sent to the server.
     *
     * @param parse   reads a payload; throwing marks the entry garbage (a miss)
     * @param onHit   given the payload of a remote hit, on the writer thread (the caller writes it to disk)
     * @param make    makes the entry on a miss; {@code null} means a result not to keep
     * @param encode  the payload of a made entry
     * @param counted given {@code true} for a remote hit (also after a wait), {@code false} when {@code make} ran
     */
    <T> T load(CacheKey key, Function<byte[], T> parse, Consumer<byte[]> onHit, Supplier<T> make,
            Function<T, byte[]> encode, Consumer<Boolean> counted) {
        Found<T> found = get(key, parse, true);
        if (found != null) {
            return hit(found, onHit, counted);
        }
        byte[] token = claim(key);
        if (token == BUSY) {
            found = await(key, parse);
            if (found != null) {
                return hit(found, onHit, counted);
            }
            token = null;
        } else if (token != null) {
            // The holder may have finished between our lookup and our lock: look once more before making it.
            found = get(key, parse, false);
            if (found != null) {
                release(key, token);
                return hit(found, onHit, counted);
            }
        }
        counted.accept(false);
        T made;
        try {
            made = make.get();
        } catch (RuntimeException | Error e) {
            release(key, token);
            throw e;
        }
        byte[] payload = made == null ? null : encode.apply(made);
        if (payload == null) { // nothing made, or nothing the caller may keep
            release(key, token);
        } else {
            put(key, payload, token);
        }
        return made;
    }

    /**
     * A remote hit: counted, and its payload handed to {@code onHit} (the disk write) on the writer thread, so that
     * a process lowering from the remote tier does not wait for its disk.
     */
    private <T> T hit(Found<T> found, Consumer<byte[]> onHit, Consumer<Boolean> counted) {
        counted.accept(true);
        try {
            writer.execute(() -> onHit.accept(found.payload()));
        } catch (RejectedExecutionException e) {
            onHit.accept(found.payload());
        }
        return found.value();
    }

    /** The verified entry for {@code key}, or {@code null}; {@code count} says whether it counts as a lookup. */
    <T> Found<T> get(CacheKey key, Function<byte[], T> parse, boolean count) {
        if (!allowed()) {
            if (count) {
                skipped.increment();
            }
            return null;
        }
        byte[] bytes;
        long t0 = System.nanoTime();
        try {
            bytes = store.get(entryKey(key));
            succeeded();
        } catch (RuntimeException e) {
            fault(e, "read " + key.describe());
            return null;
        } finally {
            if (count) {
                reads.increment();
                readNanos.add(System.nanoTime() - t0);
            }
        }
        if (bytes == null) {
            if (count) {
                misses.increment();
            }
            return null;
        }
        T value;
        byte[] payload;
        try {
            payload = DiskTier.decode(bytes, key.text());
            value = java.util.Objects.requireNonNull(parse.apply(payload), "nothing parsed");
        } catch (DiskTier.BadEntry e) {
            if (e.getMessage().startsWith("key mismatch")) {
                // Another key's entry under this hash (a collision, or another kernel-ir's): a miss, not a fault.
                log.debug("Remote entry for {} on {} belongs to another key", key.describe(), display);
                if (count) {
                    misses.increment();
                }
                return null;
            }
            garbage(key, e.getMessage(), count);
            return null;
        } catch (RuntimeException e) {
            garbage(key, "unreadable content: " + e.getMessage(), count);
            return null;
        }
        if (count) {
            hits.increment();
        }
        return new Found<>(value, payload);
    }

    /** An unusable entry: an error when {@code count} (a second look at the same entry is not another error). */
    private void garbage(CacheKey key, String problem, boolean count) {
        if (count) {
            errors.increment();
        }
        warnOnce("garbage", "Remote cache " + display + " returned an unusable entry for " + key.describe() + " ("
                + problem + "); it is made locally and written again");
    }

    /** Marks a claim that another process holds. */
    private static final byte[] BUSY = new byte[0];

    /** This process's lock token for {@code key}, {@link #BUSY}, or {@code null} when the tier cannot lock now. */
    private byte[] claim(CacheKey key) {
        if (!allowed()) {
            return null;
        }
        byte[] token = new byte[16];
        ThreadLocalRandom.current().nextBytes(token);
        try {
            boolean mine = store.setIfAbsent(lockKey(key), token, config.lockTimeout().toMillis());
            succeeded();
            return mine ? token : BUSY;
        } catch (RuntimeException e) {
            fault(e, "lock " + key.describe());
            return null;
        }
    }

    /** Polls for the entry another process is making; {@code null} when it does not come. */
    private <T> Found<T> await(CacheKey key, Function<byte[], T> parse) {
        waits.increment();
        long deadline = System.nanoTime() + config.lockTimeout().toNanos();
        long sleepMillis = 1;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            sleepMillis = Math.min(sleepMillis * 2, 20);
            Found<T> found = get(key, parse, false);
            if (found != null) {
                hits.increment();
                return found;
            }
            if (!allowed()) {
                return null;
            }
            try {
                if (!store.exists(lockKey(key))) {
                    // Released: written just now, or its holder kept nothing. One last look.
                    found = get(key, parse, false);
                    if (found != null) {
                        hits.increment();
                    }
                    return found;
                }
            } catch (RuntimeException e) {
                fault(e, "wait for " + key.describe());
                return null;
            }
        }
        log.debug("Waited {} for another process to make {}; making it here", config.lockTimeout(), key.describe());
        return null;
    }

    /** Sends an entry to the server in the background, then releases {@code token}'s lock. */
    void put(CacheKey key, byte[] payload, byte[] token) {
        byte[] entry = DiskTier.encode(key, payload);
        if (entry.length > config.maxEntryBytes()) {
            skipped.increment();
            log.debug("Not sending {} to {}: {} bytes, over the cap of {}", key.describe(), display, entry.length,
                    config.maxEntryBytes());
            release(key, token);
            return;
        }
        try {
            writer.execute(() -> {
                if (allowed()) {
                    try {
                        store.set(entryKey(key), entry, config.ttl().toMillis());
                        writes.increment();
                        succeeded();
                    } catch (RuntimeException e) {
                        fault(e, "write " + key.describe());
                    }
                } else {
                    skipped.increment();
                }
                release(key, token);
                if (System.nanoTime() - lastPublish > 1_000_000_000L) {
                    lastPublish = System.nanoTime();
                    publish();
                }
            });
        } catch (RejectedExecutionException e) {
            skipped.increment();
            log.debug("Remote cache write queue full; {} stays local", key.describe());
            release(key, token);
        }
    }

    private void release(CacheKey key, byte[] token) {
        if (token == null || token == BUSY || !allowed()) {
            return; // a lock not released expires
        }
        try {
            store.deleteIfEquals(lockKey(key), token);
        } catch (RuntimeException e) {
            fault(e, "unlock " + key.describe());
        }
    }

    /**
     * Adds this process's counters since the last call to the fleet's counters on the server (a hash under the
     * namespace), for {@code kir cache stats}. Runs on the writer thread.
     */
    private void publish() {
        RemoteStats now = stats();
        RemoteStats before = published;
        if (now.equals(before) || !allowed()) {
            return;
        }
        java.util.Map<String, Long> deltas = new java.util.LinkedHashMap<>();
        deltas.put("hits", now.hits() - before.hits());
        deltas.put("misses", now.misses() - before.misses());
        deltas.put("errors", now.errors() - before.errors());
        deltas.put("writes", now.writes() - before.writes());
        deltas.put("waits", now.waits() - before.waits());
        deltas.put("skipped", now.skipped() - before.skipped());
        deltas.put("reads", now.reads() - before.reads());
        deltas.put("read_nanos", now.readNanos() - before.readNanos());
        try {
            store.addCounters(countersKey(), deltas);
            published = now;
            succeeded();
        } catch (RuntimeException e) {
            fault(e, "publish counters");
        }
    }

    /** The counters published so far; only the writer thread uses it. */
    private RemoteStats published = RemoteStats.EMPTY;
    private long lastPublish;

    /** The fleet's counters on the server: what every process using this namespace has published. */
    java.util.Map<String, String> fleetCounters() {
        return store.counters(countersKey());
    }

    private byte[] countersKey() {
        return (config.namespace() + "stats").getBytes(StandardCharsets.UTF_8);
    }

    /** Waits up to {@code timeout} for the writes queued so far; whether they all finished. */
    boolean flush(Duration timeout) {
        if (writer.isShutdown()) {
            return true;
        }
        try {
            CompletableFuture.runAsync(this::publish, writer).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            return false;
        }
    }

    /** Deletes every key of this tier's namespace (entries and locks); how many there were. */
    long clear() {
        List<byte[]> keys = store.keys(config.namespace());
        return keys.isEmpty() ? 0 : store.delete(keys);
    }

    /** How many entries the namespace holds now (locks and the counters not counted). */
    long count() {
        byte[] lock = (config.namespace() + "lock:").getBytes(StandardCharsets.UTF_8);
        byte[] counters = countersKey();
        return store.keys(config.namespace()).stream()
                .filter(k -> !java.util.Arrays.equals(k, 0, Math.min(k.length, lock.length), lock, 0, lock.length)
                        && !java.util.Arrays.equals(k, counters))
                .count();
    }

    /** The time of one lookup of an absent key, the median of {@code n}, in nanoseconds (throws on a fault). */
    long probe(int n) {
        byte[] key = (config.namespace() + "probe").getBytes(StandardCharsets.UTF_8);
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            store.get(key);
            t[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(t);
        return t[n / 2];
    }

    /** Checks that the server answers; throws the fault if not. */
    void ping() {
        store.ping();
    }

    /** Finishes queued writes (briefly) and closes the connections. */
    void close() {
        flush(Duration.ofSeconds(2));
        writer.shutdownNow();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        store.close();
    }

    private byte[] entryKey(CacheKey key) {
        return (config.namespace() + key.hash()).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] lockKey(CacheKey key) {
        return (config.namespace() + "lock:" + key.hash()).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether calls may go to the server now: always, unless turned off after repeated faults. */
    private boolean allowed() {
        long until = offUntil.get();
        if (until == 0) {
            return true;
        }
        if (System.nanoTime() - until < 0) {
            return false;
        }
        // The pause is over: one call tries the server; the others stay local until it answers.
        return trial.compareAndSet(false, true);
    }

    private void succeeded() {
        consecutiveFaults.set(0);
        if (offUntil.get() != 0) {
            offUntil.set(0);
            trial.set(false);
            log.info("Remote cache {} answers again; the remote tier is back on", display);
        }
    }

    private void fault(RuntimeException e, String what) {
        errors.increment();
        String kind = kind(e);
        warnOnce(kind, "Remote cache " + display + ": " + kind + " (" + what + ": " + message(e)
                + "); lowering goes on with local results");
        log.debug("Remote cache fault on {}", what, e);
        if (consecutiveFaults.incrementAndGet() >= BREAKER_THRESHOLD || offUntil.get() != 0) {
            offUntil.set(System.nanoTime() + config.breakerPause().toNanos());
            trial.set(false);
            warnOnce("off", "Remote cache " + display + " is turned off for " + config.breakerPause().toMillis()
                    + " ms after repeated faults; it is tried again then");
        }
    }

    private void warnOnce(String kind, String message) {
        if (warned.add(kind)) {
            log.warn("{}. Further faults of this kind are logged at debug level.", message);
        } else {
            log.debug(message);
        }
    }

    /** The kind of a fault, for one warning per kind. */
    static String kind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return "timeout";
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return "server unreachable";
            }
            if (t instanceof java.util.NoSuchElementException) {
                return "timeout"; // no pooled connection within the timeout
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName();
            if (name.equals("JedisDataException") || name.equals("JedisBusyException")) {
                return "unexpected answer";
            }
        }
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("Failed to connect") || m.contains("Connection refused")) {
            return "server unreachable";
        }
        if (m.contains("Unexpected end of stream") || m.contains("Connection reset") || m.contains("Broken pipe")) {
            return "connection lost";
        }
        if (m.contains("timed out") || m.contains("Timeout")) {
            return "timeout";
        }
        return "unexpected answer";
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e) {
            return String.valueOf(e.getMessage());
        }
        String m = String.valueOf(e.getMessage());
        return root.getMessage() != null && m.contains(root.getMessage()) ? root.toString() : m + ": " + root;
    }
}
