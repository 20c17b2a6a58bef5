package org.kernelir.passes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Prims;

/**
 * Writes small graphs node by node for pass tests, computing each node's metadata the way tracing would. Unlike
 * tracing, it can use a value after an in-place call, which is what the tests of the rules need.
 */
final class Sketch {

    private final Graph.Builder b;

    Sketch(String name) {
        this.b = Graph.builder(name);
    }

    /** An f32 input; a dimension given as -1 is the symbol s0. */
    Node input(String name, long... shape) {
        List<Dim> dims = Arrays.stream(shape).mapToObj(s -> s == -1 ? Dim.sym("s0") : Dim.of(s)).toList();
        return b.placeholder(name, TensorMeta.of(DType.F32, dims));
    }

    /** A call of a primitive (or any kernel), named after it. */
    Node prim(KernelDef def, Object... args) {
        List<Object> bound = def.schema().bind(def.target().toString(), Literals.normalizeAll(Arrays.asList(args)));
        return b.call(def.target(), bound, def.meta().infer(metaArgs(bound)));
    }

    /** A call of an IR op's default overload, or of its maybe_inplace overload. */
    Node ir(OpDef<?> op, boolean maybeInplace, Object... args) {
        List<Object> bound = op.schema().bind(op.name(), Literals.normalizeAll(Arrays.asList(args)));
        return b.call(maybeInplace ? op.inplaceTarget() : op.target(), bound,
                ImplementationTracer.deriveMeta(op, metaArgs(bound)));
    }

    /** Element {@code i} of a node with several results. */
    Node item(Node tuple, int i) {
        return b.call(b.freshName(tuple.name() + "_" + i), Prims.GETITEM.target(), List.of(tuple, (long) i),
                ((TupleMeta) tuple.meta()).get(i));
    }

    Graph output(Node... results) {
        return b.output(Arrays.asList(results));
    }

    private static List<Object> metaArgs(List<Object> bound) {
        List<Object> out = new ArrayList<>();
        for (Object a : bound) {
            out.add(a instanceof Node n ? n.meta() : a instanceof List<?> l ? metaArgs(new ArrayList<>(l)) : a);
        }
        return out;
    }
}
