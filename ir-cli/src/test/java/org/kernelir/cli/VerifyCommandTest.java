package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kir verify}: every implementation against native, as a table; exit 1 when one fails. */
class VerifyCommandTest {

    @TempDir
    static Path dir;

    static KirRunner kir;
    static Path plugins;

    @BeforeAll
    static void home() throws IOException {
        kir = new KirRunner(dir);
        plugins = TestPlugins.folder(dir, TestPlugins.acme(), TestPlugins.wrong());
    }

    @Test
    void aConformingProviderPasses() {
        KirRunner.Result r = kir.run("verify", "--plugins", plugins.toString(), "--provider", "acme", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode doc = r.json();
        assertTrue(doc.get("ok").asBoolean());
        JsonNode row = doc.get("results").get(0);
        assertEquals("acme", row.get("provider").asText());
        assertEquals("rms_norm", row.get("op").asText());
        assertEquals("passed", row.get("status").asText());
        assertTrue(row.get("passed").asInt() > 0, row.toString());
        assertEquals(0, row.get("failed").asInt());
        assertTrue(row.get("unsupported").asInt() > 0, "f16, bf16, weight=None... are left to native: " + row);
    }

    @Test
    void aWrongProviderFailsWithTheSample() {
        KirRunner.Result r = kir.run("verify", "--plugins", plugins.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("PROVIDER") && r.out().contains("STATUS"), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("acme ") && l.endsWith("passed")), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("wrong ") && l.endsWith("FAILED")), r.toString());
        assertTrue(r.out().contains("op rms_norm, provider wrong, sample f32"), r.toString());
        assertTrue(r.err().contains("[rms_norm@wrong] do not match native"), r.toString());
    }

    @Test
    void filtersByOpAndNamesAnUnknownProvider() {
        KirRunner.Result r = kir.run("verify", "--plugins", plugins.toString(), "--op", "silu_and_mul", "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(0, r.json().get("results").size(), "neither provider implements silu_and_mul");
        KirRunner.Result unknown = kir.run("verify", "--plugins", plugins.toString(), "--provider", "cuda");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("provider 'cuda' is not loaded; loaded providers: [acme, wrong]"),
                unknown.toString());
    }
}
