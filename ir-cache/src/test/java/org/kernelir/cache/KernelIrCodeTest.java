package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity of a JAR of kernel-ir code, read from its central directory. */
class KernelIrCodeTest {

    @TempDir
    Path dir;

    private static final Map<String, String> CLASSES = new TreeMap<>(Map.of(
            "org/kernelir/core/A.class", "class A bytes",
            "org/kernelir/passes/B.class", "class B bytes",
            "com/example/C.class", "a bundled library"));

    private Path jar(String name, Map<String, String> entries, String comment) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setTime(1_767_225_600_000L); // fixed, as the build fixes it
                zip.putNextEntry(entry);
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            if (comment != null) {
                zip.setComment(comment);
            }
        }
        return p;
    }

    @Test
    void copiesOfOneJarHaveOneIdentityWhereverTheyAre() throws IOException {
        Path a = jar("a.jar", CLASSES, null);
        Path b = Files.createDirectories(dir.resolve("elsewhere")).resolve("kir.jar");
        Files.copy(a, b);
        Files.setLastModifiedTime(b, java.nio.file.attribute.FileTime.fromMillis(0));
        assertEquals(KernelIrCode.ofJar(a), KernelIrCode.ofJar(b));
        assertTrue(KernelIrCode.ofJar(a).matches("jar:3:\\d+:[0-9a-f]{16}"), KernelIrCode.ofJar(a));
        // The same entries written again give the same JAR, and so the same identity.
        assertEquals(KernelIrCode.ofJar(a), KernelIrCode.ofJar(jar("again.jar", CLASSES, null)));
    }

    @Test
    void anyChangedEntryGivesANewIdentity() throws IOException {
        String base = KernelIrCode.ofJar(jar("a.jar", CLASSES, null));
        Map<String, String> changedClass = new TreeMap<>(CLASSES);
        changedClass.put("org/kernelir/passes/B.class", "class B bytes, rebuilt");
        Map<String, String> changedLibrary = new TreeMap<>(CLASSES);
        changedLibrary.put("com/example/C.class", "a bundled library, upgraded");
        Map<String, String> added = new TreeMap<>(CLASSES);
        added.put("org/kernelir/passes/D.class", "a new pass");
        for (Map<String, String> other : java.util.List.of(changedClass, changedLibrary, added)) {
            assertNotEquals(base, KernelIrCode.ofJar(jar("other.jar", other, null)), other.toString());
        }
    }

    @Test
    void aJarWithACommentIsReadToo() throws IOException {
        assertEquals(KernelIrCode.ofJar(jar("a.jar", CLASSES, null)),
                KernelIrCode.ofJar(jar("commented.jar", CLASSES, "built by kernel-ir")));
        // A comment that holds the end record's signature is not taken for the record.
        assertEquals(KernelIrCode.ofJar(jar("a.jar", CLASSES, null)),
                KernelIrCode.ofJar(jar("tricky.jar", CLASSES, "PK\u0005\u0006 and more text after it")));
    }

    @Test
    void aFileThatIsNotAZipIsAnErrorTheCallerFallsBackOn() throws IOException {
        Path notZip = Files.writeString(dir.resolve("plain.jar"), "not a zip at all");
        IOException e = assertThrows(IOException.class, () -> KernelIrCode.ofJar(notZip));
        assertTrue(e.getMessage().contains("no ZIP end-of-central-directory record"), e.getMessage());
        Path truncated = dir.resolve("truncated.jar");
        byte[] whole = Files.readAllBytes(jar("a.jar", CLASSES, null));
        Files.write(truncated, java.util.Arrays.copyOfRange(whole, whole.length / 2, whole.length));
        assertThrows(IOException.class, () -> KernelIrCode.ofJar(truncated));
    }

    @Test
    void theLibrarysOwnIdentityIsStable() {
        assertEquals(KernelIrCode.identity(), KernelIrCode.identity());
        assertTrue(KernelIrCode.identity(KernelIrCodeTest.class).startsWith(KernelIrCode.identity()));
    }
}
