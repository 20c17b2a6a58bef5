package org.kernelir.passes;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.Samples;

/** Rules of lowering that hold for every shape: dispatch's choice, and native's values. */
class LoweringProperties {

    private final Dispatcher dispatcher = Fixtures.dispatcher("default=test,native", new TestProvider());
    private final PassManager pipeline = PassManager.standard(PassConfig.builder(dispatcher).strict(true).build());

    @Property(tries = 40)
    void loweredNormsMatchNativeAndDispatch(@ForAll @IntRange(min = 1, max = 9) int tokens,
            @ForAll @IntRange(min = 1, max = 12) int hiddenUnits, @ForAll boolean maybeInplace) {
        long hidden = 16L * hiddenUnits; // every other size is a multiple of 32, which the test provider supports
        Sketch s = new Sketch("norms");
        Node x = s.input("x", -1, hidden);
        Node r = s.input("r", -1, hidden);
        Node w = s.input("w", hidden);
        Node fused = s.ir(IrOps.FUSED_ADD_RMS_NORM, maybeInplace, x, r, w, 1e-6);
        Node y = s.ir(IrOps.RMS_NORM, false, s.item(fused, 0), w, 1e-6);
        Graph g = s.output(y, s.item(fused, 1));

        LoweringResult result = pipeline.run(g);

        String expected = dispatcher.handle(IrOps.RMS_NORM).select(new CallArgs(java.util.Arrays.asList(
                y.meta(), w.meta(), 1e-6, null))).provider();
        if (!expected.equals(result.report().nodes().get(y.name()).provider())) {
            throw new AssertionError("lowering chose " + result.report().nodes().get(y.name()) + ", dispatch " + expected);
        }
        List<CpuTensor> inputs = List.of(Samples.randn(tokens, DType.F32, 1.0, tokens, hidden),
                Samples.randn(tokens + 100, DType.F32, 1.0, tokens, hidden),
                Samples.randn(tokens + 200, DType.F32, 0.5, hidden));
        Fixtures.assertClose(Fixtures.run(g, Fixtures.dispatcher("default=native"), inputs),
                Fixtures.run(result.graph(), dispatcher, inputs), 1e-5, 1e-5);
    }

    /**
     * Whole lowered graphs from the cache equal lowering without one: cold, from a warm memory tier, and from a warm
     * disk tier read by a new cache instance (as a new process would), for random shapes, overloads and priorities.
     */
    @Property(tries = 25)
    void loweredGraphsFromEveryTierEqualLoweringWithoutACache(@ForAll @IntRange(min = 1, max = 12) int hiddenUnits,
            @ForAll boolean maybeInplace, @ForAll boolean symbolicTokens, @ForAll boolean testFirst)
            throws java.io.IOException {
        long hidden = 16L * hiddenUnits;
        long tokens = symbolicTokens ? -1 : 7;
        Sketch s = new Sketch("norms");
        Node x = s.input("x", tokens, hidden);
        Node r = s.input("r", tokens, hidden);
        Node w = s.input("w", hidden);
        Node fused = s.ir(IrOps.FUSED_ADD_RMS_NORM, maybeInplace, x, r, w, 1e-6);
        Node y = s.ir(IrOps.RMS_NORM, false, s.item(fused, 0), w, 1e-6);
        Graph g = s.output(y, s.item(fused, 1));
        Dispatcher d = Fixtures.dispatcher(testFirst ? "default=test,native" : "default=native", new TestProvider());
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("kir-lowered-prop");
        try {
            Graph expected = PassManager.standard(PassConfig.of(d)).run(g).graph();
            org.kernelir.cache.TieredReplacementCache cache =
                    org.kernelir.cache.ReplacementCaches.builder().diskDirectory(dir).build();
            PassManager cached = PassManager.standard(PassConfig.builder(d).cache(cache).build());
            assertSame(expected, cached.run(g).graph(), "cold");
            assertSame(expected, cached.run(g).graph(), "warm memory");
            PassManager nextProcess = PassManager.standard(PassConfig.builder(d)
                    .cache(org.kernelir.cache.ReplacementCaches.builder().diskDirectory(dir).build()).build());
            assertSame(expected, nextProcess.run(g).graph(), "warm disk");
            if (cache.stats().graphHits() != 1 || cache.stats().graphMisses() != 1) {
                throw new AssertionError("expected one lowered-graph miss then one hit: " + cache.stats());
            }
        } finally {
            try (var files = java.nio.file.Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void assertSame(Graph expected, Graph actual, String tier) {
        if (!expected.equals(actual)) {
            throw new AssertionError(tier + ": the cached lowering differs from lowering without a cache:\n" + expected
                    + "\n---\n" + actual);
        }
    }
}
