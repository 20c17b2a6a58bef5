package org.kernelir.core.op;

/**
 * Calls an implementation function of type {@code F} with positional arguments. Each {@link OpDef} carries the
 * one invoker that matches its functional interface, so implementations are typed at compile time while
 * dispatch, tracing and lowering stay generic.
 *
 * @param <F> the op's functional interface
 */
@FunctionalInterface
public interface Invoker<F> {

    /**
     * @return a {@link org.kernelir.core.tensor.Tensor} for a single-result op, a {@link TensorPair} for a
     *         two-result op
     */
    Object invoke(F fn, CallArgs args);
}
