package org.kernelir.cache;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The configuration of a {@link TieredReplacementCache}, built fluently from {@link ReplacementCaches#builder()}.
 *
 * <p>A configuration is immutable: every setter returns a new configuration and leaves this one unchanged, so a
 * configuration may be shared, and one cache's configuration can be the start of another's:
 *
 * <pre>{@code
 * ReplacementCache cache = ReplacementCaches.builder()
 *         .maximumNodes(50_000)
 *         .diskDirectory(Path.of("/var/cache/kernel-ir"))
 *         .maximumDiskBytes(64L << 20)
 *         .build();
 * }</pre>
 *
 * <p>Unless told otherwise a cache keeps at most {@value #DEFAULT_MAXIMUM_NODES} graph nodes in memory and at most
 * {@value #DEFAULT_MAXIMUM_DISK_BYTES} bytes on disk under {@link ReplacementCaches#defaultDiskDirectory()}.
 */
public final class CacheConfig {

    /** The memory tier's default bound, in graph nodes. */
    public static final long DEFAULT_MAXIMUM_NODES = 200_000;
    /** The disk tier's default bound, in bytes (256 MiB). */
    public static final long DEFAULT_MAXIMUM_DISK_BYTES = 256L << 20;

    private final long maximumNodes;
    private final Optional<Path> diskDirectory;
    private final long maximumDiskBytes;
    private final boolean cacheLoweredGraphs;
    private final Optional<RemoteCacheConfig> remote;

    private CacheConfig(long maximumNodes, Optional<Path> diskDirectory, long maximumDiskBytes,
            boolean cacheLoweredGraphs, Optional<RemoteCacheConfig> remote) {
        this.maximumNodes = maximumNodes;
        this.diskDirectory = diskDirectory;
        this.maximumDiskBytes = maximumDiskBytes;
        this.cacheLoweredGraphs = cacheLoweredGraphs;
        this.remote = remote;
    }

    /**
     * The defaults: {@value #DEFAULT_MAXIMUM_NODES} nodes in memory, the default disk directory and bound, and a
     * remote tier when the system property {@value RemoteCacheConfig#PROPERTY} or else the environment variable
     * {@value RemoteCacheConfig#ENV} holds a URI (a malformed one is ignored with a warning).
     */
    static CacheConfig defaults() {
        return new CacheConfig(DEFAULT_MAXIMUM_NODES, Optional.of(ReplacementCaches.defaultDiskDirectory()),
                DEFAULT_MAXIMUM_DISK_BYTES, true, remoteFromEnvironment());
    }

    private static Optional<RemoteCacheConfig> remoteFromEnvironment() {
        String uri = System.getProperty(RemoteCacheConfig.PROPERTY);
        String source = "system property " + RemoteCacheConfig.PROPERTY;
        if (uri == null || uri.isBlank()) {
            uri = System.getenv(RemoteCacheConfig.ENV);
            source = "environment variable " + RemoteCacheConfig.ENV;
        }
        if (uri == null || uri.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(RemoteCacheConfig.of(uri));
        } catch (IllegalArgumentException e) {
            org.slf4j.LoggerFactory.getLogger(CacheConfig.class).warn("Ignoring the remote cache of the {}: {}",
                    source, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Adds a remote tier on a Redis server, behind memory and disk, with the default settings of
     * {@link RemoteCacheConfig#of(URI)}: lookups go memory, disk, remote, then trace or lower; a remote hit is
     * written to the disk tier; a new entry is sent to the server in the background. A server that is absent, slow
     * or broken costs at most a short timeout per call and never fails a lookup.
     *
     * @param uri {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://...} for TLS
     * @return a configuration like this one with a remote tier
     * @throws IllegalArgumentException if {@code uri} is not a Redis URI
     */
    public CacheConfig remoteCache(URI uri) {
        return remoteCache(RemoteCacheConfig.of(uri));
    }

    /**
     * Adds a remote tier with these settings; see {@link #remoteCache(URI)}.
     *
     * @param settings the server and its timeouts, TTL, size cap, lock timeout and namespace
     * @return a configuration like this one with a remote tier
     */
    public CacheConfig remoteCache(RemoteCacheConfig settings) {
        Objects.requireNonNull(settings, "settings");
        return new CacheConfig(maximumNodes, diskDirectory, maximumDiskBytes, cacheLoweredGraphs,
                Optional.of(settings));
    }

    /**
     * No remote tier, even when the environment names one.
     *
     * @return a configuration like this one without a remote tier
     */
    public CacheConfig noRemoteCache() {
        return new CacheConfig(maximumNodes, diskDirectory, maximumDiskBytes, cacheLoweredGraphs, Optional.empty());
    }

    /** The remote tier's settings, or empty when there is none. */
    public Optional<RemoteCacheConfig> remoteCache() {
        return remote;
    }

    /**
     * Bounds the memory tier by the total number of nodes of the graphs it holds. When a new entry takes the total
     * over the bound, the entries least likely to be used again are evicted (Caffeine's W-TinyLFU), possibly after
     * a short delay; each counts in {@link CacheStats#evictions()}. A single graph larger than the bound is
     * returned to its caller but not kept.
     *
     * @param nodes the bound; {@code 0} keeps nothing in memory
     * @return a configuration like this one with the new bound
     * @throws IllegalArgumentException if {@code nodes} is negative
     */
    public CacheConfig maximumNodes(long nodes) {
        if (nodes < 0) {
            throw new IllegalArgumentException("maximumNodes must be at least 0, got " + nodes);
        }
        return new CacheConfig(nodes, diskDirectory, maximumDiskBytes, cacheLoweredGraphs, remote);
    }

    /**
     * Keeps traced replacements and lowered graphs on disk under {@code directory}, in its subfolder
     * {@code replacements-v3}, so that a new process (or another process sharing the folder) does not trace them again. The folder is created when
     * needed; if it cannot be, the cache logs a warning and works in memory only.
     *
     * @param directory the base directory, usually {@link ReplacementCaches#defaultDiskDirectory()}
     * @return a configuration like this one with a disk tier in {@code directory}
     * @throws NullPointerException if {@code directory} is null
     */
    public CacheConfig diskDirectory(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new CacheConfig(maximumNodes, Optional.of(directory), maximumDiskBytes, cacheLoweredGraphs, remote);
    }

    /**
     * Works in memory only: nothing is read from or written to disk.
     *
     * @return a configuration like this one without a disk tier
     */
    public CacheConfig noDisk() {
        return new CacheConfig(maximumNodes, Optional.empty(), maximumDiskBytes, cacheLoweredGraphs, remote);
    }

    /**
     * Bounds the disk tier's folder. When writes take it over the bound, the least recently used entries (by
     * last write or hit) are deleted until the folder is under 90% of it. The bound is approximate between
     * checks, and other processes sharing the folder may briefly add to it.
     *
     * @param bytes the bound, in bytes
     * @return a configuration like this one with the new bound
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public CacheConfig maximumDiskBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maximumDiskBytes must be positive, got " + bytes);
        }
        return new CacheConfig(maximumNodes, diskDirectory, bytes, cacheLoweredGraphs, remote);
    }

    /**
     * Whether whole lowered graphs are cached as well as replacements (the default). With it, lowering a graph
     * that was lowered before by an identical pipeline (same passes, priority, providers and options) is one
     * lookup; without it, every lowering runs the passes and only the traces of implementations are cached.
     *
     * @param enabled whether to cache lowered graphs
     * @return a configuration like this one with the new setting
     */
    public CacheConfig cacheLoweredGraphs(boolean enabled) {
        return new CacheConfig(maximumNodes, diskDirectory, maximumDiskBytes, enabled, remote);
    }

    /** Whether whole lowered graphs are cached; see {@link #cacheLoweredGraphs(boolean)}. */
    public boolean cacheLoweredGraphs() {
        return cacheLoweredGraphs;
    }

    /** The memory tier's bound, in graph nodes. */
    public long maximumNodes() {
        return maximumNodes;
    }

    /** The disk tier's base directory, or empty when there is no disk tier. */
    public Optional<Path> diskDirectory() {
        return diskDirectory;
    }

    /** The disk tier's bound, in bytes. */
    public long maximumDiskBytes() {
        return maximumDiskBytes;
    }

    /**
     * A new, empty cache with this configuration. Each call gives an independent cache; caches that share a disk
     * directory share its entries.
     *
     * @return the cache
     */
    public TieredReplacementCache build() {
        return new TieredReplacementCache(this);
    }

    @Override
    public String toString() {
        return "CacheConfig[maximumNodes=" + maximumNodes + ", disk="
                + diskDirectory.map(d -> d + " (max " + maximumDiskBytes + " bytes)").orElse("none")
                + ", loweredGraphs=" + cacheLoweredGraphs
                + remote.map(r -> ", remote=" + r.displayUri()).orElse("") + "]";
    }
}
