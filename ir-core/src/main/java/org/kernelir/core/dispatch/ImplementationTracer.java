package org.kernelir.core.dispatch;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

/**
 * Traces an implementation of an IR op into the graph that replaces an op node during lowering.
 *
 * <p>The replacement graph has one placeholder per present tensor argument, named after its parameter, in
 * parameter order; every other argument is a literal in the graph. Its outputs are the op's results in order.
 */
public final class ImplementationTracer {

    private ImplementationTracer() {
    }

    /**
     * Traces {@code impl} for arguments described by {@code metaArgs} (bound, with tensors as
     * {@link TensorMeta} or {@code null}).
     *
     * @param functional trace the default overload: the functional form of {@code impl} where it has one that
     *                   supports the arguments; else, when {@code impl} works in place, its activations are
     *                   cloned first, so the graph never writes its inputs
     */
    public static <F> Graph trace(Implementation<F> impl, List<Object> metaArgs, boolean functional) {
        OpDef<F> op = impl.op();
        List<Param> params = op.schema().params();
        List<Tracer.Input> inputs = new ArrayList<>();
        List<Integer> tensorParams = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).type().isTensorLike() && !(metaArgs.get(i) instanceof Number)) {
                inputs.add(Tracer.input(params.get(i).name(), (TensorMeta) metaArgs.get(i)));
                tensorParams.add(i);
            }
        }
        String name = op.name() + "_" + impl.provider() + (functional ? "" : "_inplace");
        return Tracer.trace(name, inputs, tensors -> {
            List<Object> values = new ArrayList<>(metaArgs);
            for (int k = 0; k < tensorParams.size(); k++) {
                values.set(tensorParams.get(k), tensors.get(k));
            }
            CallArgs args = new CallArgs(values);
            Implementation<F> form = impl.formFor(functional, args);
            if (functional && form.isInplace()) {
                args = OpHandle.cloneActivations(op, args);
            }
            return results(op, op.invoker().invoke(form.fn(), args));
        });
    }

    /** The results of an invoker call as a list, checked against the op's arity. */
    static List<Tensor> results(OpDef<?> op, Object result) {
        List<Tensor> out = switch (result) {
            case Tensor t -> List.of(t);
            case TensorPair p -> p.toList();
            case null -> throw new IllegalStateException("implementation of op " + op.name() + " returned null");
            default -> throw new IllegalStateException("implementation of op " + op.name() + " returned "
                    + result.getClass().getName() + " instead of a Tensor or TensorPair");
        };
        if (out.size() != op.schema().returns()) {
            throw new IllegalStateException("implementation of op " + op.name() + " returned " + out.size()
                    + " results; the op returns " + op.schema().returns());
        }
        return out;
    }

    /** The metadata an op node has: derived by tracing the native implementation. */
    public static NodeMeta deriveMeta(OpDef<?> op, List<Object> metaArgs) {
        Graph g = trace(nativeImpl(op), metaArgs, true);
        List<TensorMeta> outs = new ArrayList<>();
        for (Object o : g.outputs()) {
            outs.add(o == null ? null : (TensorMeta) ((org.kernelir.core.graph.Node) o).meta());
        }
        return outs.size() == 1 ? outs.getFirst() : new TupleMeta(outs);
    }

    private static <F> Implementation<F> nativeImpl(OpDef<F> op) {
        return Implementation.of(op, op.nativeImpl());
    }
}
