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
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.format.GraphJson;

/** {@code kir lower}: the report, its JSON shape, the written graphs, priorities and the cache. */
class LowerCommandTest {

    @TempDir
    static Path dir;

    static KirRunner kir;

    @BeforeAll
    static void home() {
        kir = new KirRunner(dir);
    }

    @Test
    void theJsonReportHasSelectionsFailuresPassesCacheAndTotal() {
        KirRunner.Result r = kir.run("lower", "--example", "tiny", "--no-cache", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode doc = r.json();
        assertEquals("tiny", doc.get("model").asText());
        assertEquals("default=native", doc.get("priority").asText(), "no provider loaded: native only");
        JsonNode selected = doc.get("selected");
        assertEquals(1, selected.get("rms_norm").get("native").asInt(), doc.toPrettyString());
        assertEquals(4, selected.get("fused_add_rms_norm").get("native").asInt(), doc.toPrettyString());
        assertTrue(doc.get("failed").isArray() && doc.get("failed").isEmpty(), doc.toPrettyString());
        List<String> passes = new ArrayList<>();
        for (JsonNode p : doc.get("passes")) {
            passes.add(p.get("name").asText());
            assertTrue(p.get("ms").asDouble() >= 0, p.toString());
        }
        assertTrue(passes.stream().anyMatch(p -> p.contains("Lowering")), passes.toString());
        JsonNode cache = doc.get("cache");
        for (String k : List.of("hits", "misses", "traces", "disk_hits")) {
            assertTrue(cache.get(k).isIntegralNumber(), k + " in " + cache);
        }
        assertTrue(cache.get("traces").asInt() > 0, "no cache: every replacement is traced");
        double sum = 0;
        for (JsonNode p : doc.get("passes")) {
            sum += p.get("ms").asDouble();
        }
        double total = doc.get("total_ms").asDouble();
        assertTrue(total > 0 && total >= sum * 0.99, "total " + total + " covers the passes " + sum);
    }

    @Test
    void theTextReportNamesEachPart() {
        KirRunner.Result r = kir.run("lower", "--example", "tiny", "--no-cache");
        assertEquals(0, r.code(), r.toString());
        for (String part : List.of("model tiny", "priority: default=native", "selected implementations:",
                "rms_norm", "native x1", "not lowered: none", "passes:", "cache: ", "total: ")) {
            assertTrue(r.out().contains(part), part + " in\n" + r);
        }
    }

    @Test
    void writesTheLoweredGraphAndItsGraphviz() throws IOException {
        Path out = dir.resolve("out/lowered.json");
        Path dot = dir.resolve("out/lowered.dot");
        KirRunner.Result r = kir.run("lower", "--example", "tiny", "--no-cache", "--out", out.toString(), "--dot",
                dot.toString());
        assertEquals(0, r.code(), r.toString());
        Graph lowered = GraphJson.read(out);
        assertTrue(lowered.calls().stream().noneMatch(n -> n.target().namespace().equals("ir")),
                "no IR op is left:\n" + lowered);
        String d = Files.readString(dot);
        assertTrue(d.startsWith("digraph \"tiny\" {"), d);
        assertTrue(d.strip().endsWith("}"), d);
        for (Node n : lowered.calls()) {
            assertTrue(d.contains("\"" + n.name() + "\" ["), n.name());
        }
        assertTrue(r.out().contains("wrote lowered graph to " + out), r.toString());
    }

    @Test
    void aPriorityPicksTheThirdPartyProviderForItsOpOnly() throws IOException {
        Path plugins = TestPlugins.folder(dir, TestPlugins.acme());
        KirRunner.Result r = kir.run("lower", "--example", "tiny", "--plugins", plugins.toString(), "--no-cache",
                "--priority", "rms_norm=acme,native", "--providers", "native", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode doc = r.json();
        assertEquals("default=native rms_norm=acme,native", doc.get("priority").asText());
        assertEquals("{\"acme\":1}", doc.get("selected").get("rms_norm").toString(), doc.toPrettyString());
        assertEquals("{\"native\":4}", doc.get("selected").get("fused_add_rms_norm").toString());
    }

    @Test
    void theDefaultPriorityIsEveryAvailableProviderThenNative() throws IOException {
        Path plugins = TestPlugins.folder(dir, TestPlugins.acme());
        JsonNode doc = kir.run("lower", "--example", "tiny", "--plugins", plugins.toString(), "--no-cache", "--json")
                .json();
        assertEquals("default=acme,native", doc.get("priority").asText());
        assertEquals("{\"acme\":1}", doc.get("selected").get("rms_norm").toString());
    }

    @Test
    void aSecondProcessFindsTheLoweredGraphOnDisk() {
        String cache = dir.resolve("cache").toString();
        JsonNode first = kir.run("lower", "--example", "tiny", "--cache-dir", cache, "--json").json();
        assertTrue(first.get("cache").get("traces").asInt() > 0, first.toPrettyString());
        assertEquals(1, first.get("cache").get("graph_misses").asInt(), first.toPrettyString());
        JsonNode second = kir.run("lower", "--example", "tiny", "--cache-dir", cache, "--json").json();
        assertEquals(0, second.get("cache").get("traces").asInt(), second.toPrettyString());
        assertEquals(1, second.get("cache").get("graph_hits").asInt(), second.toPrettyString());
        assertEquals(first.get("selected"), second.get("selected"));
        assertEquals(first.get("failed"), second.get("failed"));
        assertEquals(first.get("nodes_after"), second.get("nodes_after"));
    }
}
