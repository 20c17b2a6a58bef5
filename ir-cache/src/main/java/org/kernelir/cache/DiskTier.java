package org.kernelir.cache;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.GraphBinary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier: one file per key in a folder that several processes may share.
 *
 * <p>An entry is {@code <key hash>.kir}, in UTF-8:
 *
 * <pre>
 * kernel-ir-replacement 3
 * &lt;the key's text(), several lines&gt;
 * &lt;the payload: GraphBinary.write(graph) for a replacement; the pipeline's notes and graphs for a lowered graph&gt;
 * crc32 &lt;8 hex digits: the CRC-32 of everything above&gt;
 * </pre>
 *
 * <p>The checksum guards against torn and corrupted files; what proves that an entry belongs to a key is its stored
 * key text (and, for lowered graphs, the stored input graph), compared exactly. CRC-32 rather than a
 * cryptographic digest, because a process that has just started reads many entries before its JIT compiler has
 * warmed up, and CRC-32 runs on a CPU instruction even then (SHA-256 took 30 times longer there); rather than
 * CRC-32C, because that class fills its tables in interpreted code when first used (3 ms, measured).
 *
 * <p>Writers write a temporary file and rename it over the entry, so readers see a whole old entry or a whole new
 * one; no locks. A reader trusts an entry only when its checksum and its stored key text both match; anything
 * else is deleted with one warning and reads as absent. The folder is kept under its bound by deleting the least
 * recently used entries, where a hit counts as a use (it touches the file).
 */
final class DiskTier {

    private static final Logger log = LoggerFactory.getLogger(DiskTier.class);

    /** The subfolder of the configured directory; a new file format gets a new folder. */
    static final String FOLDER_NAME = "replacements-v3";
    static final String SUFFIX = ".kir";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final byte[] HEADER = "kernel-ir-replacement 3\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRAILER_TAG = "crc32 ".getBytes(StandardCharsets.US_ASCII);
    private static final int TRAILER_LENGTH = TRAILER_TAG.length + 8 + 1;
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

    Path fileFor(CacheKey key) {
        return folder.resolve(key.hash() + SUFFIX);
    }

    /**
     * The graph stored for {@code key}, or {@code null} when there is none or it cannot be trusted: besides the
     * checksum and the stored key text, its graph must fit the key (see {@code ReplacementKey.contentProblem}), so a
     * forged entry with a valid checksum but another key's graph is discarded like a corrupt one.
     */
    Graph read(ReplacementKey key) {
        return read(key, payload -> {
            Graph g = GraphBinary.read(payload);
            String problem = key.contentProblem(g);
            if (problem != null) {
                throw new IllegalArgumentException("its graph does not fit its key (" + problem + ")");
            }
            return g;
        });
    }

    /**
     * The entry stored for {@code key}, parsed by {@code parse}, or {@code null} when there is none or it cannot be
     * trusted (a {@code parse} that throws marks the entry unreadable: it is discarded like a corrupt one).
     */
    <T> T read(CacheKey key, Function<byte[], T> parse) {
        // java.io rather than java.nio.file: in a process that has just started, reading 80 entries took 3.7 ms
        // through FileInputStream and 10 ms through Files.readAllBytes (measured), and touching them 2 ms through
        // File.setLastModified and 4 ms through Files.setLastModifiedTime.
        File file = fileFor(key).toFile();
        byte[] bytes;
        try (FileInputStream in = new FileInputStream(file)) {
            bytes = in.readAllBytes();
        } catch (FileNotFoundException e) {
            // The usual miss: no such file. An entry this process may not read is discarded like a corrupt one;
            // anything else (a folder in the entry's place, no file handles left) is a miss, and the write after
            // it reports what is wrong. A file that exists by now but is readable was just written by another
            // process, and is left alone.
            if (file.isFile() && !file.canRead()) {
                discard(file.toPath(), "cannot read it: " + e.getMessage());
            } else if (log.isDebugEnabled() && file.exists()) {
                log.debug("Cannot open {}: {}", file, e.getMessage());
            }
            return null;
        } catch (IOException e) {
            discard(file.toPath(), "cannot read it: " + e);
            return null;
        }
        T value;
        try {
            value = parse(decode(bytes, key.text()), parse);
        } catch (BadEntry e) {
            discard(file.toPath(), e.getMessage());
            return null;
        }
        touch(file);
        return value;
    }

