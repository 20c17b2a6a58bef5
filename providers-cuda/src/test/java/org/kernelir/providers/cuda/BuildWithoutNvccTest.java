package org.kernelir.providers.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build step without nvcc: it succeeds, writes no fatbin, and records the reason the provider then reports.
 * Runs the real build script (src/build/BuildKernels.java) the way Maven does, with nvcc turned off.
 */
class BuildWithoutNvccTest {

    @Test
    void theModuleBuildsAndTheProviderSaysWhy(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("classes");
        Path gen = dir.resolve("generated");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "src/build/BuildKernels.java", "src/main/cuda", out.toString(),
                dir.resolve("work").toString(), "80,90,100", "90", "none", gen.toString()).redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        assertTrue(log.contains("nvcc not found"), log);
        assertFalse(Files.exists(out.resolve(KernelImage.FATBIN)));
        assertTrue(Files.readString(gen.resolve("org/kernelir/providers/cuda/KernelBuildInfo.java"))
                .contains("FATBIN_SHA256 = \"\""));

        KernelImage image = KernelImage.read(name -> {
            try {
                Path f = out.resolve(name);
                return Files.exists(f) ? Files.newInputStream(f) : (InputStream) null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertFalse(image.built());
        assertEquals("built without CUDA kernels (nvcc was not found at build time)",
                CudaAvailability.probe("libcuda.so.1", image).availability().reason());
    }
}
