package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.cache.Fixtures.CPU;
import static org.kernelir.cache.Fixtures.key;
import static org.kernelir.cache.Fixtures.trace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cache.redis.RedisServer;
import org.kernelir.core.graph.Graph;
import redis.clients.jedis.RedisClient;

/**
 * The remote tier against a real {@code redis-server} started for each test: sharing, verification of what the
 * server returns, TTL and size cap, single flight across caches, and every kind of fault.
 */
class RemoteTierTest {

    @TempDir
    Path tmp;

    private RedisServer redis;
    private final List<TieredReplacementCache> caches = new ArrayList<>();

    @BeforeEach
    void startRedis() throws IOException {
        redis = RedisServer.start(Files.createDirectories(tmp.resolve("redis")));
    }

    @AfterEach
    void stopRedis() {
        caches.forEach(TieredReplacementCache::closeRemote);
        if (redis != null) {
            redis.close();
        }
    }

    /** A cache as a new process would have it: empty memory, its own empty disk folder, the shared server. */
    private TieredReplacementCache process(String name, RemoteCacheConfig remote) {
        TieredReplacementCache c = ReplacementCaches.builder().diskDirectory(tmp.resolve(name)).remoteCache(remote)
                .build();
        caches.add(c);
        return c;
    }

    private TieredReplacementCache process(String name) {
        return process(name, settings());
    }

    /**
     * The settings of the tests that are not about timeouts: 1 s per call, since a loaded test machine can take longer
     * than the default 50 ms, which would turn a test of hits into one of faults.
     */
    private RemoteCacheConfig settings() {
        return RemoteCacheConfig.of(redis.uri()).withTimeout(Duration.ofSeconds(1));
    }