    private static <T> T parse(byte[] payload, Function<byte[], T> parse) throws BadEntry {
        try {
            return Objects.requireNonNull(parse.apply(payload), "nothing parsed");
        } catch (RuntimeException e) {
            throw new BadEntry("unreadable content: " + e.getMessage());
        }
    }

    /** Stores {@code graph} for {@code key}. Never throws: a failed write is logged and forgotten. */
    void write(ReplacementKey key, Graph graph) {
        write(key, GraphBinary.write(graph));
    }

    /** Stores {@code payload} for {@code key}. Never throws: a failed write is logged and forgotten. */
    void write(CacheKey key, byte[] payload) {
        Path file = fileFor(key);
        Path tmp = null;
        try {
            byte[] entry = encode(key, payload);
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
                log.warn("Cannot write cache entry {}: {}. Entries stay cached in memory; further"
                        + " write failures are logged at debug level.", file, e.toString());
            } else {
                log.debug("Cannot write cache entry {}", file, e);
            }
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /** Whether the folder holds a sound entry for {@code key} (read, not touched). */
    boolean holds(ReplacementKey key) {
        try {
            decode(Files.readAllBytes(fileFor(key)), key.text());
            return true;
        } catch (IOException | BadEntry e) {
            return false;
        }
    }

    /**
     * The key texts of the replacement entries in the folder for {@code op} by the provider called
     * {@code providerName}, read from each entry's header (entries that cannot be read are left out).
     */
    List<String> replacementKeyTexts(String op, String providerName) {
        String opLine = "\nop " + op + ".";
        String providerLine = "\nprovider " + providerName + "|";
        List<String> out = new ArrayList<>();
        for (Entry e : scan()) {
            byte[] head;
            try (FileInputStream in = new FileInputStream(e.file().toFile())) {
                head = in.readNBytes(HEADER.length + 4096);
            } catch (IOException ex) {
                continue;
            }
            if (!startsWith(head, HEADER)) {
                continue;
            }
            String text = new String(head, HEADER.length, head.length - HEADER.length, StandardCharsets.UTF_8);
            int args = text.indexOf("\nargs ");
            int end = args < 0 ? -1 : text.indexOf('\n', args + 1);
            if (end < 0) {
                continue;
            }
            String key = text.substring(0, end + 1);
            if (key.startsWith("kernel-ir replacement\n") && key.contains(opLine) && key.contains(providerLine)) {
                out.add(key);
            }
        }
        return out;
    }

    /**
     * The entries in the folder now, each with its kind (read from the key text it stores), size and last use, most
     * recently used first. A file that is not an entry of this format is listed as {@link DiskEntry.Kind#UNKNOWN}.
     */
    List<DiskEntry> list() {
        List<Entry> entries;
        synchronized (scanLock) {
            entries = scan();
        }
        entries.sort(Comparator.comparing(Entry::lastUsed).reversed());
        List<DiskEntry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(new DiskEntry(e.file(), kindOf(e.file()), e.size(), e.lastUsed().toInstant()));
        }
        return out;
    }

