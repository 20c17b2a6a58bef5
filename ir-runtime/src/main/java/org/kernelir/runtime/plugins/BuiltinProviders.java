package org.kernelir.runtime.plugins;

import java.util.Map;
import java.util.Optional;
import org.kernelir.core.provider.ProviderIdentity;

/**
 * The provider names that belong to kernel-ir's own providers, and the rule that keeps them: a provider may use
 * such a name only if it is kernel-ir's own class, and, when it comes from the plugins folder, from kernel-ir's own
 * plugin. Any other provider of that name (an impostor) is rejected, whichever JAR is read first, with a message
 * that names both JARs; kernel-ir's own provider is registered as usual. {@code native} and {@code unfused} are
 * reserved as well, by the provider registry.
 *
 * <p>The rule is about mistakes and name clashes, not about attacks: plugins run in-process with full trust, and a
 * plugin that copies kernel-ir's class name and plugin id is kernel-ir's code as far as the host can tell.
 */
final class BuiltinProviders {

    /** A built-in provider: its class and the plugin id of the JAR kernel-ir ships it in. */
    record Builtin(String name, String className, String pluginId) {
        String describe() {
            return "kernel-ir's own provider " + name + " (class " + className + ", plugin " + pluginId + ")";
        }
    }

    /** Add a row here when kernel-ir ships another provider (for example cuda). */
    private static final Map<String, Builtin> BUILTINS = Map.of(
            "cpu", new Builtin("cpu", "org.kernelir.providers.cpu.CpuProvider", "kernel-ir-cpu"),
            "cuda", new Builtin("cuda", "org.kernelir.providers.cuda.CudaProvider", "kernel-ir-cuda"));

    private BuiltinProviders() {
    }

    /** The built-in provider called {@code name}, if the name is one of kernel-ir's own. */
    static Optional<Builtin> of(String name) {
        return Optional.ofNullable(BUILTINS.get(name));
    }

    /** Whether {@code pluginId} is the id of one of kernel-ir's own plugins (loaded before any other). */
    static boolean isBuiltinPlugin(String pluginId) {
        return BUILTINS.values().stream().anyMatch(b -> b.pluginId().equals(pluginId));
    }

    /**
     * Whether a provider of class {@code providerClass} with {@code identity} may use its name: always, unless the
     * name is a built-in's and the provider is not that built-in.
     */
    static boolean allowed(ProviderIdentity identity, Class<?> providerClass) {
        Builtin b = BUILTINS.get(identity.name());
        if (b == null) {
            return true;
        }
        boolean ownClass = providerClass.getName().equals(b.className());
        boolean ownPlugin = identity.source() != ProviderIdentity.Source.PLUGIN || identity.pluginId().equals(b.pluginId());
        return ownClass && ownPlugin;
    }
}
