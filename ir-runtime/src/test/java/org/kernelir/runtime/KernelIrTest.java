package org.kernelir.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.trace.Tracer;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.examples.IrOpCalls;
import org.kernelir.runtime.plugins.FixtureJars;

/** The facade: configuration, lowering and running with plugin providers. */
class KernelIrTest {

    @TempDir
    Path dir;

    @Test
    void lowersAndRunsAGraphWithAPluginsProvider() {
        FixtureJars.provider("good", "good").plugin("good-plugin", "1.0.0").write(dir.resolve("good.jar"));
        Graph norm = Tracer.trace("norm", List.of(
                Tracer.input("x", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(4)))),
                Tracer.input("w", TensorMeta.of(DType.F32, List.of(Dim.of(4))))),
                t -> IrOpCalls.standard().call(IrOps.RMS_NORM, t.get(0), t.get(1), 1e-6));
        CpuTensor x = CpuTensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4);
        CpuTensor w = CpuTensor.of(new float[] {0.5f, 1, 1.5f, 2}, 4);
        float[] expected = ((CpuTensor) NativeOps.rmsNorm(x, w, 1e-6, null)).toFloatArray();
        try (KernelIr ir = KernelIr.builder().pluginsDirectory(dir).priority(Priority.parse("rms_norm=good,native"))
                .build()) {
            LoweringResult lowered = ir.lower(norm);
            assertEquals("rms_norm=good", lowered.report().summary());
            assertTrue(lowered.graph().calls().stream().noneMatch(n -> n.target().namespace().equals("ir")),
                    lowered.graph()::toString);
            assertArrayEquals(expected, ir.run(lowered.graph(), List.of(x, w)).getFirst().toFloatArray(), 1e-6f);
            // Unlowered, the IR op node dispatches eagerly.
            assertArrayEquals(expected, ir.run(norm, List.of(x, w)).getFirst().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void theDefaultPluginsFolderIsUnderKernelirHome() {
        String before = System.getProperty(KernelIr.HOME_PROPERTY);
        try {
            System.setProperty(KernelIr.HOME_PROPERTY, dir.toString());
            assertEquals(dir.resolve("plugins").toAbsolutePath(), KernelIr.defaultPluginsDirectory());
            FixtureJars.provider("good", "homed").plugin("homed-plugin", "1.0.0")
                    .write(dir.resolve("plugins").resolve("homed.jar"));
            try (KernelIr ir = KernelIr.builder().build()) {
                assertTrue(ir.registry().find("homed").isPresent());
                assertEquals(dir.resolve("plugins"), ir.pluginHost().orElseThrow().directory());
            }
            System.clearProperty(KernelIr.HOME_PROPERTY);
            assertEquals(Path.of("plugins").toAbsolutePath(), KernelIr.defaultPluginsDirectory());
        } finally {
            if (before == null) {
                System.clearProperty(KernelIr.HOME_PROPERTY);
            } else {
                System.setProperty(KernelIr.HOME_PROPERTY, before);
            }
        }
    }

    @Test
    void theVersionComesFromTheBuild() {
        assertTrue(KernelIr.version().matches("\\d+\\.\\d+\\.\\d+.*"), KernelIr.version());
        assertFalse(KernelIr.version().contains("${"));
    }

    @Test
    void aPriorityWithAnUnknownOpFailsBeforeAnyPluginLoads() {
        FixtureJars.provider("good", "good").plugin("good-plugin", "1.0.0").write(dir.resolve("good.jar"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelIr.builder()
                .pluginsDirectory(dir).priority(Priority.parse("rms_nrom=good,native")).build());
        assertTrue(e.getMessage().contains("rms_nrom"), e::getMessage);
    }

    @Test
    void pluginsCanBeTurnedOff() throws Exception {
        Path jar = FixtureJars.provider("good", "good").plugin("good-plugin", "1.0.0").write(dir.resolve("good.jar"));
        try (KernelIr ir = KernelIr.builder().pluginsDirectory(dir).plugins(false).build()) {
            assertTrue(ir.pluginHost().isEmpty());
            assertEquals(List.of(), ir.plugins());
            assertFalse(ir.registry().find("good").isPresent());
            assertThrows(IllegalStateException.class, () -> ir.loadPlugin(jar));
        }
        assertTrue(Files.exists(jar));
    }
}
