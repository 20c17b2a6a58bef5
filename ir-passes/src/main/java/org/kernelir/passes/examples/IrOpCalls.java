package org.kernelir.passes.examples;

import java.util.Arrays;
import java.util.List;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.IrOpCatalog;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;

/**
 * Calls IR ops from model code. Inside a {@link org.kernelir.core.trace.Tracer trace} each call becomes one
 * {@code ir::} node whose metadata is derived from the op's native implementation; on CPU tensors it dispatches
 * eagerly. So one Java model function gives both the graph and an eager reference.
 */
public final class IrOpCalls {

    private final IrOpCatalog catalog;

    /** Calls whose eager form dispatches through {@code dispatcher}. */
    public IrOpCalls(Dispatcher dispatcher) {
        this.catalog = new IrOpCatalog(dispatcher);
    }

    /** Calls of the standard op set; eager calls run native. */
    public static IrOpCalls standard() {
        return new IrOpCalls(new Dispatcher(new ProviderRegistry(OpRegistry.standard())));
    }

    /** Calls {@code op}'s default (functional) overload of a single-result op. */
    public Tensor call(OpDef<?> op, Object... args) {
        return (Tensor) invoke(op.target(), args);
    }

    /** Calls {@code op}'s default (functional) overload of a several-result op. */
    @SuppressWarnings("unchecked")
    public List<Tensor> callMulti(OpDef<?> op, Object... args) {
        return (List<Tensor>) invoke(op.target(), args);
    }

    /**
     * Calls {@code op}'s {@code maybe_inplace} overload: its activation inputs are donated and must not be used
     * afterwards; use the returned tensors instead.
     */
    @SuppressWarnings("unchecked")
    public List<Tensor> callMaybeInplace(OpDef<?> op, Object... args) {
        Object r = invoke(op.inplaceTarget(), args);
        return r instanceof Tensor t ? List.of(t) : (List<Tensor>) r;
    }

    private Object invoke(Target target, Object[] args) {
        KernelDef def = catalog.find(target).orElseThrow(() -> new IllegalArgumentException(
                "unknown IR op target " + target + " (is the op registered, and does it allow inplace?)"));
        Tensor first = Arrays.stream(args).filter(a -> a instanceof Tensor).map(a -> (Tensor) a).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(target + " needs at least one tensor argument"));
        return first.backend().call(def, Arrays.asList(args));
    }
}
