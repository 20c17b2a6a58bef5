package org.kernelir.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.shape.Dim;
import org.kernelir.format.GraphJson;
import org.kernelir.passes.examples.Attention;
import org.kernelir.passes.examples.LlamaBuilder;

/** The lowered-graph entries of a real {@link TieredReplacementCache}, in memory and in a real cache folder. */
class LoweredGraphCacheTest {

    @TempDir
    Path dir;

    private final Dispatcher dispatcher = Fixtures.dispatcher("default=test,native", new TestProvider());

    private PassManager pipeline(ReplacementCache cache) {
        return PassManager.standard(PassConfig.builder(dispatcher).cache(cache).build());
    }

    private static LoweringResult uncached(Dispatcher d, Graph g) {
        return PassManager.standard(PassConfig.of(d)).run(g);
    }

    @Test
    void aSecondLoweringOfAnEqualGraphIsAMemoryHitWithTheSameGraphAndSelections() {
        TieredReplacementCache cache = ReplacementCaches.builder().noDisk().build();
        LoweringResult first = pipeline(cache).run(LlamaBuilder.tiny().build());
        // A graph built anew, equal but not the same object, finds the entry.
        LoweringResult second = pipeline(cache).run(LlamaBuilder.tiny().build());

        LoweringResult plain = uncached(dispatcher, LlamaBuilder.tiny().build());
        assertEquals(plain.graph(), second.graph());
        assertEquals(plain.report().nodes(), second.report().nodes());
        assertEquals(plain.report().donated(), second.report().donated());
        assertEquals(first.report().summary(), second.report().summary());
        assertEquals(List.of(PassManager.CACHED_PASS_NAME),
                second.report().passTimings().stream().map(LoweringReport.PassTiming::pass).toList());
        assertEquals(1, first.report().cacheStats().graphMisses());
        assertEquals(new CacheStats(0, 0, 0, 0, 0, 0, 0, 1, 0), second.report().cacheStats());
    }

    @Test
    void aNewProcessFindsTheLoweredGraphOnDisk() throws IOException {
        Graph model = LlamaBuilder.tiny().build();
        pipeline(ReplacementCaches.builder().diskDirectory(dir).build()).run(model);
        TieredReplacementCache next = ReplacementCaches.builder().diskDirectory(dir).build();

        LoweringResult fromDisk = pipeline(next).run(GraphJson.read(GraphJson.write(model)));

        LoweringResult plain = uncached(dispatcher, model);
        assertEquals(plain.graph(), fromDisk.graph());
        assertEquals(plain.report().nodes(), fromDisk.report().nodes());
        assertEquals(plain.report().donated(), fromDisk.report().donated());
        assertEquals(1, next.stats().graphHits());
        assertEquals(0, next.stats().traces(), "nothing is traced when the whole graph is on disk");
    }

    @Test
    void aChangedPriorityMissesAndLowersAgain() {
        TieredReplacementCache cache = ReplacementCaches.builder().noDisk().build();
        Graph model = LlamaBuilder.tiny().build();
        assertEquals("fused_add_rms_norm=test*4 rms_norm=test rotary_embedding=native*2 silu_and_mul=native*2",
                pipeline(cache).run(model).report().summary());

        dispatcher.setPriority(Priority.parse("default=native"));
        LoweringResult now = pipeline(cache).run(model);

        assertEquals("fused_add_rms_norm=native*4 rms_norm=native rotary_embedding=native*2 silu_and_mul=native*2",
                now.report().summary());
        assertEquals(uncached(dispatcher, model).graph(), now.graph());
        assertEquals(2, cache.stats().graphMisses());
        assertEquals(0, cache.stats().graphHits());
    }

    @Test
    void aDifferentGraphNeverGetsAnotherGraphsEntry() {
        TieredReplacementCache cache = ReplacementCaches.builder().diskDirectory(dir).build();
        Graph a = norms("g", 64);
        Graph b = norms("g", 128); // same name and node names, other hidden size
        pipeline(cache).run(a);

        LoweringResult rb = pipeline(cache).run(b);
        LoweringResult rbDisk = pipeline(ReplacementCaches.builder().diskDirectory(dir).build()).run(b);

        assertEquals(uncached(dispatcher, b).graph(), rb.graph());
        assertEquals(uncached(dispatcher, b).graph(), rbDisk.graph());
        assertEquals(2, cache.stats().graphMisses());
    }

    @Test
    void variantsOfOneModelKeepEntriesOfTheirOwnOnDisk() throws IOException {
        // One model at two hidden sizes: same graph name, node names and node count, as when an engine lowers the
        // same architecture at two sizes. Each variant must keep its own entry rather than take turns in one file.
        Graph small = norms("g", 64);
        Graph large = norms("g", 128);
        pipeline(ReplacementCaches.builder().diskDirectory(dir).build()).run(small);
        pipeline(ReplacementCaches.builder().diskDirectory(dir).build()).run(large);
        assertEquals(2, entries().stream().filter(p -> p.getFileName().toString().startsWith("lowered-")).count());

        for (Graph g : List.of(small, large, small)) {
            TieredReplacementCache fresh = ReplacementCaches.builder().diskDirectory(dir).build();
            LoweringResult r = pipeline(fresh).run(g);
            assertEquals(uncached(dispatcher, g).graph(), r.graph());
            assertEquals(1, fresh.stats().graphHits(), "a disk hit for " + g);
            assertEquals(0, fresh.stats().diskErrors(), "nothing discarded");
        }
    }

