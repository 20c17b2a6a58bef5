package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cli.io.Npy;
import org.kernelir.cli.model.RandomInputs;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.passes.examples.ExampleModels;

/** {@code kir run}: lowered against native, npy inputs and outputs, and a wrong provider caught. */
class RunCommandTest {

    @TempDir
    static Path dir;

    static KirRunner kir;

    @BeforeAll
    static void home() {
        kir = new KirRunner(dir);
    }

    @Test
    void theLoweredTinyModelMatchesNativeWithinTolerance() throws IOException {
        Path plugins = TestPlugins.folder(dir, TestPlugins.acme());
        KirRunner.Result r = kir.run("run", "--example", "tiny", "--plugins", plugins.toString(), "--no-cache",
                "--priority", "rms_norm=acme,native", "--compare", "native", "--seed", "7", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode doc = r.json();
        assertEquals("{\"acme\":1}", doc.get("selected").get("rms_norm").toString());
        JsonNode outputs = doc.get("outputs");
        assertTrue(outputs.size() >= 1, doc.toPrettyString());
        for (JsonNode o : outputs) {
            assertTrue(o.get("name").isTextual(), o.toString());
            assertEquals("f32", o.get("dtype").asText());
            assertEquals("[8,64]", o.get("shape").toString(), "s0 defaults to 8");
            assertTrue(o.get("max_abs_err").isNumber() && o.get("max_rel_err").isNumber(), o.toString());
            assertTrue(o.get("max_abs_err").asDouble() <= o.get("atol").asDouble() + 1e-3, o.toString());
            assertTrue(o.get("within_tolerance").asBoolean(), o.toString());
        }
        assertEquals(7, doc.get("inputs").get("seed").asInt());
    }

    @Test
    void aWrongProviderIsCaughtByTheComparison() throws IOException {
        Path plugins = TestPlugins.folder(dir, TestPlugins.wrong());
        KirRunner.Result r = kir.run("run", "--example", "tiny", "--plugins", plugins.toString(), "--no-cache",
                "--priority", "rms_norm=wrong,native", "--compare", "native", "--json");
        assertEquals(1, r.code(), r.toString());
        JsonNode o = r.json().get("outputs").get(0);
        assertFalse(o.get("within_tolerance").asBoolean(), o.toString());
        assertTrue(o.get("max_abs_err").asDouble() > 1e-3, o.toString());
        assertTrue(r.err().contains("differ from native beyond tolerance"), r.toString());

        KirRunner.Result text = kir.run("run", "--example", "tiny", "--plugins", plugins.toString(), "--no-cache",
                "--priority", "rms_norm=wrong,native", "--compare", "native");
        assertEquals(1, text.code());
        assertTrue(text.out().contains("MAX_ABS_ERR") && text.out().contains(" NO"), text.toString());
    }

    @Test
    void readsNpyInputsAndWritesNpyOutputs() throws IOException {
        Graph tiny = ExampleModels.tiny().graphs().getFirst();
        List<CpuTensor> inputs = RandomInputs.of(tiny, java.util.Map.of("s0", 5L), 3);
        Path in = Files.createDirectories(dir.resolve("inputs"));
        for (int i = 0; i < inputs.size(); i++) {
            Npy.write(inputs.get(i), in.resolve(tiny.placeholders().get(i).name() + ".npy"));
        }
        Path out = dir.resolve("outputs");
        KirRunner.Result r = kir.run("run", "--example", "tiny", "--no-cache", "--inputs", in.toString(),
                "--outputs", out.toString(), "--compare", "native");
        assertEquals(0, r.code(), r.toString());
        String name = ((Node) tiny.outputs().getFirst()).name();
        CpuTensor y = Npy.read(out.resolve(name + ".npy"));
        assertArrayEquals(new long[] {5, 64}, y.sizes(), "s0 comes from the input files");
        assertTrue(r.out().contains("wrote " + out.resolve(name + ".npy")), r.toString());
        assertTrue(r.out().contains("yes"), r.toString());

        // The same inputs again give the same outputs, bit for bit.
        Path out2 = dir.resolve("outputs2");
        assertEquals(0, kir.run("run", "--example", "tiny", "--no-cache", "--inputs", in.toString(), "--outputs",
                out2.toString()).code());
        assertArrayEquals(y.toDoubleArray(), Npy.read(out2.resolve(name + ".npy")).toDoubleArray());
    }

    @Test
    void aMissingInputFileIsNamed() throws IOException {
        Path in = Files.createDirectories(dir.resolve("empty-inputs"));
        KirRunner.Result r = kir.run("run", "--example", "tiny", "--no-cache", "--inputs", in.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("kir run: input file " + in.resolve(
                ExampleModels.tiny().graphs().getFirst().placeholders().getFirst().name() + ".npy") + " is missing"),
                r.toString());
    }

    @Test
    void theSeedDecidesTheRandomInputs() {
        JsonNode a = kir.run("run", "--example", "tiny", "--no-cache", "--seed", "1", "--sym", "s0=3", "--json").json();
        assertEquals("[3,64]", a.get("outputs").get(0).get("shape").toString());
        assertEquals(3, a.get("inputs").get("symbols").get("s0").asInt());
        KirRunner.Result bad = kir.run("run", "--example", "tiny", "--no-cache", "--sym", "tokens=3");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("has no symbolic dimension tokens"), bad.toString());
    }
}
