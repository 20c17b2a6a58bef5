package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Help, exit codes for bad usage (2) and for failures (1), and the one-line messages of failures. */
class UsageTest {

    @TempDir
    static Path dir;

    static KirRunner kir;

    @BeforeAll
    static void home() {
        kir = new KirRunner(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "providers", "lower", "run", "verify", "cache", "cache stats", "cache clear"})
    void everyCommandHasHelpAndExitsZero(String command) {
        String[] args = (command + " --help").strip().split(" ");
        KirRunner.Result r = kir.run(args);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("Usage: kir" + (command.isEmpty() ? "" : " " + command)), r.toString());
        assertTrue(r.out().contains("--help"), r.toString());
    }

    @Test
    void versionExitsZero() {
        KirRunner.Result r = kir.run("--version");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("kir 0.1.0"), r.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",                                        // no command
        "frobnicate",                              // unknown command
        "lower",                                   // no model
        "lower --bogus --example tiny",            // unknown option
        "lower m.json --example tiny",             // model file and example
        "run --example tiny --compare cuda",       // only native to compare with
        "run --example tiny --seed many",          // not a number
        "lower --example tiny --cache-dir d --no-cache",
        "cache",                                   // no subcommand
    })
    void badUsageExitsTwoWithPicocliMessage(String line) {
        KirRunner.Result r = kir.run(line.isEmpty() ? new String[0] : line.split(" "));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.out().isEmpty(), "nothing on stdout: " + r);
        assertTrue(!r.err().isBlank(), r.toString());
    }

    @Test
    void aMissingModelFileExitsOneNamingTheFile() {
        Path missing = dir.resolve("no-such-model.json");
        KirRunner.Result r = kir.run("lower", missing.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
        assertTrue(r.err().startsWith("kir lower: model file " + missing + " does not exist"), r.toString());
        assertTrue(r.out().isEmpty(), r.toString());
    }

    @Test
    void aMalformedModelFileExitsOneWithFileLineAndColumn() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\n  \"format\": \"kernel-ir.graph\",\n  \"version\": 1,\n  \"name\": \"bad\",\n"
                + "  \"nodes\": [\n    {\"name\": \"x\", \"op\": \"placeholder\"}\n  ]\n}\n");
        KirRunner.Result r = kir.run("run", bad.toString(), "--json");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("kir run: cannot read model " + bad + ":6:"), r.toString());
        assertTrue(r.err().contains("(at nodes[0]"), r.toString());
        assertTrue(r.out().isEmpty(), "no JSON for a failure: " + r);

        Files.writeString(bad, "{ not json");
        r = kir.run("lower", bad.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("kir lower: cannot read model " + bad + ":1:"), r.toString());
    }

    @Test
    void anUnknownExampleListsTheExamples() {
        KirRunner.Result r = kir.run("lower", "--example", "huge");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("no example model 'huge'"), r.toString());
        assertTrue(r.err().contains("examples: tiny"), r.toString());
    }

    @Test
    void aPriorityNamingAProviderThatIsNotLoadedExitsOneListingTheLoadedOnes() {
        KirRunner.Result r = kir.run("lower", "--example", "tiny", "--no-cache", "--priority", "rms_norm=acm,native");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("names provider 'acm', which is not loaded; loaded providers: native"), r.toString());
    }

    @Test
    void aMalformedPriorityExitsOneWithTheExpectedForm() {
        KirRunner.Result r = kir.run("lower", "--example", "tiny", "--no-cache", "--priority", "rms_norm");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("must be OP=P1,P2,..."), r.toString());
    }

    @Test
    void aMissingPluginsFolderExitsOne() {
        KirRunner.Result r = kir.run("providers", "--plugins", dir.resolve("nowhere").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("plugins folder " + dir.resolve("nowhere") + " does not exist"), r.toString());
    }
}
