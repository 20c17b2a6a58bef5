package org.kernelir.core.provider;

import org.kernelir.core.op.CallArgs;

/**
 * A per-call check of whether an implementation handles these arguments, looking only at metadata: dtypes,
 * shapes, strides, devices and scalar values. It must not specialize on the token count (the symbolic
 * dimension), since a lowered graph serves every token count.
 */
@FunctionalInterface
public interface Supports {

    /** Supports every argument list. */
    Supports ALL = args -> true;

    boolean test(CallArgs args);
}
