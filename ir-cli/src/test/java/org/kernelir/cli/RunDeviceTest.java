package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kir run --device}: the CPU gives the same files as before; a device nobody provides is refused. */
class RunDeviceTest {

    @TempDir
    static Path dir;

    static KirRunner kir;

    @BeforeAll
    static void home() {
        kir = new KirRunner(dir);
    }

    @Test
    void onTheCpuTheOutputFilesAreTheSameBytes() throws IOException {
        Path plain = dir.resolve("plain");
        Path onCpu = dir.resolve("on-cpu");
        KirRunner.Result a = kir.run("run", "--example", "tiny", "--no-cache", "--seed", "3", "--outputs",
                plain.toString());
        KirRunner.Result b = kir.run("run", "--example", "tiny", "--no-cache", "--seed", "3", "--device", "cpu",
                "--outputs", onCpu.toString());
        assertEquals(0, a.code(), a.toString());
        assertEquals(0, b.code(), b.toString());
        try (var files = Files.list(plain)) {
            for (Path f : files.toList()) {
                assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(onCpu.resolve(f.getFileName())),
                        f.getFileName().toString());
            }
        }
        assertEquals("cpu", kir.run("run", "--example", "tiny", "--no-cache", "--device", "cpu", "--json").json()
                .get("device").asText());
    }

    @Test
    void aDeviceNoRuntimeProvidesIsRefusedListingTheDevices() {
        KirRunner.Result r = kir.run("run", "--example", "tiny", "--no-cache", "--device", "cuda:0");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("kir run: --device cuda:0: no loaded device runtime provides device cuda:0; the "
                + "devices here are: cpu"), r.toString());
        assertTrue(!r.err().contains("\tat "), r.toString());

        KirRunner.Result bad = kir.run("run", "--example", "tiny", "--no-cache", "--device", "GPU");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("unknown device 'GPU'"), bad.toString());
    }
}
