package org.kernelir.core.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.SampleInput;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

/** Pooled runs: same values as unpooled ones, memory reused, intermediates and outputs released when they may be. */
class PooledRunTest {

    private final Interpreter interpreter = Interpreter.primitivesOnly();

    private static TensorMeta f32(long... shape) {
        return TensorMeta.of(DType.F32, Arrays.stream(shape).mapToObj(Dim::of).toList());
    }

    private static CpuTensor iota(long... shape) {
        double[] v = new double[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.25 - 3;
        }
        return CpuTensor.of(DType.F32, v, shape);
    }

    /** {@code ((x + 1) * 2 - 3) / 4}: each step a fresh tensor of x's size. */
    private static Graph chain() {
        return Tracer.trace("chain", List.of(Tracer.input("x", f32(64, 64))),
                in -> in.getFirst().add(1.0).mul(2.0).sub(3.0).div(4.0));
    }

    static Stream<OpDef<?>> ops() {
        return IrOps.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void everyNativeOpGivesTheUnpooledValues(OpDef<?> op) {
        try (TensorPool pool = new TensorPool()) {
            for (SampleInput s : op.sampleInputs()) {
                List<Object> bound = op.schema().bind(op.name(), Literals.normalizeAllKeepingTensors(s.args()));
                List<Object> metas = new ArrayList<>();
                List<CpuTensor> inputs = new ArrayList<>();
                for (Object v : bound) {
                    metas.add(v instanceof Tensor t ? t.meta().contiguous() : v);
                    if (v instanceof CpuTensor t) {
                        inputs.add(t);
                    }
                }
                Graph g = trace(op, metas);
                List<String> expected = text(interpreter.run(g, inputs));
                // Twice: the second run gets the first run's (dirty) blocks back.
                for (int round = 0; round < 2; round++) {
                    try (RunResult r = interpreter.run(g, inputs, pool)) {
                        assertEquals(expected, text(r.outputs()), op.name() + " " + s.description() + " round " + round);
                    }
                }
                assertEquals(0, pool.stats().lentBlocks(), op.name() + " " + s.description() + ": nothing stays lent");
            }
        }
    }

    private static <F> Graph trace(OpDef<F> op, List<Object> metas) {
        return ImplementationTracer.trace(Implementation.of(op, op.nativeImpl()), metas, true);
    }

    private static List<String> text(List<CpuTensor> ts) {
        return ts.stream().map(t -> t == null ? "None" : t.meta() + Arrays.toString(t.toDoubleArray())).toList();
    }

    @Test
    void aSecondRunAfterCloseReusesTheSameMemory() {
        Graph g = chain();
        CpuTensor x = iota(64, 64);
        try (TensorPool pool = new TensorPool()) {
            long firstAddress;
            try (RunResult r = interpreter.run(g, List.of(x), pool)) {
                firstAddress = r.get(0).segment().address();
                assertEquals(64 * 64 * 4, r.pooledBytes());
            }
            long missesAfterFirst = pool.stats().misses();
            // Intermediates die as soon as the next step has read them: two blocks serve four steps.
            assertEquals(2, missesAfterFirst, pool.stats().toString());
            long secondAddress;
            try (RunResult r = interpreter.run(g, List.of(x), pool)) {
                secondAddress = r.get(0).segment().address();
                assertArrayEquals(interpreter.run(g, List.of(x)).getFirst().toFloatArray(), r.get(0).toFloatArray());
            }
            TensorPool.Stats s = pool.stats();
            assertEquals(missesAfterFirst, s.misses(), "the second run allocated nothing: " + s);
            assertEquals(0, s.lentBlocks());
            assertEquals(2, s.retainedBlocks());
            // The free lists are last-in first-out, so the two blocks swap roles from run to run.
            try (RunResult r = interpreter.run(g, List.of(x), pool)) {
                assertEquals(firstAddress, r.get(0).segment().address());
            }
            try (RunResult r = interpreter.run(g, List.of(x), pool)) {
                assertEquals(secondAddress, r.get(0).segment().address());
            }
        }
    }

    @Test
    void aOneNodeGraphGetsTheSameOutputBlockEveryRun() {
        Graph g = Tracer.trace("inc", List.of(Tracer.input("x", f32(1024))), in -> in.getFirst().add(1.0));
        try (TensorPool pool = new TensorPool()) {
            long address;
            try (RunResult r = interpreter.run(g, List.of(iota(1024)), pool)) {
                address = r.get(0).segment().address();
            }
            for (int i = 0; i < 3; i++) {
                try (RunResult r = interpreter.run(g, List.of(iota(1024)), pool)) {
                    assertEquals(address, r.get(0).segment().address());
                    assertEquals(-2.0, r.get(0).get(0));
                }
            }
            assertEquals(1, pool.stats().misses());
            assertEquals(3, pool.stats().hits());
        }
    }

    @Test
    void anOpenResultKeepsItsMemoryFromLaterRuns() {
        Graph g = chain();
        try (TensorPool pool = new TensorPool()) {
            RunResult first = interpreter.run(g, List.of(iota(64, 64)), pool);
            float[] firstValues = first.get(0).toFloatArray();
            try (RunResult second = interpreter.run(g, List.of((CpuTensor) iota(64, 64).mul(-1.0)), pool)) {
                assertFalse(first.get(0).segment().address() == second.get(0).segment().address());
                assertArrayEquals(firstValues, first.get(0).toFloatArray(), "the second run did not overwrite it");
            }
            first.close();
            assertEquals(0, pool.stats().lentBlocks());
        }
    }

    @Test
    void aViewOfAnIntermediateReturnedAsOutputKeepsItsBlock() {
        // y = x * 2 dies as a value after the narrow, but the narrow (an output) is a view of y's block.
        Graph g = Tracer.trace("view_out", List.of(Tracer.input("x", f32(8, 16))), in -> {
            Tensor y = in.getFirst().mul(2.0);
            return y.narrow(0, 2, 3).add(0.0).add(y.narrow(0, 5, 3)).narrow(1, 4, 4);
        });
        Graph g2 = Tracer.trace("two_views", List.of(Tracer.input("x", f32(8, 16))), in -> in.getFirst().mul(2.0)
                .exp());
        CpuTensor x = iota(8, 16);
        List<String> expected = text(interpreter.run(g, List.of(x)));
        try (TensorPool pool = new TensorPool()) {
            try (RunResult r = interpreter.run(g, List.of(x), pool)) {
                assertTrue(r.get(0).offset() != 0 || !r.get(0).isContiguous(), "the output is a view");
                assertEquals(1, pool.stats().lentBlocks(), "only the viewed block stays lent: " + pool.stats());
                // Runs that take free blocks must not get the output's.
                for (int i = 0; i < 3; i++) {
                    try (RunResult other = interpreter.run(g2, List.of(x), pool)) {
                        assertEquals(expected, text(r.outputs()));
                    }
                }
            }
            assertEquals(0, pool.stats().lentBlocks());
        }
    }

    @Test
    void twoOutputsSharingABlockReleaseItOnce() {
        Graph g = Tracer.trace("halves", List.of(Tracer.input("x", f32(4, 8))), in -> {
            Tensor y = in.getFirst().mul(3.0);
            return y.chunk(2, 1);
        });
        try (TensorPool pool = new TensorPool()) {
            RunResult r = interpreter.run(g, List.of(iota(4, 8)), pool);
            assertEquals(r.get(0).segment().address(), r.get(1).segment().address());
            assertEquals(1, pool.stats().lentBlocks());
            r.close();
            r.close();
            TensorPool.Stats s = pool.stats();
            assertEquals(0, s.lentBlocks());
            assertEquals(1, s.releases(), "double close is harmless and the shared block went back once: " + s);
        }
    }

    @Test
    void graphInputsAreNeverPooledNorReleased() {
        Graph g = Tracer.trace("pass", List.of(Tracer.input("x", f32(4, 4))),
                in -> List.of(in.getFirst(), in.getFirst().narrow(0, 1, 2), in.getFirst().add(1.0)));
        CpuTensor x = iota(4, 4);
        try (TensorPool pool = new TensorPool()) {
            RunResult r = interpreter.run(g, List.of(x), pool);
            assertSame(x, r.get(0));
            CpuTensor view = r.get(1);
            r.close();
            assertEquals(-2.0, view.get(0, 0), "a view of an input stays valid after close");
            assertEquals(-3.0, x.get(0, 0));
            assertEquals(1, pool.stats().releases(), "only the add's block was pooled");
        }
    }

    @Test
    void outputsCannotBeReadThroughAClosedResult() {
        try (TensorPool pool = new TensorPool()) {
            RunResult r = interpreter.run(chain(), List.of(iota(64, 64)), pool);
            r.close();
            assertTrue(r.isClosed());
            assertEquals(0, r.pooledBytes());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.get(0));
            assertTrue(e.getMessage().contains("graph chain is closed"), e.getMessage());
            assertThrows(IllegalStateException.class, r::outputs);
        }
    }

