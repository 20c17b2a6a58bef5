package org.kernelir.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier: one file per key in a folder that several processes may share.
 *
 * <p>An entry is {@code <key hash>.kir}, in UTF-8:
 *
 * <pre>
 * kernel-ir-replacement 1
 * &lt;the key's text(), several lines&gt;
 * &lt;GraphJson.write(graph)&gt;
 * sha256 &lt;64 hex digits: the SHA-256 of everything above&gt;
 * </pre>
 *
 * <p>Writers write a temporary file and rename it over the entry, so readers see a whole old entry or a whole new
 * one; no locks. A reader trusts an entry only when its checksum and its stored key text both match; anything
 * else is deleted with one warning and reads as absent. The folder is kept under its bound by deleting the least
 * recently used entries, where a hit counts as a use (it touches the file).
 */
final class DiskTier {

    private static final Logger log = LoggerFactory.getLogger(DiskTier.class);

    /** The subfolder of the configured directory; a new file format gets a new folder. */
    static final String FOLDER_NAME = "replacements-v1";
    static final String SUFFIX = ".kir";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final byte[] HEADER = "kernel-ir-replacement 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRAILER_TAG = "sha256 ".getBytes(StandardCharsets.US_ASCII);
    private static final int TRAILER_LENGTH = TRAILER_TAG.length + 64 + 1;
    /** Other processes grow the folder too; a periodic rescan notices that without a scan per write. */
    private static final int RESCAN_EVERY_WRITES = 64;
    /** A temporary file this old was left by a writer that died; live writers rename theirs within moments. */
    private static final Duration ABANDONED_TEMP_AGE = Duration.ofHours(1);

    private final Path folder;
    private final long maxBytes;
    private final LongAdder errors = new LongAdder();
    private final AtomicLong approxBytes = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicBoolean warnedWriteFailure = new AtomicBoolean();
    private final Object scanLock = new Object();

    DiskTier(Path directory, long maxBytes) {
        this.folder = directory.resolve(FOLDER_NAME);
        this.maxBytes = maxBytes;
    }

    /** The folder holding the entries. */
    Path folder() {
        return folder;
    }

    /** Entries discarded and writes that failed. */
    long errors() {
        return errors.sum();
    }

    Path fileFor(ReplacementKey key) {
        return folder.resolve(key.hash() + SUFFIX);
    }

