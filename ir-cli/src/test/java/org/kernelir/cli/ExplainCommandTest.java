package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kir explain}, the native-fallback count and {@code --no-native-fallback}, with the acme example provider
 * loaded as a real plugin JAR from a folder of its own, and real cache folders.
 */
class ExplainCommandTest {

    @TempDir
    static Path dir;

    static KirRunner kir;
    static Path acmeFolder;

    @BeforeAll
    static void home() throws IOException {
        kir = new KirRunner(dir);
        acmeFolder = TestPlugins.folder(dir, TestPlugins.acme());
        // llama-70b-shaped is bfloat16, which acme declines.
        Files.copy(PluginJars.repositoryRoot().resolve("examples/models/llama-70b-shaped.json"),
                kir.home().resolve("examples/models/llama-70b-shaped.json"));
    }

    private static JsonNode node(JsonNode doc, String name) {
        for (JsonNode n : doc.get("nodes")) {
            if (n.get("node").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no node " + name + " in " + doc.toPrettyString());
    }

    @Test
    void aChosenProviderAndTheOnesNotReached() {
        KirRunner.Result r = kir.run("explain", "--example", "tiny", "--plugins", acmeFolder.toString(), "--priority",
                "rms_norm=acme,native", "--no-cache", "--op", "rms_norm", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode n = node(r.json(), "rms_norm");
        assertEquals("acme", n.get("chosen").asText());
        assertEquals("chosen", n.get("candidates").get(0).get("verdict").asText());
        assertEquals("not-reached", n.get("candidates").get(1).get("verdict").asText());
        assertEquals("off", n.get("cache").get("status").asText(), "--no-cache");
        assertEquals(1, r.json().get("nodes").size(), "--op rms_norm keeps only rms_norm nodes");
    }

    @Test
    void aDeclinedSupportsRuleNamesItsCondition() {
        KirRunner.Result r = kir.run("explain", "--example", "llama-70b-shaped", "--plugins", acmeFolder.toString(),
                "--no-default-plugins", "--priority", "rms_norm=acme,native", "--no-cache", "--op", "rms_norm",
                "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode n = r.json().get("nodes").get(0);
        JsonNode acme = n.get("candidates").get(0);
        assertEquals("declined", acme.get("verdict").asText(), n.toPrettyString());
        assertEquals("condition 'x is float32, contiguous, on the cpu' is false", acme.get("reason").asText());
        assertEquals("native", n.get("chosen").asText());
        assertTrue(n.get("fell_back_to_native").asBoolean());
        assertTrue(r.json().get("native_fallbacks").get("rms_norm").asInt() > 0, r.json().toPrettyString());
    }

    @Test
    void aProviderWithoutTheOpAndTheFallbackCount() {
        KirRunner.Result r = kir.run("explain", "--example", "tiny", "--plugins", acmeFolder.toString(),
                "--providers", "acme", "--no-cache", "--node", "fused_add_rms_norm");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("acme    not-implemented provider acme has no implementation of "
                + "fused_add_rms_norm"), r.out());
        assertTrue(r.out().contains("(fell back to native)"), r.out());

        KirRunner.Result lower = kir.run("lower", "--example", "tiny", "--plugins", acmeFolder.toString(),
                "--providers", "acme", "--no-cache", "--json");
        assertEquals(0, lower.code(), lower.toString());
        assertEquals(4, lower.json().get("native_fallbacks").get("fused_add_rms_norm").asInt(), lower.out());
        assertTrue(lower.json().get("native_fallbacks").get("rms_norm") == null, "acme lowered rms_norm");

        KirRunner.Result strict = kir.run("lower", "--example", "tiny", "--plugins", acmeFolder.toString(),
                "--providers", "acme", "--no-cache", "--no-native-fallback");
        assertEquals(1, strict.code(), strict.toString());
        assertTrue(strict.err().contains("fell back to native on") && strict.err().contains("fused_add_rms_norm x4"),
                strict.err());
    }

    @Test
    void aCacheMissSaysWhichPartOfTheKeyDiffers() throws IOException {
        Path cache = Files.createTempDirectory(dir, "cache");
        KirRunner.Result first = kir.run("explain", "--example", "tiny", "--plugins", acmeFolder.toString(),
                "--priority", "rms_norm=acme,native", "--cache-dir", cache.toString(), "--op", "rms_norm", "--json");
        assertEquals(0, first.code(), first.toString());
        assertEquals("miss", node(first.json(), "rms_norm").get("cache").get("status").asText());
        assertTrue(node(first.json(), "rms_norm").get("cache").get("reason").asText().startsWith("no entry for op "
                + "rms_norm by provider acme"), first.out());

        // The same provider as another release: same code, another plugin version.
        Path example = PluginJars.repositoryRoot().resolve("examples/third-party-provider/src/main");
        Path v2 = Files.createTempDirectory(dir, "acme2");
        PluginJars.build(example.resolve("java"), example.resolve("resources"), Map.of("Plugin-Id", "acme-kernels",
                "Plugin-Version", "1.0.1", "Plugin-Requires", ">=0.1.0"), v2.resolve("acme-kernels-1.0.1.jar"));
        KirRunner.Result second = kir.run("explain", "--example", "tiny", "--plugins", v2.toString(),
                "--priority", "rms_norm=acme,native", "--cache-dir", cache.toString(), "--op", "rms_norm", "--json");
        assertEquals(0, second.code(), second.toString());
        String reason = node(second.json(), "rms_norm").get("cache").get("reason").asText();
        assertTrue(reason.contains("the provider's version differs (entry 1.0.0, now 1.0.1)"), reason);

        KirRunner.Result third = kir.run("explain", "--example", "tiny", "--plugins", v2.toString(),
                "--priority", "rms_norm=acme,native", "--cache-dir", cache.toString(), "--op", "rms_norm", "--json");
        String status = node(third.json(), "rms_norm").get("cache").get("status").asText();
        assertTrue(status.equals("disk-hit") || third.json().get("lowered_from_cache").size() > 0, third.out());
    }

    @Test
    void anUnknownNodeIsAnError() {
        KirRunner.Result r = kir.run("explain", "--example", "tiny", "--no-cache", "--node", "nowhere");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("has no node nowhere"), r.err());
    }
}
