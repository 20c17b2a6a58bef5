package org.kernelir.passes;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.Samples;
import org.kernelir.core.tensor.CpuTensor;

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
}
