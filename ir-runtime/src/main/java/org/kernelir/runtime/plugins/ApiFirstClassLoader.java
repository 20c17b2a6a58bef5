package org.kernelir.runtime.plugins;

import java.util.List;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * A plugin's class loader: the plugin's own classes first (PF4J's default, so a plugin may carry its own
 * libraries), except for kernel-ir's API and SLF4J, which always come from the host. A plugin that bundles
 * its own copy of the SPI therefore still implements the host's {@code KernelProvider} (no
 * {@code ClassCastException}); the plugin host reports the bundled copy.
 */
final class ApiFirstClassLoader extends PluginClassLoader {

    /** Packages the host owns: a plugin sees these only through its parent. */
    static final List<String> HOST_PACKAGES = List.of("org.kernelir.core.", "org.kernelir.cache.",
            "org.kernelir.passes.", "org.kernelir.runtime.", "org.slf4j.");

    ApiFirstClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent);
    }

    @Override
    protected boolean shouldDelegateToParent(String className) {
        if (super.shouldDelegateToParent(className)) {
            return true;
        }
        for (String p : HOST_PACKAGES) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
