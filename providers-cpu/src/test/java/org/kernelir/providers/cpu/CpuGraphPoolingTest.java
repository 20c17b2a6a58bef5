package org.kernelir.providers.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.interp.RunResult;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Target;

/** The cpu provider's traced graphs: the functional fused_add_rms_norm needs no clones; pooled runs agree. */
class CpuGraphPoolingTest {

    private final ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
    private final RegisteredProvider cpu = registry.register(new CpuProvider());
    private final Interpreter interpreter = new Interpreter(registry.kernels());

    private Graph trace(String op, List<Object> metas) {
        return ImplementationTracer.trace(cpu.implementations().get(op), metas, true);
    }

    private static String text(List<CpuTensor> ts) {
        return ts.stream().map(t -> t.meta() + Arrays.toString(t.toDoubleArray())).toList().toString();
    }

    @Test
    void theFunctionalFusedAddRmsNormIsOneKernelWithoutClones() {
        CpuTensor x = Samples.randn(1, DType.F32, 1.0, 16, 128);
        CpuTensor r = Samples.randn(2, DType.F32, 1.0, 16, 128);
        CpuTensor w = Samples.randn(3, DType.F32, 0.5, 128);
        Graph g = trace("fused_add_rms_norm", Arrays.asList(x.meta(), r.meta(), w.meta(), 1e-6, null));
        assertTrue(g.calls().stream().noneMatch(n -> n.calls(Prims.CLONE.target())), g.toString());
        assertTrue(g.calls().stream().anyMatch(n -> n.calls(Target.of("cpu", "fused_add_rms_norm"))), g.toString());
        double[] x0 = x.toDoubleArray();
        double[] r0 = r.toDoubleArray();
        List<CpuTensor> plain = interpreter.run(g, List.of(x, r, w));
        assertEquals(Arrays.toString(x0), Arrays.toString(x.toDoubleArray()), "x is untouched");
        assertEquals(Arrays.toString(r0), Arrays.toString(r.toDoubleArray()), "residual is untouched");
        // The same values as the in-place kernel on clones (the maybe_inplace trace).
        Graph inplace = ImplementationTracer.trace(cpu.implementations().get("fused_add_rms_norm"),
                Arrays.asList(x.meta(), r.meta(), w.meta(), 1e-6, null), false);
        List<CpuTensor> viaInplace = interpreter.run(inplace, List.of((CpuTensor) x.cloneTensor(),
                (CpuTensor) r.cloneTensor(), w));
        assertEquals(text(viaInplace), text(plain));
    }

    @Test
    void pooledRunsOfEveryCpuGraphGiveTheUnpooledValuesAndReuseMemory() {
        CpuTensor x = Samples.randn(1, DType.F32, 1.0, 64, 256);
        CpuTensor r = Samples.randn(2, DType.F32, 1.0, 64, 256);
        CpuTensor w = Samples.randn(3, DType.F32, 0.5, 256);
        List<Case> cases = List.of(
                new Case(trace("rms_norm", Arrays.asList(x.meta(), w.meta(), 1e-6, null)), List.of(x, w)),
                new Case(trace("fused_add_rms_norm", Arrays.asList(x.meta(), r.meta(), w.meta(), 1e-6, null)),
                        List.of(x, r, w)),
                new Case(trace("silu_and_mul", List.of(x.meta())), List.of(x)));
        try (TensorPool pool = new TensorPool()) {
            for (Case c : cases) {
                String expected = text(interpreter.run(c.graph, c.inputs));
                long misses = -1;
                for (int i = 0; i < 3; i++) {
                    try (RunResult res = interpreter.run(c.graph, c.inputs, pool)) {
                        assertEquals(expected, text(res.outputs()), c.graph.name() + " run " + i);
                        assertTrue(res.get(0).segment().isNative());
                    }
                    if (i == 0) {
                        misses = pool.stats().misses();
                    }
                }
                assertEquals(misses, pool.stats().misses(), c.graph.name() + ": later runs reuse: " + pool.stats());
            }
            assertEquals(0, pool.stats().lentBlocks());
        }
    }

    private record Case(Graph graph, List<CpuTensor> inputs) {
    }
}