    private RedisClient client() {
        return RedisClient.create(redis.uri());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSecondProcessTracesNothingAndWritesRemoteHitsToItsDisk() {
        TieredReplacementCache first = process("a");
        ReplacementKey k1 = key(CPU, 64);
        ReplacementKey k2 = key(CPU, 128);
        LoweredGraphKey lk = new LoweredGraphKey(UUID.randomUUID(), trace(k1));
        first.getOrTrace(k1, () -> trace(k1));
        first.getOrTrace(k2, () -> trace(k2));
        first.getOrLower(lk, () -> new LoweredGraph(trace(k2), List.of(new LoweredGraph.Selection("n", "op", "cpu")),
                List.of(), List.of()));
        assertTrue(first.flushRemote(Duration.ofSeconds(5)));
        assertEquals(3, first.remoteStats().writes());
        assertEquals(3, first.remoteEntries());

        TieredReplacementCache second = process("b");
        assertEquals(trace(k1), second.getOrTrace(k1, () -> {
            throw new AssertionError("traced although the server has it");
        }));
        second.getOrTrace(k2, () -> {
            throw new AssertionError("traced although the server has it");
        });
        LoweredGraph lowered = second.getOrLower(lk, () -> {
            throw new AssertionError("lowered although the server has it");
        });
        assertEquals(List.of(new LoweredGraph.Selection("n", "op", "cpu")), lowered.selections());
        CacheStats s = second.stats();
        assertEquals(0, s.traces());
        assertEquals(0, s.graphMisses());
        assertEquals(3, s.remoteHits());
        assertEquals(3, second.remoteStats().hits());
        assertEquals(0, second.remoteStats().errors());
        assertTrue(second.remoteStats().readNanos() > 0);
        assertTrue(second.flushRemote(Duration.ofSeconds(5))); // disk writes of remote hits run on the writer thread
        assertEquals(3, second.diskEntries().size(), "a remote hit is written to the local disk");

        // A third process with the second's disk never asks the server.
        TieredReplacementCache third = ReplacementCaches.builder().diskDirectory(tmp.resolve("b"))
                .remoteCache(settings()).build();
        caches.add(third);
        third.getOrTrace(k1, () -> trace(k1));
        assertEquals(1, third.stats().diskHits());
        assertEquals(0, third.remoteStats().reads());
    }

    @Test
    void aForeignEntryIsAMissAndGarbageIsOneWarnedError() throws IOException {
        TieredReplacementCache cache = process("a");
        ReplacementKey k = key(CPU, 64);
        ReplacementKey other = key(CPU, 96);
        String ns = RemoteCacheConfig.DEFAULT_NAMESPACE;
        try (RedisClient c = client(); Fixtures.Warnings warnings = new Fixtures.Warnings()) {
            // Another key's valid entry under k's name: a miss, not an error.
            c.set(bytes(ns + k.hash()), DiskTier.encode(other, trace(other)));
            assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
            assertEquals(1, cache.remoteStats().misses());
            assertEquals(0, cache.remoteStats().errors());
            assertEquals(List.of(), warnings.messages());

            // Garbage and a torn entry: errors, one warning for the kind.
            ReplacementKey g1 = key(CPU, 32);
            ReplacementKey g2 = key(CPU, 16);
            c.set(bytes(ns + g1.hash()), bytes("HTTP/1.1 200 OK\r\n\r\nhello"));
            byte[] whole = DiskTier.encode(g2, trace(g2));
            c.set(bytes(ns + g2.hash()), java.util.Arrays.copyOf(whole, whole.length - 3));
            assertEquals(trace(g1), cache.getOrTrace(g1, () -> trace(g1)));
            assertEquals(trace(g2), cache.getOrTrace(g2, () -> trace(g2)));
            assertEquals(2, cache.remoteStats().errors());
            assertEquals(1, warnings.messages().stream().filter(m -> m.contains("unusable entry")).count(),
                    warnings.messages().toString());
            // Made locally, the entries are written again, correctly.
            assertTrue(cache.flushRemote(Duration.ofSeconds(5)));
            assertEquals(trace(g2), DiskTier.decodeGraph(c.get(bytes(ns + g2.hash())), g2.text()));
        } catch (DiskTier.BadEntry e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void entriesExpireAfterTheTtlAndLargeOnesStayLocal() {
        TieredReplacementCache ttl = process("a", settings().withTtl(Duration.ofSeconds(60)));
        ReplacementKey k = key(CPU, 64);
        ttl.getOrTrace(k, () -> trace(k));
        assertTrue(ttl.flushRemote(Duration.ofSeconds(5)));
        try (RedisClient c = client()) {
            long pttl = c.pttl(bytes(RemoteCacheConfig.DEFAULT_NAMESPACE + k.hash()));
            assertTrue(pttl > 50_000 && pttl <= 60_000, "PTTL " + pttl);
        }

        TieredReplacementCache capped = process("b", settings().withMaxEntryBytes(64));
        ReplacementKey big = key(CPU, 4096);
        capped.getOrTrace(big, () -> trace(big));
        assertTrue(capped.flushRemote(Duration.ofSeconds(5)));
        assertEquals(0, capped.remoteStats().writes());
        assertEquals(1, capped.remoteStats().skipped());
        assertEquals(1, capped.remoteEntries(), "only the first cache's entry is on the server");
    }

    @Test
    void concurrentMissesAcrossProcessesTraceOnce() throws Exception {
        int processes = 4;
        List<TieredReplacementCache> fleet = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            fleet.add(process("p" + i));
        }
        ReplacementKey k = key(CPU, 64);
        AtomicInteger traced = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        try {
            List<Future<Graph>> results = new ArrayList<>();
            for (TieredReplacementCache c : fleet) {
                results.add(pool.submit(() -> {
                    go.await();
                    return c.getOrTrace(k, () -> {
                        traced.incrementAndGet();
                        sleep(300);
                        return trace(k);
                    });
                }));
            }
            go.countDown();
            for (Future<Graph> f : results) {
                assertEquals(trace(k), f.get(20, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, traced.get());
        assertEquals(1, fleet.stream().mapToLong(c -> c.stats().traces()).sum());
        assertEquals(processes - 1, fleet.stream().mapToLong(c -> c.remoteStats().waits()).sum());
        assertEquals(processes - 1, fleet.stream().mapToLong(c -> c.stats().remoteHits()).sum());
    }

    @Test
    void aLockWhoseHolderDiedBlocksNoOneBeyondItsExpiry() throws IOException {
        TieredReplacementCache cache = process("a", settings().withLockTimeout(Duration.ofSeconds(5)));
        ReplacementKey k = key(CPU, 64);
        // A holder that took the lock and died: the lock stays until its expiry.
        assertEquals("+OK", redis.command("SET " + RemoteCacheConfig.DEFAULT_NAMESPACE + "lock:" + k.hash()
                + " dead PX 1500"));
        assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
        assertEquals(1, cache.stats().traces(), cache.stats() + " " + cache.remoteStats());
        assertEquals(1, cache.remoteStats().waits());
        assertEquals(":0", redis.command("EXISTS " + RemoteCacheConfig.DEFAULT_NAMESPACE + "lock:" + k.hash()));
    }

    @Test
    void anAbsentServerCostsOneWarningAndTurnsTheTierOff() throws IOException {
        URI nowhere = URI.create("redis://127.0.0.1:" + RedisServer.freePort());
        try (Fixtures.Warnings warnings = new Fixtures.Warnings()) {
            TieredReplacementCache cache = process("a", RemoteCacheConfig.of(nowhere));
            for (int i = 0; i < 30; i++) {
                ReplacementKey k = key(CPU, 8 + i);
                assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
            }
            assertTrue(cache.flushRemote(Duration.ofSeconds(5)));
            assertEquals(30, cache.stats().traces());
            RemoteStats r = cache.remoteStats();
            assertTrue(r.errors() >= RemoteTier.BREAKER_THRESHOLD && r.errors() < 10, r.toString());
            assertTrue(r.skipped() > 20, "the breaker keeps the tier off: " + r);
            assertEquals(1, warnings.messages().stream().filter(m -> m.contains("server unreachable")).count(),
                    warnings.messages().toString());
            assertEquals(1, warnings.messages().stream().filter(m -> m.contains("turned off")).count());
        }
    }

    @Test
    void aFrozenServerTimesOutAndLookupsGoOn() throws Exception {
        TieredReplacementCache cache = process("a", RemoteCacheConfig.of(redis.uri())); // the default 50 ms
        ReplacementKey warm = key(CPU, 4);
        cache.getOrTrace(warm, () -> trace(warm)); // connections made while the server answers
        assertTrue(cache.flushRemote(Duration.ofSeconds(5)));
        redis.pause();
        try (Fixtures.Warnings warnings = new Fixtures.Warnings()) {
            for (int i = 0; i < 10; i++) {
                ReplacementKey k = key(CPU, 8 + i);
                assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
            }
            assertEquals(11, cache.stats().traces());
            assertTrue(cache.remoteStats().errors() >= 1);
            assertEquals(1, warnings.messages().stream().filter(m -> m.contains(": timeout (")).count(),
                    warnings.messages().toString());
        } finally {
            redis.resume();
        }
    }

    @Test
    void aServerAnsweringGarbageIsAFaultNotAFailure() throws Exception {
        ServerSocket fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        try (Fixtures.Warnings warnings = new Fixtures.Warnings()) {
            Thread answerer = Thread.ofVirtual().start(() -> {
                while (!fake.isClosed()) {
                    try (Socket s = fake.accept()) {
                        InputStream in = s.getInputStream();
                        in.read(new byte[4096]);
                        OutputStream out = s.getOutputStream();
                        out.write(bytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
                        out.flush();
                    } catch (IOException e) {
                        // closed by the test
                    }
                }
            });
            TieredReplacementCache cache = process("a", RemoteCacheConfig.of(
                    URI.create("redis://127.0.0.1:" + fake.getLocalPort())));
            for (int i = 0; i < 5; i++) {
                ReplacementKey k = key(CPU, 8 + i);
                assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
            }
            assertEquals(5, cache.stats().traces());
            assertTrue(cache.remoteStats().errors() >= 1);
            assertEquals(0, cache.remoteStats().hits());
            assertTrue(warnings.messages().stream().anyMatch(m -> m.startsWith("Remote cache redis://127.0.0.1:")),
                    warnings.messages().toString());
            fake.close();
            answerer.join(2000);
        } finally {
            fake.close();
        }
    }

    @Test
    void aServerKilledMidRunLeavesLoweringWhole() throws Exception {
        TieredReplacementCache cache = process("a", settings().withBreakerPause(Duration.ofMillis(300)));
        AtomicInteger done = new AtomicInteger();
        Thread run = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 200; i++) {
                ReplacementKey k = key(CPU, 8 + i);
                assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
                done.incrementAndGet();
            }
        });
        while (done.get() < 40 && run.isAlive()) {
            Thread.sleep(1);
        }
        redis.kill();
        run.join(30_000);
        assertEquals(200, done.get());
        assertEquals(200, cache.stats().traces());
        assertTrue(cache.remoteStats().errors() >= 1);

        // Back after the pause: the tier turns itself on again.
        redis.restart();
        Thread.sleep(400);
        for (int i = 0; i < 3; i++) {
            ReplacementKey k = key(CPU, 1000 + i);
            cache.getOrTrace(k, () -> trace(k));
        }
        assertTrue(cache.flushRemote(Duration.ofSeconds(5)));
        assertTrue(cache.remoteEntries() >= 2, "written again once the server is back: " + cache.remoteStats());
    }

    @Test
    void clearRemoteDeletesOnlyTheNamespace() throws IOException {
        TieredReplacementCache cache = process("a");
        ReplacementKey k = key(CPU, 64);
        cache.getOrTrace(k, () -> trace(k));
        assertTrue(cache.flushRemote(Duration.ofSeconds(5)));
        assertEquals("+OK", redis.command("SET someone-elses-key 1"));
        assertEquals(2, cache.clearRemote(), "the entry and the fleet's counters");
        assertEquals(0, cache.remoteEntries());
        assertEquals(":1", redis.command("EXISTS someone-elses-key"));
    }

    @Test
    void aPasswordAndADatabaseFromTheUriAreUsedAndAWrongPasswordIsAFault() throws IOException {
        try (RedisServer locked = RedisServer.start(Files.createDirectories(tmp.resolve("locked")),
                List.of("--requirepass", "s3cret"))) {
            URI base = locked.uri();
            URI good = URI.create("redis://:s3cret@127.0.0.1:" + base.getPort() + "/3");
            TieredReplacementCache cache = process("a", RemoteCacheConfig.of(good).withTimeout(Duration.ofSeconds(1)));
            ReplacementKey k = key(CPU, 64);
            cache.getOrTrace(k, () -> trace(k));
            assertTrue(cache.flushRemote(Duration.ofSeconds(5)));
            assertEquals(0, cache.remoteStats().errors());
            try (RedisClient db3 = RedisClient.create(good);
                    RedisClient db0 = RedisClient.create(URI.create("redis://:s3cret@127.0.0.1:" + base.getPort()))) {
                assertTrue(db3.exists(RemoteCacheConfig.DEFAULT_NAMESPACE + k.hash()), "stored in database 3");
                assertTrue(!db0.exists(RemoteCacheConfig.DEFAULT_NAMESPACE + k.hash()), "not in database 0");
            }

            try (Fixtures.Warnings warnings = new Fixtures.Warnings()) {
                TieredReplacementCache wrong = process("b", RemoteCacheConfig.of(
                        URI.create("redis://:wrong@127.0.0.1:" + base.getPort() + "/3")));
                assertEquals(trace(k), wrong.getOrTrace(k, () -> trace(k)));
                assertEquals(1, wrong.stats().traces());
                assertTrue(wrong.remoteStats().errors() >= 1);
                assertTrue(warnings.messages().stream().noneMatch(m -> m.contains(":wrong@")),
                        "the password is not logged: " + warnings.messages());
                assertTrue(warnings.messages().stream().anyMatch(m -> m.contains("redis://***@127.0.0.1:")),
                        warnings.messages().toString());
            }
        }
    }

    @Test
    void theUriIsCheckedAndComesFromThePropertyWhenNotGiven() {
        assertThrows(IllegalArgumentException.class, () -> RemoteCacheConfig.of("http://host:6379"));
        assertThrows(IllegalArgumentException.class, () -> RemoteCacheConfig.of("redis://host:6379/cache"));
        assertEquals("redis://***@h:1/2", RemoteCacheConfig.of("redis://:secret@h:1/2").displayUri());
        assertEquals(Duration.ofMillis(700), RemoteCacheConfig.of("redis://h:1/2?timeout=700").timeout());
        assertThrows(IllegalArgumentException.class, () -> RemoteCacheConfig.of("redis://h:1?ttl=5"));
        assertNull(new TieredReplacementCache(CacheConfig.defaults().noDisk().noRemoteCache()).remoteStats()
                .equals(RemoteStats.EMPTY) ? null : "not empty");
        String before = System.getProperty(RemoteCacheConfig.PROPERTY);
        System.setProperty(RemoteCacheConfig.PROPERTY, redis.uri().toString());
        try {
            CacheConfig c = ReplacementCaches.builder();
            assertEquals(redis.uri(), c.remoteCache().orElseThrow().uri());
            assertTrue(c.noRemoteCache().remoteCache().isEmpty());
            System.setProperty(RemoteCacheConfig.PROPERTY, "nonsense://x");
            assertTrue(ReplacementCaches.builder().remoteCache().isEmpty(), "a malformed URI is ignored, warned");
        } finally {
            if (before == null) {
                System.clearProperty(RemoteCacheConfig.PROPERTY);
            } else {
                System.setProperty(RemoteCacheConfig.PROPERTY, before);
            }
        }
        assertNotNull(ReplacementCaches.builder().remoteCache(redis.uri()).build().toString());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