    @Test
    void aFailingRunReleasesEverything() {
        Graph g = Tracer.trace("lookup", List.of(Tracer.input("table", f32(4, 2)),
                Tracer.input("ids", TensorMeta.of(DType.I64, List.of(Dim.sym("n"))))),
                in -> in.get(0).mul(2.0).indexSelect(0, in.get(1)).add(1.0));
        try (TensorPool pool = new TensorPool()) {
            InterpreterException e = assertThrows(InterpreterException.class, () -> interpreter.run(g,
                    List.of(iota(4, 2), CpuTensor.ofLongs(DType.I64, new long[] {1, 7}, 2)), pool));
            assertTrue(e.getMessage().contains("node index_select"), e.getMessage());
            assertEquals(0, pool.stats().lentBlocks(), pool.stats().toString());
            assertTrue(pool.stats().misses() > 0, "the run did take pooled memory");
        }
    }

    @Test
    void theModuleRunsPooledToo() {
        GraphModule m = GraphModule.ofPrimitives(chain());
        try (TensorPool pool = new TensorPool(); RunResult r = m.run(List.of(iota(64, 64)), pool)) {
            assertArrayEquals(m.run(List.of(iota(64, 64))).getFirst().toFloatArray(), r.get(0).toFloatArray());
            assertTrue(r.get(0).segment().isNative());
        }
    }
}
