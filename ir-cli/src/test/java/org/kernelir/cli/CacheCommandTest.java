package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kir cache stats|clear} on a cache folder that lowering filled. */
class CacheCommandTest {

    @TempDir
    static Path dir;

    static KirRunner kir;

    @BeforeAll
    static void home() {
        kir = new KirRunner(dir);
    }

    @Test
    void statsCountWhatLoweringStoredAndClearDeletesIt() {
        String cache = dir.resolve("cache").toString();
        JsonNode empty = kir.run("cache", "stats", "--cache-dir", cache, "--json").json();
        assertEquals(0, empty.get("entries").asInt());
        assertEquals(dir.resolve("cache").resolve("replacements-v3").toString(), empty.get("dir").asText());

        JsonNode lowered = kir.run("lower", "--example", "tiny", "--cache-dir", cache, "--json").json();
        int traces = lowered.get("cache").get("traces").asInt();
        JsonNode full = kir.run("cache", "stats", "--cache-dir", cache, "--json").json();
        assertEquals(traces, full.get("replacements").asInt(), "one entry per traced replacement");
        assertEquals(1, full.get("lowered_graphs").asInt(), "one entry for the lowered graph");
        traces += 1;
        assertEquals(traces, full.get("entries").asInt());
        assertTrue(full.get("bytes").asLong() > 0);

        KirRunner.Result text = kir.run("cache", "stats", "--cache-dir", cache);
        assertTrue(text.out().contains(traces + " entries"), text.toString());

        KirRunner.Result clear = kir.run("cache", "clear", "--cache-dir", cache);
        assertEquals(0, clear.code(), clear.toString());
        assertTrue(clear.out().contains(traces + " entries"), clear.toString());
        assertEquals(0, kir.run("cache", "stats", "--cache-dir", cache, "--json").json().get("entries").asInt());
    }
}
