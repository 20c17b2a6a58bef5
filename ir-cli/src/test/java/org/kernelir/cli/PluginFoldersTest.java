package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --plugins DIR} adds folders to the installation's {@code plugins/} (repeatable), and
 * {@code --no-default-plugins} leaves that one out; real plugin JARs in real folders.
 */
class PluginFoldersTest {

    @TempDir
    static Path dir;

    static KirRunner kir;
    static Path wrongFolder;
    static Path acmeFolder;

    @BeforeAll
    static void home() throws IOException {
        kir = new KirRunner(dir);
        // The installation's plugins/ holds acme; wrong comes from a folder of its own.
        Files.copy(TestPlugins.acme(), kir.home().resolve("plugins").resolve(TestPlugins.acme().getFileName()));
        wrongFolder = TestPlugins.folder(dir, TestPlugins.wrong());
        acmeFolder = TestPlugins.folder(dir, TestPlugins.acme());
    }

    private static List<String> names(KirRunner.Result r) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : r.json().get("providers")) {
            out.add(p.get("name").asText());
        }
        return out;
    }

    @Test
    void aPluginsFolderAddsToTheDefaultOne() {
        KirRunner.Result r = kir.run("providers", "--plugins", wrongFolder.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("native", "acme", "wrong"), names(r), "the default folder first, then --plugins");
        assertEquals(2, r.json().get("plugins_dirs").size(), r.out());
    }

    @Test
    void noDefaultPluginsLeavesTheInstallationsFolderOut() {
        KirRunner.Result r = kir.run("providers", "--plugins", wrongFolder.toString(), "--no-default-plugins", "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("native", "wrong"), names(r));
    }

    @Test
    void twoPluginsFoldersAndTheDefaultPriorityTakesThemAll() {
        KirRunner.Result r = kir.run("lower", "--example", "tiny", "--no-default-plugins", "--plugins",
                acmeFolder.toString(), "--plugins", wrongFolder.toString(), "--no-cache", "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals("default=acme,wrong,native", r.json().get("priority").asText());
    }

    @Test
    void theBomListsThisVersion() throws IOException {
        Path root = PluginJars.repositoryRoot();
        Matcher parent = Pattern.compile("<artifactId>kernel-ir-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(root.resolve("pom.xml")));
        assertTrue(parent.find());
        String bom = Files.readString(root.resolve("kernel-ir-bom/pom.xml"));
        assertTrue(bom.contains("<artifactId>kernel-ir-bom</artifactId>\n  <version>" + parent.group(1)
                + "</version>") && bom.contains("<kernelir.version>" + parent.group(1) + "</kernelir.version>"),
                "kernel-ir-bom/pom.xml must have the parent's version " + parent.group(1));
        for (String module : List.of("ir-core", "ir-cache", "ir-passes", "ir-runtime", "ir-testkit", "providers-cpu")) {
            assertTrue(bom.contains("<artifactId>" + module + "</artifactId>"), module + " missing from the BOM");
        }
    }
}
