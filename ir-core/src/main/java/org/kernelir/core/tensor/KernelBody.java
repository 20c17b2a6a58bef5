package org.kernelir.core.tensor;

import java.util.List;

/**
 * The code that computes a kernel op on one device. It is given the call's arguments bound to the kernel's
 * {@link Schema}: tensors are tensors of the device the body was registered for (on the CPU,
 * {@code org.kernelir.core.cpu.CpuTensor}s, or {@code null} for an absent optional tensor), other arguments are
 * canonical literals with defaults filled in and every symbolic dimension already evaluated to a {@code Long}. It
 * returns a tensor of that device, or a {@code List} of them (entries may be {@code null}) when the schema returns
 * several. The caller checks the result against the kernel's {@link MetaFunction}.
 */
@FunctionalInterface
public interface KernelBody {

    /**
     * Computes the call.
     *
     * @param args the bound arguments, in schema order
     * @return the result tensor, or a list of them
     */
    Object run(List<Object> args);
}
