package org.kernelir.core.provider;

import org.kernelir.core.device.DeviceRuntime;
import org.kernelir.core.tensor.KernelDef;

/** What a {@link KernelProvider} declares itself through, once, when it is registered. */
public interface ProviderContext {

    /**
     * Adds an implementation of an IR op. An op that allows inplace may get one functional and one in-place
     * implementation: the default overload then runs the functional one without cloning its activations (see
     * {@link Implementation}).
     *
     * @throws IllegalArgumentException if the op is unknown, the provider already implements it (in the same
     *                                  mode), or an inplace implementation targets an op that does not allow it
     */
    void implement(Implementation<?> implementation);

    /**
     * Adds a kernel op: a callable whose target namespace is the provider's name, with a meta function and a
     * kernel. Implementations call it through {@link org.kernelir.core.tensor.Tensor#call}; traced, it becomes
     * one node of the replacement graph.
     *
     * @throws IllegalArgumentException if the namespace is not the provider's name or the target is taken
     */
    void kernel(KernelDef kernel);

    /**
     * Contributes the runtime of a device type (memory, copies, streams, primitive bodies), so that tensors and
     * kernel ops can live on that type's devices ({@code cuda:0}, a provider's own {@code acme:0}). The provider's
     * kernel ops that declare this {@link KernelDef#device() device} type run through it. The runtime is used only
     * while the provider is loaded and available.
     *
     * @throws IllegalArgumentException if the type is {@code cpu} (built in), does not match
     *                                  {@link org.kernelir.core.meta.Device#TYPE}, or another loaded provider runs it
     */
    default void deviceRuntime(DeviceRuntime runtime) {
        throw new UnsupportedOperationException("this provider context takes no device runtimes");
    }
}
