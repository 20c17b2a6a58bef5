package org.kernelir.core.dispatch;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;

/**
 * IR ops as graph targets: {@code ir::name} and {@code ir::name.maybe_inplace}. Their metadata comes from
 * tracing native; running them on CPU tensors dispatches eagerly through a {@link Dispatcher}, so an unlowered
 * graph can be interpreted.
 */
public final class IrOpCatalog implements KernelCatalog {

    private final OpRegistry ops;
    private final Dispatcher dispatcher;

    /** A catalog of {@code dispatcher}'s ops, running them through {@code dispatcher}. */
    public IrOpCatalog(Dispatcher dispatcher) {
        this.ops = dispatcher.registry().ops();
        this.dispatcher = dispatcher;
    }

    @Override
    public Optional<KernelDef> find(Target target) {
        if (!target.namespace().equals(OpDef.NAMESPACE)) {
            return Optional.empty();
        }
        Optional<OpDef<?>> op = ops.find(target.name());
        if (op.isEmpty()) {
            return Optional.empty();
        }
        OpDef<?> o = op.get();
        if (target.overload() == null) {
            return Optional.of(new KernelDef(target, o.schema(), a -> ImplementationTracer.deriveMeta(o, a), Set.of(),
                    null, a -> asKernelResult(o, dispatcher.handle(o).call(a.toArray()))));
        }
        if (target.overload().equals(OpDef.MAYBE_INPLACE) && o.allowInplace()) {
            Set<Integer> mutated = new HashSet<>(o.activations());
            return Optional.of(new KernelDef(target, o.schema(), a -> ImplementationTracer.deriveMeta(o, a), mutated,
                    null, a -> asKernelResult(o, dispatcher.handle(o).callMaybeInplace(a.toArray()))));
        }
        return Optional.empty();
    }

    private static Object asKernelResult(OpDef<?> op, Object result) {
        List<Tensor> outs = ImplementationTracer.results(op, result);
        return outs.size() == 1 ? outs.getFirst() : new ArrayList<>(outs);
    }
}
