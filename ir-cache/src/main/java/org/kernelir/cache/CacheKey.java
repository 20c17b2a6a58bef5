package org.kernelir.cache;

import java.nio.charset.StandardCharsets;
import org.kernelir.core.provider.Fingerprints;

/**
 * What a cache entry is stored under. Equal keys have equal {@link #text()}; the text says everything the entry
 * depends on, so the disk tier can prove that a file it finds by {@link #hash()} belongs to this key.
 *
 * <p>Two kinds of entries share a cache's tiers: {@link ReplacementKey} (the traced graph of one op
 * implementation) and {@link LoweredGraphKey} (the result of a whole pipeline on one graph).
 */
public sealed interface CacheKey permits ReplacementKey, LoweredGraphKey {

    /** The whole key as canonical text, several lines, each ending in a newline. */
    String text();

    /** The disk tier's file name for this key: by default the SHA-256 (hex) of {@link #text()}. */
    default String hash() {
        return Fingerprints.sha256Bytes(text().getBytes(StandardCharsets.UTF_8));
    }

    /** A short description for log lines, such as {@code rms_norm.default by cpu}. */
    String describe();
}
