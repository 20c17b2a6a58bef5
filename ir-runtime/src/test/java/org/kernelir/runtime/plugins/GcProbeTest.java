package org.kernelir.runtime.plugins;

import static org.kernelir.runtime.plugins.Fixtures.*;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.op.IrOps;
import org.kernelir.runtime.KernelIr;

class GcProbeTest {
    @TempDir Path dir;

    @Test
    void noDispatch() {
        goodPlugin(dir);
        try (KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            WeakReference<ClassLoader> ref = unloadOnly(ir);
            PluginLifecycleTest.awaitCollected(ref);
        }
    }

    @Test
    void dispatchThenRedispatchAfterUnload() {
        goodPlugin(dir);
        try (KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            WeakReference<ClassLoader> ref = dispatchUnload(ir);
            rmsNormProvider(ir);
            PluginLifecycleTest.awaitCollected(ref);
        }
    }

    private static WeakReference<ClassLoader> unloadOnly(KernelIr ir) {
        WeakReference<ClassLoader> ref = new WeakReference<>(ir.registry().implementation(IrOps.RMS_NORM, GOOD).orElseThrow().fn().getClass().getClassLoader());
        ir.unloadPlugin(GOOD_ID);
        return ref;
    }

    private static WeakReference<ClassLoader> dispatchUnload(KernelIr ir) {
        assertRmsNormMatchesNative(ir);
        WeakReference<ClassLoader> ref = new WeakReference<>(ir.registry().implementation(IrOps.RMS_NORM, GOOD).orElseThrow().fn().getClass().getClassLoader());
        ir.unloadPlugin(GOOD_ID);
        return ref;
    }
}
