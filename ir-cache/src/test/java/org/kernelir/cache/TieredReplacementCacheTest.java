package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.cache.Fixtures.CPU;
import static org.kernelir.cache.Fixtures.CUDA;
import static org.kernelir.cache.Fixtures.key;
import static org.kernelir.cache.Fixtures.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kernelir.core.graph.Graph;

/** The memory tier: counting, single flight, failures, the node bound and provider invalidation. */
class TieredReplacementCacheTest {

    /** A lowered-graph entry told apart from others by its one donated value. */
    private static LoweredGraph tagged(org.kernelir.core.graph.Graph graph, String tag) {
        return new LoweredGraph(graph, List.of(), List.of(), List.of(tag));
    }

    private static TieredReplacementCache memoryOnly() {
        return ReplacementCaches.builder().noDisk().build();
    }

    @Test
    void countsMissesTracesAndHits() {
        TieredReplacementCache cache = memoryOnly();
        ReplacementKey k = key(CPU, 4096);
        AtomicInteger calls = new AtomicInteger();

        Graph first = cache.getOrTrace(k, () -> {
            calls.incrementAndGet();
            return trace(k);
        });
        Graph second = cache.getOrTrace(k, () -> {
            throw new AssertionError("a hit must not trace");
        });

        assertEquals(trace(k), first);
        assertSame(first, second);
        assertEquals(1, calls.get());
        CacheStats s = cache.stats();
        assertEquals(new CacheStats(1, 0, 1, 1, s.traceNanos(), 0, 0), s);
        assertTrue(s.traceNanos() > 0);
    }

