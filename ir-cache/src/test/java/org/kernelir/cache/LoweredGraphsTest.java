package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kernelir.cache.Fixtures.CPU;
import static org.kernelir.cache.Fixtures.key;
import static org.kernelir.cache.Fixtures.trace;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.graph.Graph;

/** The typed lowered-graph entries: their stored form, and the disk tier's listing of both kinds of entry. */
class LoweredGraphsTest {

    @TempDir
    Path dir;

    private final Graph input = trace(key(CPU, 64));
    private final Graph output = trace(key(CPU, 128));
    private final LoweredGraphKey key = new LoweredGraphKey(UUID.randomUUID(), input);

    @Test
    void itemsSurviveTheStoredFormWhateverTheirText() {
        String odd = "no provider:\n\tcpu says \\ no; ünïcödé " + "x".repeat(70_000);
        LoweredGraph entry = new LoweredGraph(output,
                List.of(new LoweredGraph.Selection("n\t1", "rms_norm", "cpu"),
                        new LoweredGraph.Selection("n2", "silu", "native")),
                List.of(new LoweredGraph.Failure("m", odd)), List.of("c", "d\n"));

        LoweredGraph back = LoweredGraphs.decode(key, LoweredGraphs.encode(key, entry));

        assertEquals(entry, back);
        assertEquals(new LoweredGraph(output), LoweredGraphs.decode(key, LoweredGraphs.encode(key,
                new LoweredGraph(output))));
    }

    @Test
    void aDamagedOrForeignPayloadIsRejectedWithTheReason() {
        byte[] good = LoweredGraphs.encode(key, new LoweredGraph(output, List.of(), List.of(),
                List.of("a")));
        LoweredGraphKey otherInput = new LoweredGraphKey(key.pipeline(), output);

        assertEquals("no items and input line", assertThrows(IllegalArgumentException.class,
                () -> LoweredGraphs.decode(key, "notes 0 input 0\n".getBytes())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoweredGraphs.decode(otherInput, good));
        byte[] badCount = good.clone();
        int items = new String(good, 0, 40, java.nio.charset.StandardCharsets.US_ASCII).indexOf('\n') + 1;
        badCount[items] = 0x7f; // the selection count, now absurdly large
        assertEquals("bad item count 2130706432", assertThrows(IllegalArgumentException.class,
                () -> LoweredGraphs.decode(key, badCount)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LoweredGraphs.decode(key, Arrays.copyOf(good, items + 3)));
    }

    @Test
    void theDiskTierListsItsEntriesByKind() {
        TieredReplacementCache cache = ReplacementCaches.builder().diskDirectory(dir).noRemoteCache().build();
        cache.getOrTrace(key(CPU, 64), () -> input);
        cache.getOrTrace(key(CPU, 96), () -> trace(key(CPU, 96)));
        cache.getOrLower(key, () -> new LoweredGraph(output));

        List<DiskEntry> entries = cache.diskEntries();

        assertEquals(3, entries.size());
        assertEquals(2, entries.stream().filter(e -> e.kind() == DiskEntry.Kind.REPLACEMENT).count());
        assertEquals(List.of(cache.diskFolder().orElseThrow().resolve(key.hash() + ".kir")), entries.stream()
                .filter(e -> e.kind() == DiskEntry.Kind.LOWERED_GRAPH).map(DiskEntry::file).toList());
        assertEquals(entries.stream().mapToLong(e -> e.file().toFile().length()).sum(),
                entries.stream().mapToLong(DiskEntry::bytes).sum());
        assertEquals(List.of(), ReplacementCaches.builder().noDisk().build().diskEntries());
    }
}
