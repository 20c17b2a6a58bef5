package org.kernelir.cli.options;

import java.nio.file.Path;
import java.util.Optional;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import picocli.CommandLine.Option;

/** {@code --cache-dir DIR | --no-cache}: where lowering keeps traced replacement graphs between runs. */
public final class CacheOptions {

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "The replacement cache's folder (default: "
            + "$XDG_CACHE_HOME/kernel-ir or ~/.cache/kernel-ir).")
    Path cacheDir;

    @Option(names = "--no-cache", description = "Trace every replacement; read and write no cache.")
    boolean noCache;

    /** The disk directory, or empty with {@code --no-cache}. */
    public Optional<Path> directory() {
        return noCache ? Optional.empty() : Optional.of(cacheDir == null ? ReplacementCaches.defaultDiskDirectory()
                : cacheDir.toAbsolutePath().normalize());
    }

    /** The cache these options ask for: memory and disk, or none. */
    public ReplacementCache build() {
        return directory().<ReplacementCache>map(d -> ReplacementCaches.builder().diskDirectory(d).build())
                .orElseGet(ReplacementCache::disabled);
    }
}
