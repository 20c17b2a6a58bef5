package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.cache.Fixtures.CPU;
import static org.kernelir.cache.Fixtures.key;
import static org.kernelir.cache.Fixtures.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.graph.Graph;

/** The disk tier, through the cache: real files in a temporary folder. */
class DiskTierTest {

    @TempDir
    Path dir;

    private TieredReplacementCache cache() {
        return ReplacementCaches.builder().diskDirectory(dir).build();
    }

    private Path folder() {
        return dir.resolve(DiskTier.FOLDER_NAME);
    }

    private Path entry(ReplacementKey k) {
        return folder().resolve(k.hash() + ".kir");
    }

    @Test
    void aNewInstanceAnswersFromDisk() throws IOException {
        ReplacementKey k = key(CPU, 4096);
        Graph traced = cache().getOrTrace(k, () -> trace(k));
        String text = new String(Files.readAllBytes(entry(k)), StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("kernel-ir-replacement 3\n" + k.text() + "KIRG"), text);
        assertTrue(text.matches("(?s).*crc32 [0-9a-f]{8}\n"), text);

        TieredReplacementCache fresh = cache();
        Graph fromDisk = fresh.getOrTrace(k, () -> {
            throw new AssertionError("a disk hit must not trace");
        });
        Graph fromMemory = fresh.getOrTrace(k, () -> {
            throw new AssertionError("a memory hit must not trace");
        });

        assertEquals(traced, fromDisk);
        assertEquals(trace(k), fromDisk);
        assertEquals(fromDisk, fromMemory);
        assertEquals(new CacheStats(1, 1, 0, 0, 0, 0, 0), fresh.stats());
        assertEquals(folder(), fresh.diskFolder().orElseThrow());
    }

    @Test
    void aCorruptEntryIsDiscardedAndTracedAgain() throws IOException {
        assertDiscarded(bytes -> {
            bytes[bytes.length / 2] ^= 0x20;
            return bytes;
        }, "checksum mismatch");
    }

    @Test
    void aTruncatedEntryIsDiscardedAndTracedAgain() throws IOException {
        assertDiscarded(bytes -> Arrays.copyOf(bytes, bytes.length * 2 / 3), "truncated");
        assertDiscarded(bytes -> new byte[0], "truncated");
    }

    @Test
    void anEntryStoredForAnotherKeyIsDiscardedAndTracedAgain() throws IOException {
        ReplacementKey other = key(CPU, 8192);
        byte[] othersEntry = DiskTier.encode(other, trace(other));
        assertDiscarded(bytes -> othersEntry, "key mismatch");
    }

    @Test
    void aForgedEntryWithAValidChecksumButAnotherKeysGraphIsDiscardedAndTracedAgain() throws IOException {
        ReplacementKey other = key(CPU, 8192);
        // This key's text and a valid checksum around the graph of another key: only the contents give it away.
        byte[] forged = DiskTier.encode(key(CPU, 4096), trace(other));
        assertDiscarded(bytes -> forged, "its graph does not fit its key");
    }

    @Test
    void aGarbageFileIsDiscardedAndTracedAgain() throws IOException {
        byte[] garbage = new byte[3000];
        new Random(42).nextBytes(garbage);
        assertDiscarded(bytes -> garbage, "not a kernel-ir-replacement 3 entry");
    }

    @Test
    void anEntryWithAnUnreadableGraphIsDiscardedAndTracedAgain() throws IOException {
        ReplacementKey k = key(CPU, 4096);
        byte[] body = ("kernel-ir-replacement 3\n" + k.text() + "KIRG\u0001oops")
                .getBytes(StandardCharsets.UTF_8);
        String trailer = "crc32 " + DiskTier.checksum(body, body.length) + "\n";
        byte[] entry = Arrays.copyOf(body, body.length + trailer.length());
        System.arraycopy(trailer.getBytes(StandardCharsets.US_ASCII), 0, entry, body.length, trailer.length());
        assertDiscarded(bytes -> entry, "unreadable content: ");
    }

    /** Writes the entry of a key, spoils it with {@code spoil}, and checks that a new cache discards it. */
    private void assertDiscarded(UnaryOperator<byte[]> spoil, String problem) throws IOException {
        ReplacementKey k = key(CPU, 4096);
        cache().getOrTrace(k, () -> trace(k));
        Files.write(entry(k), spoil.apply(Files.readAllBytes(entry(k))));

        TieredReplacementCache fresh = cache();
        Graph g;
        try (Fixtures.Warnings warnings = new Fixtures.Warnings()) {
            g = fresh.getOrTrace(k, () -> trace(k));
            List<String> messages = warnings.messages();
            assertEquals(1, messages.size(), messages.toString());
            assertTrue(messages.getFirst().contains(entry(k).toString()), messages.getFirst());
            assertTrue(messages.getFirst().contains(problem), messages.getFirst());
        }
        assertEquals(trace(k), g);
        CacheStats s = fresh.stats();
        assertEquals(1, s.diskErrors());
        assertEquals(1, s.traces());
        assertEquals(0, s.diskHits());

        // The trace rewrote a good entry.
        TieredReplacementCache third = cache();
        assertEquals(trace(k), third.getOrTrace(k, () -> {
            throw new AssertionError("the rewritten entry must be a disk hit");
        }));
        assertEquals(0, third.stats().diskErrors());
    }

