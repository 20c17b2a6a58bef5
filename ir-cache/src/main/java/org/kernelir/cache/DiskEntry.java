package org.kernelir.cache;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a disk tier, as {@link TieredReplacementCache#diskEntries()} lists it.
 *
 * @param file     the entry's file
 * @param kind     what it holds
 * @param bytes    its size
 * @param lastUsed when it was last written or hit
 */
public record DiskEntry(Path file, Kind kind, long bytes, Instant lastUsed) {

    /** What an entry holds. */
    public enum Kind {
        /** The traced graph of one op implementation ({@link ReplacementKey}). */
        REPLACEMENT,
        /** The result of a whole pipeline on one graph ({@link LoweredGraphKey}). */
        LOWERED_GRAPH,
        /** A file in the folder that is not an entry of this format (it is deleted when read as one). */
        UNKNOWN
    }

    public DiskEntry {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(lastUsed, "lastUsed");
    }
}
