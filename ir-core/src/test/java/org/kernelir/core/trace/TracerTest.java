package org.kernelir.core.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphPrinter;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;

class TracerTest {

    private static final Dim S0 = Dim.sym("s0");

    private static TensorMeta f32(Dim... shape) {
        return TensorMeta.of(DType.F32, List.of(shape));
    }

    @Test
    void scalarsBecomeLiteralsAndSymbolicSizesStaySymbolic() {
        Graph g = Tracer.trace("scale", List.of(Tracer.input("x", f32(S0, Dim.of(4)))), in -> {
            Tensor x = in.getFirst();
            Tensor y = x.mul(2.0).add(1).rsub(0.5).clamp(null, 6.0).to(DType.F16);
            return y.reshape(x.size(0), 2, -1).slice(0, 1, Long.MAX_VALUE);
        });
        assertEquals("""
                graph scale(x: f32[s0, 4]):
                    mul: f32[s0, 4] = prim::mul(x, 2.0)
                    add: f32[s0, 4] = prim::add(mul, 1.0)
                    sub: f32[s0, 4] = prim::sub(0.5, add)
                    clamp: f32[s0, 4] = prim::clamp(sub, None, 6.0)
                    cast: f16[s0, 4] = prim::cast(clamp, f16)
                    reshape: f16[s0, 2, 2] = prim::reshape(cast, [s0, 2, -1])
                    narrow: f16[s0-1, 2, 2] = prim::narrow(reshape, 0, 1, s0-1)
                    return (narrow)
                """, GraphPrinter.print(g));
    }

    @Test
    void aTracedGraphComputesWhatTheFunctionComputesEagerly() {
        Graph g = Tracer.trace("scale", List.of(Tracer.input("x", f32(S0, Dim.of(4)))),
                in -> in.getFirst().mul(2.0).add(1.0).sum(-1, true));
        CpuTensor x = CpuTensor.of(new float[] {1, 2, 3, 4, -1, -2, -3, -4.5f}, 2, 4);
        CpuTensor out = Interpreter.primitivesOnly().run(g, List.of(x)).getFirst();
        assertArrayEquals(new float[] {24, -17}, out.toFloatArray());
        assertArrayEquals(new long[] {2, 1}, out.sizes());
    }

    @Test
    void nullInputsBecomeNoPlaceholderAndNullOutputsStayNull() {
        List<Tensor> seen = new ArrayList<>();
        Graph g = Tracer.trace("opt", List.of(Tracer.input("x", f32(Dim.of(3))), Tracer.input("bias", null),
                Tracer.input("w", f32(Dim.of(3)))), in -> {
                    seen.addAll(in);
                    Tensor y = in.get(0).mul(in.get(2));
                    return Arrays.asList(in.get(1) == null ? y : y.add(in.get(1)), null);
                });
        assertNull(seen.get(1), "the absent input reaches the function as null");
        assertEquals(List.of("x", "w"), g.placeholders().stream().map(Node::name).toList());
        assertEquals("""
                graph opt(x: f32[3], w: f32[3]):
                    mul: f32[3] = prim::mul(x, w)
                    return (mul, None)
                """, GraphPrinter.print(g));
        List<CpuTensor> out = Interpreter.primitivesOnly().run(g, List.of(CpuTensor.of(new float[] {1, 2, 3}, 3),
                CpuTensor.of(new float[] {2, 2, 2}, 3)));
        assertArrayEquals(new float[] {2, 4, 6}, out.get(0).toFloatArray());
        assertNull(out.get(1));
    }

    /** A test kernel with several results: the two halves of the last dimension, and an absent third result. */
    private static final KernelDef HALVES = KernelDef.pure(Target.of("test", "halves"),
            new Schema(List.of(Param.of("x", ParamType.TENSOR)), 3),
            a -> {
                TensorMeta x = (TensorMeta) a.getFirst();
                List<Dim> half = new ArrayList<>(x.shape());
                half.set(half.size() - 1, x.size(-1).exactDivide(Dim.of(2)).orElseThrow());
                TensorMeta h = TensorMeta.of(x.dtype(), half);
                return new TupleMeta(Arrays.asList(h, h, null));
            },
            a -> {
                Tensor x = (Tensor) a.getFirst();
                List<Tensor> parts = x.chunk(2, -1);
                return Arrays.asList(parts.get(0).cloneTensor(), parts.get(1).cloneTensor(), null);
            });

    @Test
    void multiOutputCallsProduceGetitemNodes() {
        Graph g = Tracer.trace("halves", List.of(Tracer.input("x", f32(S0, Dim.of(4)))), in -> {
            List<Tensor> parts = in.getFirst().callMulti(HALVES, in.getFirst());
            assertNull(parts.get(2), "an absent result is null and gets no getitem node");
            return parts.get(1).sub(parts.get(0));
        });
        assertEquals("""
                graph halves(x: f32[s0, 4]):
                    halves: [f32[s0, 2], f32[s0, 2], null] = test::halves(x)
                    halves_0: f32[s0, 2] = prim::getitem(halves, 0)
                    halves_1: f32[s0, 2] = prim::getitem(halves, 1)
                    sub: f32[s0, 2] = prim::sub(halves_1, halves_0)
                    return (sub)
                """, GraphPrinter.print(g));
        Interpreter interpreter = new Interpreter(KernelCatalog.of(Map.of(HALVES.target(), HALVES)));
        CpuTensor x = CpuTensor.of(new float[] {1, 2, 10, 20, 3, 4, 30, 40}, 2, 4);
        CpuTensor out = interpreter.run(g, List.of(x)).getFirst();
        assertArrayEquals(new float[] {9, 18, 27, 36}, out.toFloatArray());
        List<Tensor> eager = x.callMulti(HALVES, x);
        assertArrayEquals(out.toFloatArray(), ((CpuTensor) eager.get(1).sub(eager.get(0))).toFloatArray());
    }

