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

    /** The fingerprint of the code that defines {@code cls}. */
    public static CodeSource of(Class<?> cls) {
        java.security.CodeSource cs = cls.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        if (url == null) {
            return new CodeSource("unknown", sha256Bytes(classBytes(cls)));
        }
        try {
            Path p = Path.of(url.toURI());
            return new CodeSource(p.toString(), CACHE.computeIfAbsent(p.toString() + "@" + lastModified(p), k -> of(p)));
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return new CodeSource(url.toString(), sha256Bytes(classBytes(cls)));
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
