package org.kernelir.cache;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of the remote tier (a Redis server that a fleet of processes shares), given to
 * {@link CacheConfig#remoteCache(RemoteCacheConfig)}. Immutable; every {@code with} method returns a new one.
 *
 * @param uri           {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://...} for TLS
 * @param timeout       how long one call (connect, read, write) may take before it counts as a fault
 * @param ttl           how long an entry lives on the server ({@link Duration#ZERO}: until the server evicts it)
 * @param maxEntryBytes entries larger than this are not sent (they stay local)
 * @param lockTimeout   the expiry of a single-flight lock, and so the longest a process waits for another's result
 * @param breakerPause  how long the tier stays off after repeated faults before it tries again
 * @param namespace     the prefix of every key this tier writes, so that one server can hold other data too
 */
public record RemoteCacheConfig(URI uri, Duration timeout, Duration ttl, long maxEntryBytes, Duration lockTimeout,
        Duration breakerPause, String namespace) {

    /** The environment variable holding a remote cache URI, used when no URI is given in code. */
    public static final String ENV = "KERNEL_IR_REMOTE_CACHE";
    /** The system property holding a remote cache URI; it wins over {@link #ENV}. */
    public static final String PROPERTY = "kernelir.remoteCache";
    /** The default per-call timeout: a lookup on a healthy server on the same network takes well under 1 ms. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);
    /** The default entry lifetime: a week. */
    public static final Duration DEFAULT_TTL = Duration.ofDays(7);
    /** The default cap on one entry: 16 MiB. */
    public static final long DEFAULT_MAX_ENTRY_BYTES = 16L << 20;
    /** The default lock expiry and longest wait for another process's result. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(10);
    /** The default pause after repeated faults. */
    public static final Duration DEFAULT_BREAKER_PAUSE = Duration.ofSeconds(30);
    /** The default key prefix; a new entry format gets a new one. */
    public static final String DEFAULT_NAMESPACE = "kernel-ir:" + DiskTier.FOLDER_NAME + ":";

    public RemoteCacheConfig {
        Objects.requireNonNull(uri, "uri");
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("remote cache URI " + redact(uri)
                    + " must start with redis:// or rediss:// (TLS)");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("remote cache URI " + redact(uri) + " names no host");
        }
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/") && !path.substring(1).matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("remote cache URI " + redact(uri) + ": the path must be a database "
                    + "number such as /0, not " + path);
        }
        positive(timeout, "timeout");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative, got " + ttl);
        }
        if (maxEntryBytes <= 0) {
            throw new IllegalArgumentException("maxEntryBytes must be positive, got " + maxEntryBytes);
        }
        positive(lockTimeout, "lockTimeout");
        positive(breakerPause, "breakerPause");
        Objects.requireNonNull(namespace, "namespace");
    }

    /**
     * The defaults for a server at {@code uri}; a query {@code ?timeout=MILLIS} sets the per-call timeout (for
     * {@code kir --remote-cache} and the environment variable, which have no other way to say it).
     *
     * @throws IllegalArgumentException for a URI that is not {@code redis://} or {@code rediss://}, or a bad query
     */
    public static RemoteCacheConfig of(URI uri) {
        Duration timeout = DEFAULT_TIMEOUT;
        String query = uri.getQuery();
        if (query != null && !query.isEmpty()) {
            for (String part : query.split("&")) {
                if (part.startsWith("timeout=") && part.substring(8).matches("[0-9]{1,9}")
                        && Long.parseLong(part.substring(8)) > 0) {
                    timeout = Duration.ofMillis(Long.parseLong(part.substring(8)));
                } else {
                    throw new IllegalArgumentException("remote cache URI " + redact(uri) + ": unknown query part "
                            + part.replaceAll("=.*", "=...") + " (the one known is timeout=MILLIS)");
                }
            }
        }
        return new RemoteCacheConfig(uri, timeout, DEFAULT_TTL, DEFAULT_MAX_ENTRY_BYTES, DEFAULT_LOCK_TIMEOUT,
                DEFAULT_BREAKER_PAUSE, DEFAULT_NAMESPACE);
    }

    /**
     * The defaults for a server at {@code uri}.
     *
     * @throws IllegalArgumentException for a malformed URI, or one that is not {@code redis://} or {@code rediss://}
     */
    public static RemoteCacheConfig of(String uri) {
        try {
            return of(new URI(uri.strip()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed remote cache URI: " + e.getMessage(), e);
        }
    }

    public RemoteCacheConfig withTimeout(Duration t) {
        return new RemoteCacheConfig(uri, t, ttl, maxEntryBytes, lockTimeout, breakerPause, namespace);
    }

    public RemoteCacheConfig withTtl(Duration t) {
        return new RemoteCacheConfig(uri, timeout, t, maxEntryBytes, lockTimeout, breakerPause, namespace);
    }

    public RemoteCacheConfig withMaxEntryBytes(long bytes) {
        return new RemoteCacheConfig(uri, timeout, ttl, bytes, lockTimeout, breakerPause, namespace);
    }

    public RemoteCacheConfig withLockTimeout(Duration t) {
        return new RemoteCacheConfig(uri, timeout, ttl, maxEntryBytes, t, breakerPause, namespace);
    }

    public RemoteCacheConfig withBreakerPause(Duration t) {
        return new RemoteCacheConfig(uri, timeout, ttl, maxEntryBytes, lockTimeout, t, namespace);
    }

    public RemoteCacheConfig withNamespace(String ns) {
        return new RemoteCacheConfig(uri, timeout, ttl, maxEntryBytes, lockTimeout, breakerPause, ns);
    }

    /** The URI without its password, for messages. */
    public String displayUri() {
        return redact(uri);
    }

    static String redact(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri.toString();
        }
        return uri.getScheme() + "://***@" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    @Override
    public String toString() {
        return "RemoteCacheConfig[" + displayUri() + ", timeout " + timeout.toMillis() + " ms, ttl " + ttl
                + ", max " + maxEntryBytes + " bytes, lock " + lockTimeout.toMillis() + " ms, namespace " + namespace
                + "]";
    }
}
