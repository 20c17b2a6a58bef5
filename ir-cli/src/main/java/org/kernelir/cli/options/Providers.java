package org.kernelir.cli.options;

import org.kernelir.cache.ReplacementCache;
import org.kernelir.runtime.KernelIr;

/** Makes the {@link KernelIr} a command works with: class-path providers, then the plugins folders. */
public final class Providers {

    private Providers() {
    }

    /** A kernel-ir instance with the providers of the class path and of the plugins folders, and {@code cache}. */
    public static KernelIr load(PluginOptions plugins, ReplacementCache cache) {
        return builder(plugins, cache).build();
    }

    /** A builder with the providers of the class path and of the plugins folders, and {@code cache}. */
    public static KernelIr.Builder builder(PluginOptions plugins, ReplacementCache cache) {
        return plugins.configure(KernelIr.builder()).cache(cache);
    }
}
