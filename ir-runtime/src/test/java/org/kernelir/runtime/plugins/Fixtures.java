package org.kernelir.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.runtime.KernelIr;

/** Shared pieces of the plugin tests: the good plugin, a KernelIr over a folder, an rms_norm call. */
final class Fixtures {

    static final String GOOD_ID = "good-plugin";
    static final String GOOD = "good";

    private Fixtures() {
    }

    /** The plugin every failure test puts next to the broken one: it must load regardless. */
    static Path goodPlugin(Path dir) {
        return FixtureJars.provider("good", GOOD).plugin(GOOD_ID, "1.0.0").attribute("Plugin-Requires", ">=0.1.0")
                .write(dir.resolve("good.jar"));
    }

    /** A KernelIr with only the plugins of {@code dir} (no class-path providers). */
    static KernelIr kernelIr(Path dir, String priority) {
        return KernelIr.builder().pluginsDirectory(dir).classpathProviders(false).priority(Priority.parse(priority))
                .build();
    }

    static CpuTensor x() {
        return CpuTensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
    }

    static CpuTensor w() {
        return CpuTensor.of(new float[] {0.5f, 1, 1.5f, 2}, 4);
    }

    /** The provider dispatch chooses for rms_norm on {@link #x()}. */
    static String rmsNormProvider(KernelIr ir) {
        return ir.dispatcher().select(IrOps.RMS_NORM, new CallArgs(Arrays.asList(x(), w(), 1e-6, null))).provider();
    }

    /** Calls rms_norm through dispatch and checks the result against native. */
    static void assertRmsNormMatchesNative(KernelIr ir) {
        CpuTensor y = (CpuTensor) ir.dispatcher().call1(IrOps.RMS_NORM, x(), w(), 1e-6);
        CpuTensor expected = (CpuTensor) NativeOps.rmsNorm(x(), w(), 1e-6, null);
        assertArrayEquals(expected.toFloatArray(), y.toFloatArray(), 1e-6f);
    }

    /** Asserts that the good plugin loaded and dispatch uses it (with {@code rms_norm=good,...}). */
    static void assertGoodLoadedAndUsed(KernelIr ir) {
        PluginStatus good = status(ir, GOOD_ID);
        assertEquals(LoadState.LOADED, good.state(), good::toString);
        assertEquals(List.of(GOOD), good.providers());
        assertEquals(GOOD, rmsNormProvider(ir));
        assertRmsNormMatchesNative(ir);
    }

    static PluginStatus status(KernelIr ir, String pluginId) {
        return ir.plugins().stream().filter(p -> p.pluginId().equals(pluginId)).findFirst()
                .orElseThrow(() -> new AssertionError("no status for plugin " + pluginId + " in " + ir.plugins()));
    }

    static PluginStatus statusOf(KernelIr ir, Path jar) {
        Path p = jar.toAbsolutePath().normalize();
        return ir.plugins().stream().filter(s -> s.jar().equals(p)).findFirst()
                .orElseThrow(() -> new AssertionError("no status for " + p + " in " + ir.plugins()));
    }
}
