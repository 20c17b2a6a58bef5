package org.kernelir.providers.cuda;

import org.kernelir.core.dtype.DType;
import org.kernelir.providers.cuda.CudaKernels.Family;
import org.kernelir.providers.cuda.runtime.CudaDevice;
import org.kernelir.providers.cuda.runtime.DeviceBuffer;

/**
 * Launches the kernels for each op on device memory: picks the kernel variant (dtype; 16-byte chunks when every
 * pointer and row stride is aligned), sizes the grid and queues it on the device's stream. Pointers are device
 * addresses; strides and sizes are in elements. The caller has checked the provider's {@code supports} rules
 * (row widths a multiple of {@link CudaKernels#vec}, row widths at most {@link #MAX_ROW}).
 */
public final class CudaOps {

    private CudaOps() {
    }

    /** The widest row the row kernels (norms, per-token quant) stage in shared memory. */
    public static final int MAX_ROW = CudaDevice.MAX_ROW_SMEM / 4;
    private static final int FLAT_THREADS = 256;

    static boolean aligned(DType t, long[] pointers, long... strides) {
        for (long p : pointers) {
            if (p % 16 != 0) {
                return false;
            }
        }
        for (long s : strides) {
            if (s * t.byteSize() % 16 != 0) {
                return false;
            }
        }
        return true;
    }

    private static int rowThreads(DType t, long hidden) {
        long chunks = hidden / CudaKernels.vec(t);
        return (int) Math.clamp((chunks + 31) / 32 * 32, 32, 1024);
    }

    private static int flatGrid(CudaDevice d, long work, int threads) {
        long blocks = Math.max(1, (work + threads - 1) / threads);
        return (int) Math.min(blocks, (long) d.multiprocessors() * 32);
    }

    /** {@code rms_norm}: out [rows, hidden] contiguous; w may be 0 (no weight). */
    public static void rmsNorm(CudaDevice d, DType t, long out, long x, long xStride, long w, long rows, int hidden,
            float eps) {
        if (rows == 0) {
            return;
        }
        boolean a = aligned(t, new long[] {out, x, w}, xStride);
        d.launch(Family.RMS_NORM.spec(t, a), (int) rows, rowThreads(t, hidden), hidden * 4, out, x, xStride, w,
                hidden, eps);
    }

    /** {@code fused_add_rms_norm}: y and r may be x and residual (in place). */
    public static void fusedAddRmsNorm(CudaDevice d, DType t, long y, long yStride, long r, long rStride, long x,
            long xStride, long res, long resStride, long w, long rows, int hidden, float eps) {
        if (rows == 0) {
            return;
        }
        boolean a = aligned(t, new long[] {y, r, x, res, w}, yStride, rStride, xStride, resStride);
        d.launch(Family.FUSED_ADD_RMS_NORM.spec(t, a), (int) rows, rowThreads(t, hidden), hidden * 4, y, yStride, r,
                rStride, x, xStride, res, resStride, w, hidden, eps);
    }

    /** {@code silu_and_mul} (mode 0), {@code gelu_and_mul} none (1) or tanh (2): out [rows, d] contiguous. */
    public static void actAndMul(CudaDevice d, DType t, long out, long x, long xStride, long rows, int half,
            int mode) {
        long work = rows * (half / CudaKernels.vec(t));
        if (work == 0) {
            return;
        }
        boolean a = aligned(t, new long[] {out, x}, xStride, half);
        d.launch(Family.ACT_AND_MUL.spec(t, a), flatGrid(d, work, FLAT_THREADS), FLAT_THREADS, 0, out, x, xStride,
                rows, half, mode);
    }

    /** {@code q = fp8(x / scale[0])}: out [rows, hidden] contiguous fp8; scale a device f32. */
    public static void quantFp8(CudaDevice d, DType t, long out, long x, long xStride, long rows, int hidden,
            long scale) {
        long work = rows * (hidden / CudaKernels.vec(t));
        if (work == 0) {
            return;
        }
        boolean a = aligned(t, new long[] {x}, xStride) && out % 8 == 0;
        d.launch(Family.QUANT_FP8.spec(t, a), flatGrid(d, work, FLAT_THREADS), FLAT_THREADS, 0, out, x, xStride,
                rows, hidden, scale);
    }

