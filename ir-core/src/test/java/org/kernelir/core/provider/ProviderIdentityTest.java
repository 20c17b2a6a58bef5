package org.kernelir.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider identities and code fingerprints: stable for the same code, different when one byte changes. */
class ProviderIdentityTest {

    @TempDir
    Path tmp;

    /** Stand-in class files: any bytes will do, only their identity matters. */
    private static final Map<String, byte[]> CLASSES = new LinkedHashMap<>();

    static {
        CLASSES.put("com/acme/kir/AcmeProvider.class", bytes("provider class bytes"));
        CLASSES.put("com/acme/kir/AcmeKernels.class", bytes("kernels class bytes"));
        CLASSES.put("com/acme/kir/impl/Rms.class", bytes("rms class bytes"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A real JAR with a manifest and the given entries; entry times are fixed so equal input gives equal bytes. */
    private static byte[] jar(Map<String, byte[]> entries) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out)) {
            // The manifest entry gets a fixed time too: JarOutputStream(out, manifest) would stamp it with the
            // current time, and two builds a second apart would differ.
            JarEntry mf = new JarEntry("META-INF/MANIFEST.MF");
            mf.setTime(1_700_000_000_000L);
            jar.putNextEntry(mf);
            manifest.write(jar);
            jar.closeEntry();
            for (var e : entries.entrySet()) {
                JarEntry entry = new JarEntry(e.getKey());
                entry.setTime(1_700_000_000_000L);
                jar.putNextEntry(entry);
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return out.toByteArray();
    }

    @Test
    void classpathIdentityIsStableAcrossCalls() {
        ProviderIdentity a = ProviderIdentity.ofClasspath("acme", ProviderIdentityTest.class);
        ProviderIdentity b = ProviderIdentity.ofClasspath("acme", ProviderIdentityTest.class);
        assertEquals(a, b);
        assertEquals(a.key(), b.key());
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(ProviderIdentity.Source.CLASSPATH, a.source());
        assertTrue(a.fingerprint().matches("[0-9a-f]{64}"), a.fingerprint());
        assertTrue(a.key().startsWith("acme|CLASSPATH|||"), a.key());
        assertTrue(a.describe().startsWith("acme (classpath, sha256:" + a.fingerprint().substring(0, 12)),
                a.describe());
        assertNotEquals(a, ProviderIdentity.ofClasspath("other", ProviderIdentityTest.class), "the name is part of it");
    }

    @Test
    void identityIgnoresTheLocationButNotThePluginVersion() {
        String sha = "0123456789abcdef".repeat(4);
        var here = new ProviderIdentity("acme", ProviderIdentity.Source.PLUGIN, "acme", "1.0.0", "/a/acme.jar", sha);
        var there = new ProviderIdentity("acme", ProviderIdentity.Source.PLUGIN, "acme", "1.0.0", "/b/acme.jar", sha);
        var newer = new ProviderIdentity("acme", ProviderIdentity.Source.PLUGIN, "acme", "1.0.1", "/a/acme.jar", sha);
        assertEquals(here, there);
        assertEquals(here.key(), there.key());
        assertNotEquals(here, newer);
        assertNotEquals(here.key(), newer.key());
        assertEquals("acme (plugin acme@1.0.0, sha256:0123456789ab)", here.describe());
    }

    @Test
    void aJarFingerprintChangesWithOneByteAndIsStableOtherwise() throws IOException {
        byte[] content = jar(CLASSES);
        Path first = Files.write(tmp.resolve("acme-1.0.jar"), content);
        Path copy = Files.write(tmp.resolve("elsewhere-acme.jar"), content);
        Path rebuilt = Files.write(tmp.resolve("rebuilt.jar"), jar(CLASSES));

        String fp = Fingerprints.of(first);
        assertTrue(fp.matches("[0-9a-f]{64}"), fp);
        assertEquals(fp, Fingerprints.of(first), "same file, same fingerprint");
        assertEquals(fp, Fingerprints.of(copy), "the name and place of the file do not matter");
        assertEquals(fp, Fingerprints.of(rebuilt), "the same entries built again");
        assertEquals(Fingerprints.sha256Bytes(content), fp);

        for (int at : new int[] {0, content.length / 2, content.length - 1}) {
            byte[] changed = content.clone();
            changed[at] ^= 1;
            Path p = Files.write(tmp.resolve("changed-" + at + ".jar"), changed);
            assertNotEquals(fp, Fingerprints.of(p), "byte " + at + " of " + content.length + " flipped");
        }

        Map<String, byte[]> patched = new LinkedHashMap<>(CLASSES);
        patched.put("com/acme/kir/impl/Rms.class", bytes("rms class bytez"));
        assertNotEquals(fp, Fingerprints.of(Files.write(tmp.resolve("patched.jar"), jar(patched))));
    }

    private Path classFolder(String name, List<String> creationOrder, Map<String, byte[]> classes) throws IOException {
        Path root = Files.createDirectory(tmp.resolve(name));
        for (String file : creationOrder) {
            Path p = root.resolve(file);
            Files.createDirectories(p.getParent());
            Files.write(p, classes.get(file));
        }
        return root;
    }

    @Test
    void aClassFolderFingerprintFollowsTheClassBytesNotTheCreationOrder() throws IOException {
        List<String> order = List.copyOf(CLASSES.keySet());
        Path forward = classFolder("forward", order, CLASSES);
        Path backward = classFolder("backward", order.reversed(), CLASSES);
        String fp = Fingerprints.of(forward);
        assertEquals(fp, Fingerprints.of(forward));
        assertEquals(fp, Fingerprints.of(backward), "creation order must not matter");

        Files.write(forward.resolve("com/acme/kir/impl/Rms.class"), bytes("rms class bytez"));
        assertNotEquals(fp, Fingerprints.of(forward), "a changed .class file changes the fingerprint");

        Files.write(backward.resolve("com/acme/kir/README.txt"), bytes("not code"));
        assertEquals(fp, Fingerprints.of(backward), "only .class files count");

        Files.move(backward.resolve("com/acme/kir/AcmeKernels.class"), backward.resolve("com/acme/kir/Renamed.class"));
        assertNotEquals(fp, Fingerprints.of(backward), "a renamed class changes the fingerprint");
    }

    @Test
    void aClassFolderFingerprintDiffersFromAnEmptyOne() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Path full = classFolder("full", List.copyOf(CLASSES.keySet()), CLASSES);
        assertNotEquals(Fingerprints.of(empty), Fingerprints.of(full));
        assertEquals(Fingerprints.sha256Bytes(new byte[0]), Fingerprints.of(empty));
    }
}
