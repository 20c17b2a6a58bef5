package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kir providers}: every provider with its source, fingerprint, state and ops; broken plugin JARs. */
class ProvidersCommandTest {

    @TempDir
    static Path dir;

    static KirRunner kir;

    @BeforeAll
    static void home() {
        kir = new KirRunner(dir);
    }

    private static JsonNode provider(JsonNode doc, String name) {
        for (JsonNode p : doc.get("providers")) {
            if (p.get("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no provider " + name + " in " + doc.toPrettyString());
    }

    @Test
    void listsNativeAlways() {
        KirRunner.Result r = kir.run("providers");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("PROVIDER"), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("native ") && l.contains("builtin")
                && l.contains("loaded") && l.contains("every op (8)")), r.toString());

        JsonNode doc = kir.run("providers", "--json").json();
        JsonNode n = provider(doc, "native");
        assertEquals("builtin", n.get("source").asText());
        assertEquals(64, n.get("fingerprint").asText().length(), "a SHA-256 in hex");
        assertTrue(n.get("available").asBoolean());
        List<String> ops = new ArrayList<>();
        n.get("ops").forEach(o -> ops.add(o.asText()));
        assertTrue(ops.containsAll(List.of("rms_norm", "fused_add_rms_norm", "silu_and_mul", "rotary_embedding")), ops.toString());
        assertEquals(dir.resolve("plugins").toString(), doc.get("plugins_dirs").get(0).asText(), "kernelir.home/plugins");
    }

    @Test
    void listsAPluginProviderWithItsPluginJarFingerprintAndOps() throws IOException {
        Path plugins = TestPlugins.folder(dir, TestPlugins.acme());
        KirRunner.Result r = kir.run("providers", "--plugins", plugins.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode acme = provider(r.json(), "acme");
        assertEquals("plugin", acme.get("source").asText());
        assertEquals("acme-kernels@1.0.0", acme.get("plugin").asText());
        assertEquals(plugins.resolve("acme-kernels-1.0.0.jar").toString(), acme.get("location").asText());
        assertEquals("loaded", acme.get("state").asText());
        assertEquals("[\"rms_norm\"]", acme.get("ops").toString());
        assertEquals(64, acme.get("fingerprint").asText().length());

        String text = kir.run("providers", "--plugins", plugins.toString()).out();
        assertTrue(text.lines().anyMatch(l -> l.startsWith("acme ") && l.contains("plugin acme-kernels@1.0.0")
                && l.contains(acme.get("fingerprint").asText().substring(0, 12)) && l.endsWith("rms_norm")), text);
        assertTrue(text.contains("from " + plugins.resolve("acme-kernels-1.0.0.jar")), text);
    }

    @Test
    void reportsABrokenJarAndStillLoadsTheOthers() throws IOException {
        Path plugins = TestPlugins.folder(dir, TestPlugins.acme());
        Files.writeString(plugins.resolve("broken.jar"), "this is not a JAR");
        KirRunner.Result r = kir.run("providers", "--plugins", plugins.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode doc = r.json();
        assertEquals("loaded", provider(doc, "acme").get("state").asText());
        JsonNode broken = doc.get("plugins_not_loaded");
        assertEquals(1, broken.size(), doc.toPrettyString());
        assertEquals(plugins.resolve("broken.jar").toString(), broken.get(0).get("jar").asText());
        assertEquals("failed", broken.get(0).get("state").asText());
        assertTrue(broken.get(0).get("message").asText().contains("not a readable JAR"), doc.toPrettyString());

        String text = kir.run("providers", "--plugins", plugins.toString()).out();
        assertTrue(text.contains("plugin JARs not loaded:"), text);
        assertTrue(text.contains("broken.jar"), text);
    }
}