    /** Per-token dynamic quant: scales [rows] f32. */
    public static void perTokenQuant(CudaDevice d, DType t, long out, long scales, long x, long xStride, long rows,
            int hidden, Float ub) {
        if (rows == 0) {
            return;
        }
        boolean a = aligned(t, new long[] {x}, xStride) && out % 8 == 0;
        d.launch(Family.PER_TOKEN_QUANT.spec(t, a), (int) rows, rowThreads(t, hidden), hidden * 4, out, scales, x,
                xStride, hidden, ub == null ? 0 : 1, ub == null ? 0f : ub);
    }

    /** Per-tensor dynamic quant: amax into a zeroed word, the scale from it, then the quantization. */
    public static void perTensorQuant(CudaDevice d, DType t, long out, long scale, long x, long xStride, long rows,
            int hidden, Float ub) {
        DeviceBuffer amax = d.allocate(4);
        try {
            d.fill32(amax, 0, 1);
            long work = rows * (hidden / CudaKernels.vec(t));
            boolean a = aligned(t, new long[] {x}, xStride);
            if (work > 0) {
                int threads = 512;
                d.launch(Family.AMAX.spec(t, a), (int) Math.min((work + threads - 1) / threads,
                        (long) d.multiprocessors() * 4), threads, 0, amax.pointer(), x, xStride, rows, hidden);
            }
            d.launch(CudaKernels.AMAX_TO_SCALE, 1, 1, 0, scale, amax.pointer(), ub == null ? 0 : 1,
                    ub == null ? 0f : ub);
            quantFp8(d, t, out, x, xStride, rows, hidden, scale);
        } finally {
            d.free(amax);  // reuse is ordered on the stream, after the kernels above
        }
    }

    /**
     * Group quant with groups of {@code group} columns; {@code group / vec} must be a power of two of at most 32.
     * scales: [rows, hidden / group] row-major, or column-major (element (r, g) at {@code g * rows + r}).
     */
    public static void groupQuant(CudaDevice d, DType t, long out, long scales, long x, long xStride, long rows,
            int hidden, int group, boolean columnMajor, boolean ue8m0) {
        long work = rows * (hidden / CudaKernels.vec(t));
        if (work == 0) {
            return;
        }
        boolean a = aligned(t, new long[] {x}, xStride) && out % 8 == 0;
        d.launch(Family.GROUP_QUANT.spec(t, a), flatGrid(d, work, FLAT_THREADS), FLAT_THREADS, 0, out, scales, x,
                xStride, rows, hidden, group, columnMajor ? 1 : 0, ue8m0 ? 1 : 0);
    }

    /** Rotary embedding in place on query and key (key 0 when absent, with kHeads 0). */
    public static void rotary(CudaDevice d, DType t, long positions, long q, long qStride, int qHeads, long k,
            long kStride, int kHeads, int headSize, int rotaryDim, long cache, long maxPos, boolean neox,
            long tokens) {
        if (tokens == 0) {
            return;
        }
        long pairs = (long) (qHeads + kHeads) * (rotaryDim / 2);
        int threads = (int) Math.clamp((pairs + 31) / 32 * 32, 32, 512);
        d.launch(Family.ROTARY.spec(t, false), (int) tokens, threads, 0, positions, q, qStride, qHeads, k, kStride,
                kHeads, headSize, rotaryDim, cache, maxPos, neox ? 1 : 0);
    }

    /** Whether group quant supports a group size for a dtype: g / vec a power of two of at most 32. */
    public static boolean groupFits(DType t, long group) {
        int vec = CudaKernels.vec(t);
        if (group <= 0 || group % vec != 0) {
            return false;
        }
        long lanes = group / vec;
        return lanes <= 32 && Long.bitCount(lanes) == 1;
    }
}
