package org.kernelir.core.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * SHA-256 fingerprints of provider code: of the JAR a class came from, or, for a class folder, of every
 * {@code .class} file under it (relative path and bytes, in sorted order, so the result does not depend on
 * the file system's listing order).
 */
public final class Fingerprints {

    private Fingerprints() {
    }

    /** A class's code location and its fingerprint. */
    public record CodeSource(String location, String sha256) {
    }

    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    /** JARs above this size are taken for application fat JARs: only the provider's own classes are hashed. */
    static final long WHOLE_JAR_LIMIT = 8L << 20;

    /** The fingerprint of the code that defines {@code cls}; see {@link #of(Class, String)}. */
    public static CodeSource of(Class<?> cls) {
        return of(cls, cls.getPackageName());
    }

    /**
     * The fingerprint of the code that defines {@code cls}: the SHA-256 of its JAR, or of the class files under
     * its class folder. In a JAR larger than 8 MiB (an application's fat JAR, where hashing everything would cost
     * every start-up hundreds of milliseconds and change with unrelated code), only the entries under
     * {@code packageName} (and its subpackages) are hashed. Results are cached per file and modification time.
     */
    public static CodeSource of(Class<?> cls, String packageName) {
        java.security.CodeSource cs = cls.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        if (url == null) {
            return new CodeSource("unknown", sha256Bytes(classBytes(cls)));
        }
        try {
            Path p = Path.of(url.toURI());
            String prefix = packageName.replace('.', '/') + "/";
            boolean fat = Files.isRegularFile(p) && Files.size(p) > WHOLE_JAR_LIMIT;
            String key = p + "@" + lastModified(p) + (fat ? "#" + prefix : "");
            return new CodeSource(p.toString(), CACHE.computeIfAbsent(key, k -> fat ? ofJarEntries(p, prefix) : of(p)));
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException
                 | IOException e) {
            return new CodeSource(url.toString(), sha256Bytes(classBytes(cls)));
        }
    }

    /**
     * SHA-256 (hex) over the name, size and CRC-32 of each entry of a JAR whose name starts with {@code prefix},
     * in name order. The CRCs come from the JAR's central directory, so nothing is decompressed: this stays a
     * few milliseconds in a cold JVM, where hashing the bytes would take a hundred.
     */
    static String ofJarEntries(Path jar, String prefix) {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            List<? extends java.util.zip.ZipEntry> entries = zip.stream()
                    .filter(e -> !e.isDirectory() && e.getName().startsWith(prefix))
                    .sorted(java.util.Comparator.comparing(java.util.zip.ZipEntry::getName)).toList();
            StringBuilder sb = new StringBuilder();
            for (java.util.zip.ZipEntry e : entries) {
                sb.append(e.getName()).append(' ').append(e.getSize()).append(' ').append(Long.toHexString(e.getCrc()))
                        .append('\n');
            }
            return sha256Bytes(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint " + jar + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 (hex) of a file, or of the class files under a folder. */
    public static String of(Path path) {
        try {
            if (Files.isDirectory(path)) {
                MessageDigest md = sha256();
                List<Path> files;
                try (Stream<Path> s = Files.walk(path)) {
                    files = s.filter(f -> f.toString().endsWith(".class")).sorted().toList();
                }
                for (Path f : files) {
                    md.update(path.relativize(f).toString().replace('\\', '/').getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    md.update(Files.readAllBytes(f));
                }
                return HexFormat.of().formatHex(md.digest());
            }
            MessageDigest md = sha256();
            try (InputStream in = Files.newInputStream(path)) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; ) {
                    md.update(buf, 0, r);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint " + path + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 (hex) of bytes. */
    public static String sha256Bytes(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static long lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static byte[] classBytes(Class<?> cls) {
        String res = cls.getName().replace('.', '/') + ".class";
        try (InputStream in = cls.getClassLoader() == null ? ClassLoader.getSystemResourceAsStream(res)
                : cls.getClassLoader().getResourceAsStream(res)) {
            return in == null ? cls.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8) : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