    @Test
    void concurrentMissesOfOneKeyTraceOnce() throws Exception {
        TieredReplacementCache cache = memoryOnly();
        ReplacementKey k = key(CPU, 4096);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Graph>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.getOrTrace(k, () -> {
                        calls.incrementAndGet();
                        sleep(200); // long enough that the other threads arrive while this trace is in flight
                        return trace(k);
                    });
                }));
            }
            start.countDown();
            Graph expected = results.getFirst().get(10, TimeUnit.SECONDS);
            for (Future<Graph> f : results) {
                assertSame(expected, f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, calls.get());
        CacheStats s = cache.stats();
        assertEquals(1, s.traces());
        assertEquals(1, s.misses());
        assertEquals(threads - 1, s.hits());
    }

    @Test
    void aTraceThatThrowsCachesNothingAndRethrows() {
        TieredReplacementCache cache = memoryOnly();
        ReplacementKey k = key(CPU, 4096);
        IllegalStateException boom = new IllegalStateException("provider bug");

        assertSame(boom, assertThrows(IllegalStateException.class, () -> cache.getOrTrace(k, () -> {
            throw boom;
        })));
        Graph g = cache.getOrTrace(k, () -> trace(k));

        assertEquals(trace(k), g);
        assertEquals(2, cache.stats().traces());
        assertEquals(0, cache.stats().hits());
        assertThrows(NullPointerException.class, () -> cache.getOrTrace(key(CPU, 8), () -> null));
    }

    @Test
    void waitersOnAFailingTraceGetItsException() throws Exception {
        TieredReplacementCache cache = memoryOnly();
        ReplacementKey k = key(CPU, 4096);
        CountDownLatch tracing = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> first = pool.submit(() -> cache.getOrTrace(k, () -> {
                tracing.countDown();
                sleep(200);
                throw new IllegalStateException("provider bug");
            }));
            tracing.await();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> cache.getOrTrace(k, () -> trace(k)));
            assertEquals("provider bug", e.getMessage());
            assertThrows(Exception.class, () -> first.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
    }

    @Test
    void theNodeBoundEvicts() {
        int nodesPerGraph = trace(key(CPU, 1000)).nodes().size();
        TieredReplacementCache cache = ReplacementCaches.builder().noDisk().maximumNodes(4L * nodesPerGraph).build();
        for (int i = 0; i < 10; i++) {
            ReplacementKey k = key(CPU, 1000 + i);
            cache.getOrTrace(k, () -> trace(k));
        }
        cache.cleanUp();
        assertTrue(cache.stats().evictions() >= 6, cache.stats().toString());

        for (int i = 0; i < 10; i++) {
            ReplacementKey k = key(CPU, 1000 + i);
            cache.getOrTrace(k, () -> trace(k));
        }
        cache.cleanUp();
        CacheStats s = cache.stats();
        assertTrue(s.hits() <= 4, s.toString());
        assertEquals(20, s.hits() + s.traces());
    }

    @Test
    void invalidateProviderDropsExactlyThatProvidersEntries() {
        TieredReplacementCache cache = memoryOnly();
        ReplacementKey cpu = key(CPU, 4096);
        ReplacementKey cpuRebuilt = key(Fixtures.provider("cpu", "beef"), 4096);
        ReplacementKey cuda = key(CUDA, 4096);
        ReplacementKey cpuLike = key(Fixtures.provider("cpu2", "c0ffee"), 4096);
        List<ReplacementKey> all = List.of(cpu, cpuRebuilt, cuda, cpuLike);
        all.forEach(k -> cache.getOrTrace(k, () -> trace(k)));

        cache.invalidateProvider("cpu");
        all.forEach(k -> cache.getOrTrace(k, () -> trace(k)));

        assertEquals(4 + 2, cache.stats().traces());
        assertEquals(2, cache.stats().hits());
    }

    @Test
    void configurationIsImmutableAndValidated() {
        CacheConfig defaults = ReplacementCaches.builder();
        CacheConfig small = defaults.maximumNodes(10).noDisk();

        assertEquals(CacheConfig.DEFAULT_MAXIMUM_NODES, defaults.maximumNodes());
        assertEquals(ReplacementCaches.defaultDiskDirectory(), defaults.diskDirectory().orElseThrow());
        assertEquals(CacheConfig.DEFAULT_MAXIMUM_DISK_BYTES, defaults.maximumDiskBytes());
        assertEquals(10, small.maximumNodes());
        assertTrue(small.diskDirectory().isEmpty());
        assertTrue(small.build().diskFolder().isEmpty());
        assertTrue(ReplacementCaches.defaultDiskDirectory().endsWith("kernel-ir"));
        assertThrows(IllegalArgumentException.class, () -> defaults.maximumNodes(-1));
        assertThrows(IllegalArgumentException.class, () -> defaults.maximumDiskBytes(0));
    }

    @Test
    void loweredGraphsAreKeptOnceForConcurrentCallersAndAResultNotToKeepIsNot() throws Exception {
        TieredReplacementCache cache = memoryOnly();
        Graph input = trace(key(CPU, 64));
        LoweredGraphKey k = new LoweredGraphKey(java.util.UUID.randomUUID(), input);
        Graph output = trace(key(CPU, 128));
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<LoweredGraph>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.getOrLower(k, () -> {
                        calls.incrementAndGet();
                        sleep(50);
                        return tagged(output, "notes");
                    });
                }));
            }
            start.countDown();
            for (Future<LoweredGraph> f : results) {
                assertEquals(output, f.get(10, TimeUnit.SECONDS).graph());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, calls.get());
        assertEquals(3, cache.stats().graphHits());
        assertEquals(1, cache.stats().graphMisses());

        LoweredGraphKey other = new LoweredGraphKey(k.pipeline(), output);
        assertEquals(null, cache.getOrLower(other, () -> null));
        AtomicInteger again = new AtomicInteger();
        cache.getOrLower(other, () -> {
            again.incrementAndGet();
            return null;
        });
        assertEquals(1, again.get(), "a result not to keep is lowered again next time");
        cache.invalidateProvider("cpu");
        assertEquals("fresh", cache.getOrLower(k, () -> tagged(output, "fresh")).donated().getFirst(),
                "unloading any provider drops lowered graphs from memory");
    }

    @Test
    void loweredGraphsAreBoundedByNodesLeastRecentlyUsedOut() {
        java.util.UUID p = java.util.UUID.randomUUID();
        List<LoweredGraphKey> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Graph input = Graph.builder("g" + i).output(List.of());
            keys.add(new LoweredGraphKey(p, input));
        }
        Graph result = trace(key(CPU, 128));
        long weight = 1 + result.nodes().size(); // an entry weighs its input (one node here) and its result
        TieredReplacementCache bounded = ReplacementCaches.builder().noDisk().maximumNodes(2 * weight).build();
        bounded.getOrLower(keys.get(0), () -> tagged(result, "0"));
        bounded.getOrLower(keys.get(1), () -> tagged(result, "1"));
        bounded.getOrLower(keys.get(0), () -> tagged(result, "again")); // a hit: 0 is now the most recent
        bounded.getOrLower(keys.get(2), () -> tagged(result, "2"));    // evicts 1, the least recent

        assertEquals(1, bounded.stats().evictions());
        assertEquals("0", bounded.getOrLower(keys.get(0), () -> tagged(result, "lowered again")).donated().getFirst());
        assertEquals("lowered again", bounded.getOrLower(keys.get(1), () -> tagged(result, "lowered again"))
                .donated().getFirst());
    }

    @Test
    void loweredGraphKeysCompareTheGraphAndThePipeline() {
        java.util.UUID p = java.util.UUID.randomUUID();
        Graph a = trace(key(CPU, 64));
        Graph sameAsA = trace(key(CPU, 64));
        Graph b = trace(key(CPU, 128));
        assertEquals(new LoweredGraphKey(p, a), new LoweredGraphKey(p, sameAsA));
        assertEquals(new LoweredGraphKey(p, a).text(), new LoweredGraphKey(p, sameAsA).text());
        assertTrue(!new LoweredGraphKey(p, a).equals(new LoweredGraphKey(p, b)));
        assertTrue(!new LoweredGraphKey(p, a).equals(new LoweredGraphKey(java.util.UUID.randomUUID(), a)));
        // File names spread by graph name and size; graphs that differ only inside share one, and the stored
        // input graph decides (see LoweredGraphCacheTest in ir-passes).
        assertTrue(!new LoweredGraphKey(p, Graph.builder("one").output(List.of())).hash()
                .equals(new LoweredGraphKey(p, Graph.builder("two").output(List.of())).hash()));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