    @Test
    void inPlaceCopyRebindsTheTracedTensor() {
        List<Tensor> handles = new ArrayList<>();
        Graph g = Tracer.trace("inplace", List.of(Tracer.input("x", f32(Dim.of(3))), Tracer.input("y", f32(Dim.of(3)))),
                in -> {
                    Tensor acc = in.get(0).mul(1.0);
                    Tensor result = acc.copy_(in.get(1));
                    handles.add(acc);
                    handles.add(result);
                    return acc.add(0.5);
                });
        assertEquals("""
                graph inplace(x: f32[3], y: f32[3]):
                    mul: f32[3] = prim::mul(x, 1.0)
                    copy_: f32[3] = prim::copy_(mul, y)
                    add: f32[3] = prim::add(copy_, 0.5)
                    return (add)
                """, GraphPrinter.print(g));
        TracedTensor acc = (TracedTensor) handles.get(0);
        TracedTensor result = (TracedTensor) handles.get(1);
        assertSame(g.node("copy_"), acc.node(), "after copy_ the destination stands for the copy_ node");
        assertSame(acc.node(), result.node(), "copy_ returns the same node");
        CpuTensor out = Interpreter.primitivesOnly().run(g, List.of(CpuTensor.of(new float[] {1, 2, 3}, 3),
                CpuTensor.of(new float[] {7, 8, 9}, 3))).getFirst();
        assertArrayEquals(new float[] {7.5f, 8.5f, 9.5f}, out.toFloatArray());
    }

    @Test
    void copyIntoATracedViewWritesTheBaseWhenInterpreted() {
        Graph g = Tracer.trace("window", List.of(Tracer.input("x", f32(Dim.of(2), Dim.of(4))),
                Tracer.input("src", f32(Dim.of(2)))), in -> {
                    Tensor buf = in.get(0).mul(1.0);
                    buf.transpose(0, 1).narrow(0, 1, 2).narrow(1, 1, 1).copy_(in.get(1).reshape(2, 1));
                    return buf;
                });
        CpuTensor x = CpuTensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 4);
        CpuTensor src = CpuTensor.of(new float[] {-1, -2}, 2);
        CpuTensor out = Interpreter.primitivesOnly().run(g, List.of(x, src)).getFirst();
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, -1, -2, 7}, out.toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, x.toFloatArray(), "the input is not written");
    }

    @Test
    void realTensorsCannotBeCapturedAndResultsMustBeTraced() {
        CpuTensor real = CpuTensor.of(new float[] {1, 2, 3}, 3);
        IllegalArgumentException captured = assertThrows(IllegalArgumentException.class, () -> Tracer.trace("g",
                List.of(Tracer.input("x", real.meta())), in -> in.getFirst().add(real)));
        assertTrue(captured.getMessage().contains("prim::add") && captured.getMessage().contains("must not capture"),
                captured.getMessage());
        IllegalArgumentException returned = assertThrows(IllegalArgumentException.class, () -> Tracer.trace("g",
                List.of(Tracer.input("x", real.meta())), in -> real));
        assertTrue(returned.getMessage().contains("must return tensors of its own trace"), returned.getMessage());
        List<Tensor> leaked = new ArrayList<>();
        Tracer.trace("first", List.of(Tracer.input("x", real.meta())), in -> {
            leaked.add(in.getFirst());
            return in.getFirst();
        });
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> Tracer.trace("second",
                List.of(Tracer.input("x", real.meta())), in -> in.getFirst().add(leaked.getFirst())));
        assertTrue(other.getMessage().contains("another trace"), other.getMessage());
    }

    @Test
    void metadataErrorsNameTheCallAndItsArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tracer.trace("g",
                List.of(Tracer.input("x", f32(S0, Dim.of(4)))), in -> in.getFirst().reshape(3, -1)));
        assertTrue(e.getMessage().startsWith("prim::reshape(f32[s0, 4], [3, -1]) while tracing: "), e.getMessage());
        assertTrue(e.getMessage().contains("cannot infer -1"), e.getMessage());
        IllegalArgumentException mean = assertThrows(IllegalArgumentException.class, () -> Tracer.trace("g",
                List.of(Tracer.input("i", TensorMeta.of(DType.I32, 3))), in -> in.getFirst().mean(0, false)));
        assertTrue(mean.getMessage().contains("prim::mean") && mean.getMessage().contains("cast it to a floating dtype"),
                mean.getMessage());
    }

    @Test
    void everyNodeCallsAPrimitive() {
        Graph g = Tracer.trace("mix", List.of(Tracer.input("x", f32(S0, Dim.of(6)))), in -> {
            Tensor x = in.getFirst();
            List<Tensor> parts = x.chunk(3, 1);
            return Tensor.cat(List.of(parts.get(2), parts.get(0)), 1).sigmoid().amax(new int[] {0, 1}, false);
        });
        for (Node n : g.calls()) {
            assertTrue(Prims.all().containsKey(n.target()), n + " calls " + n.target());
        }
    }
}
