package org.kernelir.core.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Tensor;

/** Every native op, on every sample input: the traced graph's metadata and values equal eager execution. */
class NativeOpsTraceTest {

    static Stream<OpDef<?>> ops() {
        return IrOps.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void tracedNativeMatchesEager(OpDef<?> op) {
        for (SampleInput s : op.sampleInputs()) {
            check(op, s);
        }
    }

    private static <F> void check(OpDef<F> op, SampleInput s) {
        List<Object> bound = op.schema().bind(op.name(), Literals.normalizeAllKeepingTensors(s.args()));
        Object eager = op.invoker().invoke(op.nativeImpl(), new CallArgs(bound));
        List<Tensor> eagerOut = eager instanceof TensorPair p ? p.toList() : List.of((Tensor) eager);

        List<Object> metas = new ArrayList<>();
        List<CpuTensor> inputs = new ArrayList<>();
        for (Object v : bound) {
            metas.add(v instanceof Tensor t ? t.meta().contiguous() : v);
            if (v instanceof CpuTensor t) {
                inputs.add(t);
            }
        }
        NodeMeta derived = ImplementationTracer.deriveMeta(op, metas);
        List<TensorMeta> derivedList = derived instanceof TupleMeta t ? t.elements() : List.of((TensorMeta) derived);
        var graph = ImplementationTracer.trace(Implementation.of(op, op.nativeImpl()), metas, true);
        List<CpuTensor> interpreted = Interpreter.primitivesOnly().run(graph, inputs);
        for (int i = 0; i < eagerOut.size(); i++) {
            Tensor e = eagerOut.get(i);
            String where = op.name() + " " + s.description() + " output " + i;
            if (e == null) {
                assertEquals(null, derivedList.get(i), where);
                continue;
            }
            assertEquals(e.meta(), derivedList.get(i), where);
            assertEquals(java.util.Arrays.toString(((CpuTensor) e).toDoubleArray()),
                    java.util.Arrays.toString(interpreted.get(i).toDoubleArray()), where);
        }
    }
}
