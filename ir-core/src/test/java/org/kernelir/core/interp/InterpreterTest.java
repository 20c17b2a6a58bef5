package org.kernelir.core.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

class InterpreterTest {

    private static final Dim S0 = Dim.sym("s0");
    private final Interpreter interpreter = Interpreter.primitivesOnly();

    private static TensorMeta meta(DType dtype, Dim... shape) {
        return TensorMeta.of(dtype, List.of(shape));
    }

    private static CpuTensor iota(DType dtype, long... shape) {
        double[] v = new double[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return CpuTensor.of(dtype, v, shape);
    }

    /** {@code x + y} over two inputs {@code [s0, 4]}. */
    private static Graph addGraph() {
        return Tracer.trace("add", List.of(Tracer.input("x", meta(DType.F32, S0, Dim.of(4))),
                Tracer.input("y", meta(DType.F32, S0, Dim.of(4)))), in -> in.get(0).add(in.get(1)));
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void symbolsBindFromTheInputsAndReachNodeArguments() {
        Graph g = Tracer.trace("fold", List.of(Tracer.input("x", meta(DType.F32, S0, Dim.of(4)))),
                in -> in.getFirst().reshape(in.getFirst().size(0), 2, 2).sum(2, false));
        CpuTensor out = interpreter.run(g, List.of(iota(DType.F32, 3, 4))).getFirst();
        assertArrayEquals(new long[] {3, 2}, out.sizes());
        assertArrayEquals(new float[] {1, 5, 9, 13, 17, 21}, out.toFloatArray());
        CpuTensor bigger = interpreter.run(g, List.of(iota(DType.F32, 5, 4))).getFirst();
        assertArrayEquals(new long[] {5, 2}, bigger.sizes());
    }

    @Test
    void inputsThatDisagreeOnASymbolNameBothInputsAndTheSymbol() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(addGraph(), List.of(iota(DType.F32, 3, 4), iota(DType.F32, 5, 4))));
        assertMessage(e, "symbol s0", "x dimension 0 is 3", "y dimension 0 is 5");
    }

    @Test
    void aDtypeMismatchNamesTheInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(addGraph(), List.of(iota(DType.F32, 3, 4), iota(DType.F16, 3, 4))));
        assertMessage(e, "input y", "f16[3, 4]", "f32[s0, 4]");
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(addGraph(), List.of(iota(DType.F32, 12), iota(DType.F32, 3, 4))));
        assertMessage(rank, "input x", "f32[12]");
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(addGraph(), List.of(iota(DType.F32, 3, 4), iota(DType.F32, 3, 5))));
        assertMessage(size, "input y has size 5 at dimension 1", "expects 4");
    }

    @Test
    void theWrongNumberOfInputsIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(addGraph(), List.of(iota(DType.F32, 3, 4))));
        assertMessage(e, "graph add takes 2 inputs [x, y], got 1");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(addGraph(), Arrays.asList(iota(DType.F32, 3, 4), null)));
        assertMessage(missing, "input y is missing");
    }

    @Test
    void aFailingNodeIsWrappedNamingTheNodeAndTarget() {
        Graph g = Tracer.trace("lookup", List.of(Tracer.input("table", meta(DType.F32, Dim.of(4), Dim.of(2))),
                Tracer.input("ids", meta(DType.I64, Dim.sym("n")))), in -> in.get(0).mul(2.0).indexSelect(0, in.get(1)));
        CpuTensor table = iota(DType.F32, 4, 2);
        CpuTensor ok = interpreter.run(g, List.of(table, CpuTensor.ofLongs(DType.I64, new long[] {3, 0}, 2))).getFirst();
        assertArrayEquals(new float[] {12, 14, 0, 2}, ok.toFloatArray());
        InterpreterException e = assertThrows(InterpreterException.class, () -> interpreter.run(g,
                List.of(table, CpuTensor.ofLongs(DType.I64, new long[] {1, 7}, 2))));
        assertMessage(e, "node index_select", "(prim::index_select)", "graph lookup", "index 7");
        assertInstanceOf(IndexOutOfBoundsException.class, e.getCause());
    }

    @Test
    void anUnknownTargetFailsAtItsNode() {
        Graph.Builder b = Graph.builder("custom");
        Node x = b.placeholder("x", meta(DType.F32, Dim.of(2)));
        Node n = b.call(Target.of("nobody", "op"), List.of(x), meta(DType.F32, Dim.of(2)));
        Graph g = b.output(List.of(n));
        InterpreterException e = assertThrows(InterpreterException.class,
                () -> interpreter.run(g, List.of(iota(DType.F32, 2))));
        assertMessage(e, "node op (nobody::op)", "unknown target nobody::op");
    }

    @Test
    void expressionDimensionsAreCheckedAfterTheirSymbolsAreBound() {
        // x comes first but its size 2*s0 can only be checked once y has bound s0.
        Graph g = Tracer.trace("pairs", List.of(Tracer.input("x", meta(DType.F32, S0.times(2), Dim.of(4))),
                Tracer.input("y", meta(DType.F32, S0, Dim.of(4)))), in -> {
                    Tensor y = in.get(1);
                    return Tensor.cat(List.of(y, y.neg()), 0).add(in.get(0));
                });
        CpuTensor x = iota(DType.F32, 6, 4);
        CpuTensor y = CpuTensor.of(DType.F32, new double[12], 3, 4);
        y.set(100, 1, 2);
        CpuTensor out = interpreter.run(g, List.of(x, y)).getFirst();
        assertArrayEquals(new long[] {6, 4}, out.sizes());
        assertTrue(out.get(1, 2) == 106 && out.get(4, 2) == 18 - 100 && out.get(5, 3) == 23, "values of x + [y; -y]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(g, List.of(iota(DType.F32, 5, 4), y)));
        assertMessage(e, "input x has size 5 at dimension 0", "2*s0 = 6");
    }

    @Test
    void aSymbolThatNoInputBindsIsReported() {
        Graph.Builder b = Graph.builder("unbound");
        Node x = b.placeholder("x", meta(DType.F32, S0.times(2)));
        Graph g = b.output(List.of(x));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> interpreter.run(g, List.of(iota(DType.F32, 4))));
        assertMessage(e, "input x dimension 0 is 2*s0", "no input has s0 as a whole dimension");
    }

    @Test
    void aPlaceholderOutputIsTheInputItself() {
        Graph g = Tracer.trace("id", List.of(Tracer.input("x", meta(DType.BF16, S0))), in -> in.getFirst());
        CpuTensor x = iota(DType.BF16, 5);
        assertSame(x, interpreter.run(g, List.of(x)).getFirst());
    }
}