    /** The kind of the entry in {@code file}: the first line of the key text after the header says it. */
    private static DiskEntry.Kind kindOf(Path file) {
        byte[] head;
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            head = in.readNBytes(HEADER.length + 64);
        } catch (IOException e) {
            return DiskEntry.Kind.UNKNOWN;
        }
        if (!startsWith(head, HEADER)) {
            return DiskEntry.Kind.UNKNOWN;
        }
        String first = new String(head, HEADER.length, head.length - HEADER.length, StandardCharsets.UTF_8);
        int eol = first.indexOf('\n');
        return switch (eol < 0 ? first : first.substring(0, eol)) {
            case REPLACEMENT_KEY_LINE -> DiskEntry.Kind.REPLACEMENT;
            case LOWERED_GRAPH_KEY_LINE -> DiskEntry.Kind.LOWERED_GRAPH;
            default -> DiskEntry.Kind.UNKNOWN;
        };
    }

    /** The first line of a {@link ReplacementKey}'s text. */
    static final String REPLACEMENT_KEY_LINE = "kernel-ir replacement";
    /** The first line of a {@link LoweredGraphKey}'s text. */
    static final String LOWERED_GRAPH_KEY_LINE = "kernel-ir lowered graph";

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
        return encode(key, GraphBinary.write(graph));
    }

    static byte[] encode(CacheKey key, byte[] payload) {
        byte[] keyText = key.text().getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[HEADER.length + keyText.length + payload.length];
        System.arraycopy(HEADER, 0, body, 0, HEADER.length);
        System.arraycopy(keyText, 0, body, HEADER.length, keyText.length);
        System.arraycopy(payload, 0, body, HEADER.length + keyText.length, payload.length);
        String trailer = "crc32 " + checksum(body, body.length) + "\n";
        return concat(body, trailer.getBytes(StandardCharsets.US_ASCII));
    }

    /** The graph of a replacement entry's bytes, checked as {@link #decode} does. */
    static Graph decodeGraph(byte[] bytes, String keyText) throws BadEntry {
        return parse(decode(bytes, keyText), GraphBinary::read);
    }

    /** The payload of an entry's bytes, after checking its header, checksum and stored key text. */
    static byte[] decode(byte[] bytes, String keyText) throws BadEntry {
        if (!startsWith(bytes, HEADER)) {
            throw new BadEntry(startsWith(HEADER, bytes) ? "truncated" : "not a kernel-ir-replacement 3 entry");
        }
        int bodyEnd = bytes.length - TRAILER_LENGTH;
        if (bodyEnd < HEADER.length || !hasTrailer(bytes, bodyEnd)) {
            throw new BadEntry("truncated");
        }
        String stored = new String(bytes, bodyEnd + TRAILER_TAG.length, 8, StandardCharsets.US_ASCII);
        if (!stored.equals(checksum(bytes, bodyEnd))) {
            throw new BadEntry("checksum mismatch");
        }
        // The file name is only a hash: the stored key text is what proves the entry is this key's. Key texts
        // are whole lines with a fixed structure, so one cannot end inside another.
        byte[] key = keyText.getBytes(StandardCharsets.UTF_8);
        int payloadStart = HEADER.length + key.length;
        if (payloadStart > bodyEnd || !Arrays.equals(bytes, HEADER.length, payloadStart, key, 0, key.length)) {
            throw new BadEntry("key mismatch: it was stored for another key (a hash collision or a misplaced file)");
        }
        return Arrays.copyOfRange(bytes, payloadStart, bodyEnd);
    }

    private void discard(Path file, String problem) {
        errors.increment();
        log.warn("Discarding cache entry {}: {}. It is deleted, and its graph is traced or lowered again.",
                file, problem);
        deleteQuietly(file);
    }

    private static void touch(File file) {
        if (!file.setLastModified(System.currentTimeMillis())) {
            // Evicted or replaced meanwhile: the hit stands, only its recency is lost.
            log.debug("Cannot touch {}", file);
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
                log.debug("Evicted {} cache entries from {} ({} -> {} bytes, bound {})", deleted, folder,
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

    /** The CRC-32 of {@code bytes[0, length)}, as 8 lower-case hex digits. */
    static String checksum(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return HexFormat.of().toHexDigits((int) crc.getValue());
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