    @Test
    void twoProcessesSharingTheFolderNeverSeePartialEntries() throws Exception {
        List<ReplacementKey> keys = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            keys.add(key(CPU, 1000 + i));
        }
        List<Graph> expected = keys.stream().map(Fixtures::trace).toList();
        // Nothing stays in memory, so nearly every lookup goes to the shared folder.
        CacheConfig config = ReplacementCaches.builder().diskDirectory(dir).maximumNodes(0);
        List<TieredReplacementCache> processes = List.of(config.build(), config.build());
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger filesRead = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try (Fixtures.Warnings warnings = new Fixtures.Warnings()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                TieredReplacementCache cache = processes.get(t % 2);
                long seed = t;
                workers.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    start.await();
                    for (int n = 0; n < 150; n++) {
                        int i = random.nextInt(keys.size());
                        ReplacementKey k = keys.get(i);
                        if (!expected.get(i).equals(cache.getOrTrace(k, () -> trace(k)))) {
                            problems.add("wrong graph for key " + i);
                        }
                        if (n % 25 == 0) {
                            Files.deleteIfExists(entry(k)); // forces rewrites while others read
                        }
                    }
                    return null;
                }));
            }
            // A bare reader, as a third process would read: every file it opens must be whole.
            Future<?> reader = pool.submit(() -> {
                start.await();
                while (running.get()) {
                    for (int i = 0; i < keys.size(); i++) {
                        try {
                            byte[] bytes = Files.readAllBytes(entry(keys.get(i)));
                            if (!expected.get(i).equals(DiskTier.decodeGraph(bytes, keys.get(i).text()))) {
                                problems.add("entry " + i + " holds another graph");
                            }
                            filesRead.incrementAndGet();
                        } catch (NoSuchFileException e) {
                            // not written yet, or just deleted
                        } catch (DiskTier.BadEntry e) {
                            problems.add("entry " + i + ": " + e.getMessage());
                        }
                    }
                }
                return null;
            });
            start.countDown();
            for (Future<?> w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }
            running.set(false);
            reader.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), warnings.messages());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), List.copyOf(problems));
        assertTrue(filesRead.get() > 0);
        for (TieredReplacementCache c : processes) {
            assertEquals(0, c.stats().diskErrors());
            assertTrue(c.stats().diskHits() > 0, c.stats().toString());
        }
        try (Stream<Path> files = Files.list(folder())) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList());
        }
    }

    @Test
    void diskEvictionKeepsTheFolderUnderItsBoundAndKeepsRecentlyHitEntries() throws IOException {
        List<ReplacementKey> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            keys.add(key(CPU, 1000 + i)); // same-length texts, so entries of (nearly) one size
        }
        long entrySize = DiskTier.encode(keys.getFirst(), trace(keys.getFirst())).length;
        long bound = entrySize * 17 / 2; // room for 8 entries, not 9
        CacheConfig config = ReplacementCaches.builder().diskDirectory(dir).maximumDiskBytes(bound);

        TieredReplacementCache first = config.build();
        Instant past = Instant.now().minusSeconds(1000);
        for (int i = 0; i < 8; i++) {
            ReplacementKey k = keys.get(i);
            first.getOrTrace(k, () -> trace(k));
            // Explicit ages, oldest first, so the test does not depend on the file system's clock resolution.
            Files.setLastModifiedTime(entry(k), FileTime.from(past.plusSeconds(i)));
        }
        assertEquals(8, entryCount());

        TieredReplacementCache second = config.build();
        second.getOrTrace(keys.get(0), () -> {
            throw new AssertionError("entry 0 must be on disk");
        });
        for (int i = 8; i < 10; i++) {
            ReplacementKey k = keys.get(i);
            second.getOrTrace(k, () -> trace(k));
        }

        assertTrue(folderBytes() <= bound, folderBytes() + " > " + bound);
        assertTrue(Files.exists(entry(keys.get(0))), "the recently hit entry is kept");
        assertFalse(Files.exists(entry(keys.get(1))), "the least recently used entry is evicted");
        assertTrue(Files.exists(entry(keys.get(9))), "the newest entry is kept");
    }

    @Test
    void clearEmptiesBothTiers() throws IOException {
        TieredReplacementCache cache = cache();
        ReplacementKey k = key(CPU, 4096);
        cache.getOrTrace(k, () -> trace(k));
        cache.clear();
        assertEquals(0, entryCount());
        cache.getOrTrace(k, () -> trace(k));
        assertEquals(2, cache.stats().traces());
    }

    @Test
    void aFailedWriteWarnsOnceAndIsOtherwiseIgnored() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "in the way");
        TieredReplacementCache cache = ReplacementCaches.builder().diskDirectory(notADirectory).build();
        try (Fixtures.Warnings warnings = new Fixtures.Warnings()) {
            for (int i = 0; i < 3; i++) {
                ReplacementKey k = key(CPU, 1000 + i);
                assertEquals(trace(k), cache.getOrTrace(k, () -> trace(k)));
            }
            assertEquals(1, warnings.messages().size(), warnings.messages().toString());
            assertTrue(warnings.messages().getFirst().contains("Cannot write cache entry"));
        }
        assertEquals(3, cache.stats().traces());
        assertEquals(3, cache.stats().diskErrors());
    }

    private long entryCount() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            return files.filter(p -> p.toString().endsWith(".kir")).count();
        }
    }

    private long folderBytes() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
