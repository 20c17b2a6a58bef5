package org.kernelir.cache;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.provider.Fingerprints;

/**
 * The identity of kernel-ir's own code, which every cache key carries: a traced or lowered graph depends on the
 * tracer, the passes and the graph format as much as on a provider, so entries written by another build of
 * kernel-ir are never read.
 *
 * <p>For a JAR it is computed from the JAR's directory alone, the name, size and CRC-32 of each entry under
 * {@code org/kernelir/}, folded into 128 bits without sorting, hashing bytes or decompressing anything: a process
 * that lowers one model from the cache and exits pays for this once, before its JIT compiler has warmed up, where
 * a SHA-256 over the same listing cost some 80 ms (measured on the 84 MB benchmark JAR). Equal contents give equal
 * identities whatever the entry order or the file's path and time, so machines that install the same JARs share
 * entries. For a class folder (tests, IDEs) it is {@link Fingerprints#of(Class, String)}.
 */
public final class KernelIrCode {

    private static final String PREFIX = "org/kernelir/";
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

    /** 128 bits over (name, size, CRC-32) of each entry under {@code org/kernelir/}, in any order, plus the count. */
    static String ofJar(Path jar) throws IOException {
        long sum = 0;
        long xor = 0;
        int count = 0;
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (entry.isDirectory() || !name.startsWith(PREFIX)) {
                    continue;
                }
                long h = mix(((long) name.hashCode() << 32) ^ entry.getCrc() ^ (entry.getSize() * 0x9E3779B97F4A7C15L));
                sum += h;
                xor ^= mix(h ^ name.length());
                count++;
            }
        }
        HexFormat hex = HexFormat.of();
        return "jar:" + count + ":" + hex.toHexDigits(sum) + hex.toHexDigits(xor);
    }

    /** The 64-bit finalizer of SplitMix64: every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
