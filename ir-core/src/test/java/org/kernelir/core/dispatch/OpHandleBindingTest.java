package org.kernelir.core.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.provider.ProviderRegistry;

/** The eager fast path (argument classes remembered from the last canonical call) never skips a needed check. */
class OpHandleBindingTest {

    private final Dispatcher dispatcher = new Dispatcher(new ProviderRegistry(OpRegistry.standard()),
            Priority.parse("rms_norm=native"));
    private final OpHandle<IrOps.RmsNorm> handle = dispatcher.handle(IrOps.RMS_NORM);
    private final CpuTensor x = Samples.randn(1, DType.F32, 1.0, 2, 8);
    private final CpuTensor w = Samples.randn(2, DType.F32, 1.0, 8);

    private float[] rms(Object... args) {
        return ((CpuTensor) handle.call(args)).toFloatArray();
    }

    @Test
    void callsWithOtherArgumentClassesAreStillNormalizedAndChecked() {
        float[] canonical = ((CpuTensor) handle.call(x, w, 1e-6, 4L)).toFloatArray();
        float[] again = ((CpuTensor) handle.call(x, w, 1e-6, 4L)).toFloatArray();
        assertArrayEquals(canonical, again);
        assertArrayEquals(canonical, rms(x, w, 1e-6, 4), "an Integer variance_size is normalized to a Long");
        float[] noVs = ((CpuTensor) handle.call(x, w, 1e-6, null)).toFloatArray();
        assertArrayEquals(noVs, rms(x, w, 1e-6), "an omitted default is filled in");
        assertTrue(!java.util.Arrays.equals(canonical, noVs), "variance_size changes the result");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> handle.call(x, w, "eps", null));
        assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> handle.call(x, w, null, null));
        assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
    }
}