    @Test
    void aCorruptEntryIsDiscardedWithAWarningAndTheGraphLoweredAgain() throws IOException {
        Graph model = LlamaBuilder.tiny().build();
        pipeline(ReplacementCaches.builder().diskDirectory(dir).build()).run(model);
        List<Path> entries = entries();
        for (Path p : entries) {
            // Truncate every entry: replacements and the lowered graph alike.
            byte[] bytes = Files.readAllBytes(p);
            Files.write(p, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        }
        TieredReplacementCache next = ReplacementCaches.builder().diskDirectory(dir).build();
        LoweringResult again = pipeline(next).run(model);

        assertEquals(uncached(dispatcher, model).graph(), again.graph());
        assertEquals(0, next.stats().graphHits());
        assertEquals(entries.size(), next.stats().diskErrors(), "each spoiled entry counts once");
    }

    @Test
    void aRunWithASkippedProviderIsNotKept() {
        Dispatcher broken = Fixtures.dispatcher("rms_norm=broken", new LoweringPassTest.BrokenProvider());
        TieredReplacementCache cache = ReplacementCaches.builder().noDisk().build();
        PassManager pm = PassManager.standard(PassConfig.builder(broken).cache(cache).build());
        Graph g = norms("g", 64);

        pm.run(g);
        LoweringResult second = pm.run(g);

        assertEquals(2, second.report().skipped().size(), "the provider is tried, and skipped, again");
        assertEquals(0, cache.stats().graphHits());
        assertEquals(uncached(broken, g).graph(), second.graph());
    }

    @Test
    void leftoverNodesAreWarnedAboutOnAHitAndStrictModeStillThrows() {
        TieredReplacementCache cache = ReplacementCaches.builder().noDisk().build();
        Dispatcher none = Fixtures.dispatcher("default=native");
        Graph.Builder b = Graph.builder("g");
        TensorMeta m = TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(64)));
        Node norm = b.call("norm", IrOps.RMS_NORM.target(), java.util.Arrays.asList(b.placeholder("x", m), null, 1e-6), m);
        Graph g = b.output(List.of(b.call("mystery", org.kernelir.core.tensor.Target.parse("ir::nope"), List.of(norm), m)));
        PassManager lenient = PassManager.standard(PassConfig.builder(none).cache(cache).build());
        lenient.run(g);

        try (LogCapture logs = LogCapture.of(PassManager.class, Level.WARN)) {
            LoweringResult hit = lenient.run(g);
            assertEquals(1, cache.stats().graphHits());
            assertEquals(List.of("mystery"), hit.report().failed().stream().map(LoweringReport.Failure::node).toList());
            assertTrue(hit.report().failed().getFirst().reason().contains("unknown IR op nope"));
            List<String> warnings = logs.messages(Level.WARN);
            assertEquals(1, warnings.size(), warnings::toString);
            assertTrue(warnings.getFirst().contains("graph g") && warnings.getFirst().contains("mystery"),
                    warnings.getFirst());
        }
        PassManager strict = PassManager.standard(PassConfig.builder(none).cache(cache).strict(true).build());
        assertThrows(LoweringException.class, () -> strict.run(g));
    }

    @Test
    void extraCatalogsTurnLoweredGraphEntriesOff() {
        TieredReplacementCache cache = ReplacementCaches.builder().noDisk().build();
        PassManager pm = PassManager.standard(PassConfig.builder(dispatcher).cache(cache)
                .kernels(Attention.catalog()).build());
        Graph model = LlamaBuilder.tiny().build();

        LoweringResult a = pm.run(model);
        LoweringResult b = pm.run(model);

        assertEquals(0, cache.stats().graphHits() + cache.stats().graphMisses());
        assertEquals(a.graph(), b.graph());
        assertNotSame(a.graph(), b.graph());
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("replacements-v3"))) {
            return s.filter(p -> p.toString().endsWith(".kir")).toList();
        }
    }

    /** Two rms_norm nodes, first and second, on [s0, hidden] f32. */
    private static Graph norms(String name, long hidden) {
        Graph.Builder b = Graph.builder(name);
        TensorMeta m = TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(hidden)));
        Node x = b.placeholder("x", m);
        Node w = b.placeholder("w", TensorMeta.of(DType.F32, hidden));
        Node first = b.call("first", IrOps.RMS_NORM.target(), List.of(x, w, 1e-6), m);
        return b.output(List.of(b.call("second", IrOps.RMS_NORM.target(), List.of(first, w, 1e-6), m)));
    }
}
