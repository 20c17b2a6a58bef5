package org.kernelir.providers.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.shape.Dim;

/** The provider's supports rules on argument metadata: what the kernels accept, and what goes elsewhere. */
class SupportsTest {

    private static final Dim N = Dim.sym("n");

    private static TensorMeta cuda(DType t, Dim... shape) {
        List<Dim> s = List.of(shape);
        return new TensorMeta(t, s, TensorMeta.contiguousStrides(s), Device.cuda(0));
    }

    private static CallArgs args(Object... v) {
        return new CallArgs(Arrays.asList(v));
    }

    @Test
    void rmsNormTakesCudaRowsOfWholeChunks() {
        TensorMeta x = cuda(DType.BF16, N, Dim.of(4096));
        TensorMeta w = cuda(DType.BF16, Dim.of(4096));
        assertTrue(CudaProvider.supportsRmsNorm(args(x, w, 1e-6, null)));
        assertTrue(CudaProvider.supportsRmsNorm(args(x, null, 1e-6, null)));
        assertTrue(CudaProvider.supportsRmsNorm(args(cuda(DType.F32, N, Dim.of(4)), null, 1e-6, null)));
        // CPU tensors, variance_size, a row that is not a whole number of 16-byte chunks, rows too wide for shared
        // memory, a weight of another dtype, f64: the next provider's.
        assertFalse(CudaProvider.supportsRmsNorm(args(TensorMeta.of(DType.BF16, 8, 4096), null, 1e-6, null)));
        assertFalse(CudaProvider.supportsRmsNorm(args(x, w, 1e-6, 2048L)));
        assertFalse(CudaProvider.supportsRmsNorm(args(cuda(DType.BF16, N, Dim.of(4100)), null, 1e-6, null)));
        assertFalse(CudaProvider.supportsRmsNorm(args(cuda(DType.BF16, N, Dim.of(16392)), null, 1e-6, null)));
        assertTrue(CudaProvider.supportsRmsNorm(args(cuda(DType.BF16, N, Dim.of(16384)), null, 1e-6, null)));
        assertFalse(CudaProvider.supportsRmsNorm(args(x, cuda(DType.F32, Dim.of(4096)), 1e-6, null)));
        assertFalse(CudaProvider.supportsRmsNorm(args(cuda(DType.F64, N, Dim.of(4096)), null, 1e-6, null)));
        assertFalse(CudaProvider.supportsRmsNorm(args(cuda(DType.BF16, N, N), null, 1e-6, null)));
    }

    @Test
    void groupQuantNeedsAGroupThatFillsAPowerOfTwoOfLanes() {
        TensorMeta x = cuda(DType.BF16, N, Dim.of(4096));
        assertTrue(CudaProvider.supportsGroupQuant(args(x, List.of(1L, 128L), false, false, DType.F8E4M3FN)));
        assertTrue(CudaProvider.supportsGroupQuant(args(cuda(DType.F32, N, Dim.of(4096)), List.of(1L, 128L), true,
                true, DType.F8E4M3FN)));
        assertFalse(CudaProvider.supportsGroupQuant(args(x, List.of(1L, 512L), false, false, DType.F8E4M3FN)));
        assertFalse(CudaProvider.supportsGroupQuant(args(x, List.of(1L, 96L), false, false, DType.F8E4M3FN)));
        assertFalse(CudaProvider.supportsGroupQuant(args(x, List.of(1L, 128L), false, false, DType.F8E5M2)));
        assertFalse(CudaProvider.supportsGroupQuant(args(x, List.of(2L, 128L), false, false, DType.F8E4M3FN)));
    }

    @Test
    void rotaryAndTheGatedOps() {
        TensorMeta pos = cuda(DType.I64, N);
        TensorMeta q = cuda(DType.F16, N, Dim.of(32 * 128));
        TensorMeta k = cuda(DType.F16, N, Dim.of(8 * 128));
        TensorMeta cache = cuda(DType.F16, Dim.of(4096), Dim.of(64));
        assertTrue(CudaProvider.supportsRotary(args(pos, q, k, 128L, 64L, cache, true)));
        assertTrue(CudaProvider.supportsRotary(args(pos, q, null, 128L, 64L, cache, false)));
        assertFalse(CudaProvider.supportsRotary(args(pos, q, k, 128L, 128L, cache, true)));
        assertFalse(CudaProvider.supportsRotary(args(cuda(DType.I32, N), q, k, 128L, 64L, cache, true)));
        assertFalse(CudaProvider.supportsRotary(args(pos, q, k, 128L, 64L, cuda(DType.F32, Dim.of(4096), Dim.of(64)),
                true)));
        assertTrue(CudaProvider.gatedFits(cuda(DType.BF16, N, Dim.of(2 * 14336))));
        assertFalse(CudaProvider.gatedFits(cuda(DType.BF16, N, Dim.of(2 * 12))));
    }
}
