package org.kernelir.core.provider;

import java.util.List;
import java.util.Map;
import org.kernelir.core.device.DeviceRuntime;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Target;

/**
 * A provider as the registry holds it: its identity, availability, implementations (by op name) and kernel
 * ops. The pseudo-provider {@code native} appears here too, with the native implementation of every op.
 *
 * @param identity        who it is
 * @param availability    whether it can run here
 * @param implementations its implementations, by op name
 * @param kernels         its kernel ops, by target
 * @param deviceRuntimes  the device runtimes it contributes
 */
public record RegisteredProvider(ProviderIdentity identity, Availability availability,
        Map<String, Implementation<?>> implementations, Map<Target, KernelDef> kernels,
        List<DeviceRuntime> deviceRuntimes) {

    public RegisteredProvider {
        implementations = Map.copyOf(implementations);
        kernels = Map.copyOf(kernels);
        deviceRuntimes = List.copyOf(deviceRuntimes);
    }

    /** A provider that contributes no device runtime. */
    public RegisteredProvider(ProviderIdentity identity, Availability availability,
            Map<String, Implementation<?>> implementations, Map<Target, KernelDef> kernels) {
        this(identity, availability, implementations, kernels, List.of());
    }

    public String name() {
        return identity.name();
    }

    /** The names of the ops it implements, sorted. */
    public List<String> opNames() {
        return implementations.keySet().stream().sorted().toList();
    }
}
