package org.kernelir.cli.options;

import java.nio.file.Path;
import java.util.Optional;
import org.kernelir.cache.CacheConfig;
import org.kernelir.cache.RemoteCacheConfig;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cli.base.CliException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * {@code [--cache-dir DIR] [--remote-cache URI] | --no-cache}: where lowering keeps traced replacement graphs and
 * lowered graphs between runs.
 */
public final class CacheOptions {

    @ArgGroup(exclusive = true)
    Where where = new Where();

    /** {@code --cache-dir DIR | --no-cache}. */
    static final class Where {
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "The replacement cache's folder (default: "
                + "$XDG_CACHE_HOME/kernel-ir or ~/.cache/kernel-ir).")
        Path cacheDir;

        @Option(names = "--no-cache", description = "Trace every replacement; read and write no cache.")
        boolean noCache;
    }

    @Option(names = "--remote-cache", paramLabel = "URI", description = "A Redis server that a fleet shares, behind "
            + "memory and disk: redis://[:password@]host[:port][/db][?timeout=MILLIS], or rediss://... for TLS "
            + "(default: the "
            + "kernelir.remoteCache property or the KERNEL_IR_REMOTE_CACHE variable, else none).")
    String remoteCache;

    /**
     * The disk directory, or empty with {@code --no-cache}.
     *
     * @throws CliException when {@code --no-cache} comes with {@code --cache-dir} or {@code --remote-cache}
     */
    public Optional<Path> directory() {
        Path cacheDir = where.cacheDir;
        boolean noCache = where.noCache;
        if (noCache && remoteCache != null) {
            throw new CliException("--no-cache reads and writes no cache; it cannot go with --remote-cache");
        }
        return noCache ? Optional.empty() : Optional.of(cacheDir == null ? ReplacementCaches.defaultDiskDirectory()
                : cacheDir.toAbsolutePath().normalize());
    }

    /** The cache these options ask for: memory, disk and (when named) a remote tier, or none. */
    public ReplacementCache build() {
        return directory().<ReplacementCache>map(d -> config(ReplacementCaches.builder().diskDirectory(d)).build())
                .orElseGet(ReplacementCache::disabled);
    }

    /** {@code base} with the remote tier of {@code --remote-cache}, when given. */
    public CacheConfig config(CacheConfig base) {
        return remote(base, remoteCache);
    }

    /**
     * {@code base} with a remote tier on {@code uri}, or unchanged when {@code uri} is null.
     *
     * @throws CliException naming the option for a URI that is not a Redis URI
     */
    public static CacheConfig remote(CacheConfig base, String uri) {
        if (uri == null) {
            return base;
        }
        try {
            return base.remoteCache(RemoteCacheConfig.of(uri));
        } catch (IllegalArgumentException e) {
            throw new CliException("--remote-cache: " + e.getMessage());
        }
    }
}
