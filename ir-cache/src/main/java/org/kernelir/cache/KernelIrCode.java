package org.kernelir.cache;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.provider.Fingerprints;

/**
 * The identity of kernel-ir's own code, which every cache key carries: a traced or lowered graph depends on the
 * tracer, the passes and the graph format as much as on a provider, so entries written by another build of
 * kernel-ir are never read.
 *
 * <p>For a JAR it is computed from the JAR's central directory, the list at its end that names every entry with its
 * size, CRC-32 and time: two checksums of those bytes (CRC-32 and Adler-32, native code that needs no warm-up) and
 * their length. A process that lowers one model from the cache and exits pays for this before its JIT compiler has warmed
 * up: checksumming the directory costs well under a millisecond where walking its 4,500 entries one by one cost 12
 * ms, and a SHA-256 of the listing 80 ms (measured on the 84 MB benchmark JAR). Any change to any entry, kernel-ir's
 * or a bundled library's, gives a new identity; copies of one JAR give one identity wherever they are installed,
 * so the machines of a fleet share entries (the build fixes entry times, so that rebuilding the same sources gives
 * the same JAR). For a class folder (tests, IDEs), or a JAR whose directory cannot be read this way (ZIP64), it is
 * {@link Fingerprints#of(Class, String)}.
 */
public final class KernelIrCode {

    /** One identity per code location (ir-core, ir-cache and ir-passes are often one fat JAR); before its users. */
    private static final ConcurrentHashMap<Path, String> BY_LOCATION = new ConcurrentHashMap<>();
    private static final String CORE_AND_CACHE = of(Graph.class, KernelIrCode.class);

    private KernelIrCode() {
    }

    /** The identity of the code of ir-core and ir-cache. */
    public static String identity() {
        return CORE_AND_CACHE;
    }

    /**
     * The identity of the code of ir-core, ir-cache and the code locations of {@code more} (for example a pipeline
     * adds its passes' classes).
     */
    public static String identity(Class<?>... more) {
        Class<?>[] all = new Class<?>[more.length + 2];
        all[0] = Graph.class;
        all[1] = KernelIrCode.class;
        System.arraycopy(more, 0, all, 2, more.length);
        return of(all);
    }

    private static String of(Class<?>... classes) {
        Set<String> parts = new LinkedHashSet<>();
        for (Class<?> c : classes) {
            parts.add(location(c));
        }
        return String.join("+", parts);
    }

    private static String location(Class<?> c) {
        java.security.CodeSource cs = c.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        try {
            if (url != null) {
                Path p = Path.of(url.toURI());
                if (Files.isRegularFile(p)) {
                    String id = BY_LOCATION.get(p);
                    if (id == null) {
                        id = ofJar(p);
                        BY_LOCATION.putIfAbsent(p, id);
                    }
                    return id;
                }
            }
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException
                 | IOException e) {
            // Not a readable JAR: a class folder, or something else; Fingerprints handles both.
        }
        return Fingerprints.of(c, "org.kernelir").sha256();
    }

    /** The end-of-central-directory record: its signature, and its size without the comment that may follow. */
    private static final int END_SIGNATURE = 0x06054b50;
    private static final int END_LENGTH = 22;
    private static final int CENTRAL_SIGNATURE = 0x02014b50;

    /**
     * {@code jar:<entries>:<directory length>:<CRC-32><Adler-32>} of the JAR's central directory.
     *
     * @throws IOException when the file is not a ZIP archive whose directory this reads (ZIP64, or not a ZIP)
     */
    static String ofJar(Path jar) throws IOException {
        try (FileChannel ch = FileChannel.open(jar, StandardOpenOption.READ)) {
            long size = ch.size();
            int tailLength = (int) Math.min(size, END_LENGTH + 0xFFFF);
            byte[] tail = readFully(ch, size - tailLength, tailLength);
            int end = -1;
            for (int i = tailLength - END_LENGTH; i >= 0; i--) {
                // The record's comment must run exactly to the end of the file: a signature inside a comment does not.
                if (le32(tail, i) == END_SIGNATURE && i + END_LENGTH + le16(tail, i + 20) == tailLength) {
                    end = i;
                    break;
                }
            }
            if (end < 0) {
                throw new IOException(jar + " has no ZIP end-of-central-directory record");
            }
            int entries = le16(tail, end + 10);
            long directoryLength = le32(tail, end + 12) & 0xFFFFFFFFL;
            long directoryStart = le32(tail, end + 16) & 0xFFFFFFFFL;
            boolean zip64 = entries == 0xFFFF || directoryLength == 0xFFFFFFFFL || directoryStart == 0xFFFFFFFFL;
            if (zip64 || directoryStart + directoryLength > size - tailLength + end) {
                throw new IOException(jar + " has a ZIP64 or inconsistent central directory");
            }
            byte[] directory = readFully(ch, directoryStart, (int) directoryLength);
            if (entries > 0 && (directory.length < 4 || le32(directory, 0) != CENTRAL_SIGNATURE)) {
                throw new IOException(jar + ": no central directory where its end record says");
            }
            CRC32 crc = new CRC32();
            crc.update(directory);
            Adler32 adler = new Adler32();
            adler.update(directory);
            HexFormat hex = HexFormat.of();
            return "jar:" + entries + ":" + directory.length + ":" + hex.toHexDigits((int) crc.getValue())
                    + hex.toHexDigits((int) adler.getValue());
        }
    }

    private static byte[] readFully(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, at + buf.position()) < 0) {
                throw new IOException("the file ended at byte " + (at + buf.position()));
            }
        }
        return buf.array();
    }

    private static int le16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static int le32(byte[] b, int at) {
        return le16(b, at) | le16(b, at + 2) << 16;
    }
}
