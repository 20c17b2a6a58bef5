package org.kernelir.cache;

import java.nio.file.Path;

/** Where replacement caches are made. */
public final class ReplacementCaches {

    private ReplacementCaches() {
    }

    /**
     * The default configuration, to adjust and {@link CacheConfig#build() build}: a memory tier of
     * {@value CacheConfig#DEFAULT_MAXIMUM_NODES} nodes and a disk tier of
     * {@value CacheConfig#DEFAULT_MAXIMUM_DISK_BYTES} bytes under {@link #defaultDiskDirectory()}.
     *
     * @return the default configuration (immutable)
     */
    public static CacheConfig builder() {
        return CacheConfig.defaults();
    }

    /**
     * The per-user cache directory of kernel-ir: {@code $XDG_CACHE_HOME/kernel-ir} when that variable holds an
     * absolute path, else {@code ~/.cache/kernel-ir}. The disk tier keeps its entries in a subfolder of it.
     *
     * @return the directory (not necessarily existing)
     */
    public static Path defaultDiskDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        // The XDG spec says a relative value is invalid and must be ignored.
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "kernel-ir");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "kernel-ir");
    }
}
