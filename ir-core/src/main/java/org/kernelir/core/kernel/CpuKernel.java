package org.kernelir.core.kernel;

import java.util.List;

/**
 * Computes a call on CPU tensors. Tensor arguments arrive as {@link org.kernelir.core.tensor.CpuTensor} (or
 * {@code null}), other arguments as canonical literals with defaults filled in and every symbolic dimension
 * already evaluated to a {@code Long}. Returns a {@code CpuTensor}, or a {@code List} of them (entries may be
 * {@code null}) when the schema returns several.
 */
@FunctionalInterface
public interface CpuKernel {
    Object run(List<Object> args);
}
