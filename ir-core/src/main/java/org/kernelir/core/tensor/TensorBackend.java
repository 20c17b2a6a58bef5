package org.kernelir.core.tensor;

import java.util.List;
import org.kernelir.core.cpu.CpuTensor;

/**
 * Where a {@link Tensor}'s calls go. The {@linkplain CpuTensor#BACKEND eager backend} computes them on CPU
 * tensors at once; the tracing backend appends a node to the graph being traced. This is what lets one Java
 * function both run and trace.
 */
public interface TensorBackend {

    /**
     * Calls {@code kernel} with positional arguments (tensors of this backend, literals, or {@code null});
     * omitted trailing parameters take their defaults.
     *
     * @return a {@link Tensor}, or a {@code List<Tensor>} (entries may be {@code null}) when the kernel returns
     *         several
     * @throws IllegalArgumentException when the arguments do not fit the kernel's schema or metadata rules
     */
    Object call(KernelDef kernel, List<Object> args);
}
