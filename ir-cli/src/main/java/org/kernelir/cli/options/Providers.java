package org.kernelir.cli.options;

import java.nio.file.Path;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.runtime.KernelIr;

/** Makes the {@link KernelIr} a command works with: class-path providers, then the plugins folder. */
public final class Providers {

    private Providers() {
    }

    /** A kernel-ir instance with the providers of the class path and of {@code plugins}, and {@code cache}. */
    public static KernelIr load(Path plugins, ReplacementCache cache) {
        return KernelIr.builder().pluginsDirectory(plugins).cache(cache).build();
    }
}