    /** The graph stored for {@code key}, or {@code null} when there is none or it cannot be trusted. */
    Graph read(ReplacementKey key) {
        Path file = fileFor(key);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (Files.isRegularFile(file)) {
                discard(file, "cannot read it: " + e);
            } else {
                // No entry there: the folder itself is missing or in the way, which the first write reports.
                log.debug("Cannot read {}", file, e);
            }
            return null;
        }
        Graph graph;
        try {
            graph = decode(bytes, key.text());
        } catch (BadEntry e) {
            discard(file, e.getMessage());
            return null;
        }
        touch(file);
        return graph;
    }

    /** Stores {@code graph} for {@code key}. Never throws: a failed write is logged and forgotten. */
    void write(ReplacementKey key, Graph graph) {
        Path file = fileFor(key);
        Path tmp = null;
        try {
            byte[] entry = encode(key, graph);
            Files.createDirectories(folder);
            tmp = Files.createTempFile(folder, TEMP_PREFIX, ".part");
            Files.write(tmp, entry);
            // rename(2) replaces the entry atomically, for readers in this process and in any other.
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            afterWrite(entry.length);
        } catch (IOException | RuntimeException e) {
            errors.increment();
            // A full or read-only disk would fail every write: say so once, loudly, then quietly.
            if (warnedWriteFailure.compareAndSet(false, true)) {
                log.warn("Cannot write replacement cache entry {}: {}. Replacements stay cached in memory; further"
                        + " write failures are logged at debug level.", file, e.toString());
            } else {
                log.debug("Cannot write replacement cache entry {}", file, e);
            }
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /** Deletes every entry. Temporary files are left to the writers that own them. */
    void clear() {
        synchronized (scanLock) {
            for (Entry e : scan()) {
                deleteQuietly(e.file());
            }
            approxBytes.set(0);
        }
    }

    static byte[] encode(ReplacementKey key, Graph graph) {
        byte[] body = concat(HEADER, (key.text() + GraphJson.write(graph)).getBytes(StandardCharsets.UTF_8));
        String trailer = "sha256 " + sha256(body, body.length) + "\n";
        return concat(body, trailer.getBytes(StandardCharsets.US_ASCII));
    }

    static Graph decode(byte[] bytes, String keyText) throws BadEntry {
        if (!startsWith(bytes, HEADER)) {
            throw new BadEntry(startsWith(HEADER, bytes) ? "truncated" : "not a kernel-ir-replacement 1 entry");
        }
        int bodyEnd = bytes.length - TRAILER_LENGTH;
        if (bodyEnd < HEADER.length || !hasTrailer(bytes, bodyEnd)) {
            throw new BadEntry("truncated");
        }
        String stored = new String(bytes, bodyEnd + TRAILER_TAG.length, 64, StandardCharsets.US_ASCII);
        if (!stored.equals(sha256(bytes, bodyEnd))) {
            throw new BadEntry("checksum mismatch");
        }
        String body = new String(bytes, HEADER.length, bodyEnd - HEADER.length, StandardCharsets.UTF_8);
        // The file name is only a hash: the stored key text is what proves the entry is this key's.
        if (!body.startsWith(keyText) || !body.startsWith("{", keyText.length())) {
            throw new BadEntry("key mismatch: it was stored for another key (a hash collision or a misplaced file)");
        }
        try {
            return GraphJson.read(body.substring(keyText.length()));
        } catch (RuntimeException e) {
            throw new BadEntry("unreadable graph: " + e.getMessage());
        }
    }

    private void discard(Path file, String problem) {
        errors.increment();
        log.warn("Discarding replacement cache entry {}: {}. It is deleted, and the replacement is traced again.",
                file, problem);
        deleteQuietly(file);
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // Evicted or replaced meanwhile: the hit stands, only its recency is lost.
            log.debug("Cannot touch {}", file, e);
        }
    }

    private void afterWrite(long bytes) {
        long total = approxBytes.addAndGet(bytes);
        // The first write scans, since the folder may hold entries from earlier runs. A replaced entry is
        // counted twice until the next scan, which only brings that scan sooner.
        boolean periodic = writes.getAndIncrement() % RESCAN_EVERY_WRITES == 0;
        if (total > maxBytes || periodic) {
            evictIfNeeded();
        }
    }

    private void evictIfNeeded() {
        synchronized (scanLock) {
            List<Entry> entries = scan();
            long total = entries.stream().mapToLong(Entry::size).sum();
            if (total > maxBytes) {
                // Down to 90%, so that the next writes do not each pay for a scan.
                long target = maxBytes / 10 * 9;
                long before = total;
                int deleted = 0;
                entries.sort(Comparator.comparing(Entry::lastUsed));
                for (Entry e : entries) {
                    if (total <= target) {
                        break;
                    }
                    deleteQuietly(e.file());
                    total -= e.size();
                    deleted++;
                }
                log.debug("Evicted {} replacement cache entries from {} ({} -> {} bytes, bound {})", deleted, folder,
                        before, total, maxBytes);
            }
            approxBytes.set(total);
        }
    }

    /** The entries in the folder; deletes temporary files that their writers abandoned. */
    private List<Entry> scan() {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(folder)) {
            Instant abandoned = Instant.now().minus(ABANDONED_TEMP_AGE);
            for (Path p : dir) {
                String name = p.getFileName().toString();
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (name.endsWith(SUFFIX) && a.isRegularFile()) {
                        entries.add(new Entry(p, a.size(), a.lastModifiedTime()));
                    } else if (name.startsWith(TEMP_PREFIX) && a.lastModifiedTime().toInstant().isBefore(abandoned)) {
                        deleteQuietly(p);
                    }
                } catch (IOException e) {
                    // Deleted by another process between listing and reading: not there, then.
                }
            }
        } catch (NoSuchFileException e) {
            return entries;
        } catch (IOException e) {
            log.debug("Cannot list {}", folder, e);
        }
        return entries;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("Cannot delete {}", file, e);
        }
    }

    private static boolean hasTrailer(byte[] bytes, int at) {
        if (!Arrays.equals(bytes, at, at + TRAILER_TAG.length, TRAILER_TAG, 0, TRAILER_TAG.length)
                || bytes[bytes.length - 1] != '\n') {
            return false;
        }
        for (int i = at + TRAILER_TAG.length; i < bytes.length - 1; i++) {
            if (Character.digit(bytes[i], 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String sha256(byte[] bytes, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, 0, length);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private record Entry(Path file, long size, FileTime lastUsed) {
    }

    /** Why an entry cannot be trusted; the message goes into the warning. */
    static final class BadEntry extends Exception {
        BadEntry(String problem) {
            super(problem, null, false, false);
        }
    }
}
