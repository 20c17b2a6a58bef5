package org.kernelir.providers.cpu.kernels;

import static org.kernelir.providers.cpu.kernels.Lanes.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * FP8 (e4m3fn) quantization kernels: {@code static_quant_fp8}, {@code dynamic_quant_fp8} (per token and per
 * tensor) and {@code dynamic_group_quant_fp8} of the IR op set.
 *
 * <h2>Layout</h2>
 * Inputs are row-major {@code rows x cols} matrices of an {@link ElemType}: row {@code r} starts at element
 * {@code xOff + r * xRowStride}. Outputs are row-major {@code rows x cols} matrices of fp8 bytes, row {@code r} at
 * byte {@code outOff + r * outRowStride} ({@code outRowStride >= cols}). Scales are little-endian f32 values.
 * Offsets and strides count elements of their tensor; memory needs no alignment.
 *
 * <h2>Arithmetic</h2>
 * {@code q = fp8(x / scale)}: {@code x} widened to f32, divided (not multiplied by a reciprocal, which would round
 * differently) by the f32 scale, then rounded to nearest even into e4m3fn, saturating: magnitudes above 448,
 * infinities included, become ±448, and NaN becomes the NaN code {@code 0x7F} / {@code 0xFF}. Dynamic scales are
 * {@code max(amax / 448, 1 / (448 * 512))} where {@code amax} is the largest magnitude of the range (NaN if the
 * range holds a NaN); the floor keeps an all-zero range from dividing by zero.
 *
 * <p>See the {@linkplain org.kernelir.providers.cpu.kernels package} for the contract shared by all kernels
 * (memory kinds, checks, threads).
 */
public final class QuantKernels {

    /** Largest finite e4m3fn value. */
    public static final float FP8_E4M3FN_MAX = Lanes.FP8_MAX;
    /** Smallest dynamic scale, {@code 1 / (448 * 512)}. */
    public static final float MIN_SCALE = 1f / (FP8_E4M3FN_MAX * 512f);

    /** 16-bit rows are staged through f32 scratch in blocks of this many elements, which stay in L1. */
    private static final int BLOCK = 1024;

    private QuantKernels() {
    }

    /**
     * {@code q = fp8(x / scale)} with a given scale.
     *
     * @param t            element type of {@code x}
     * @param x            input, {@code rows x cols}
     * @param xOff         element offset of row 0 of {@code x}
     * @param xRowStride   elements between consecutive rows of {@code x}
     * @param scale        the divisor
     * @param out          fp8 e4m3fn output, {@code rows x cols} bytes
     * @param outOff       byte offset of row 0 of {@code out}
     * @param outRowStride bytes between consecutive rows of {@code out}
     * @param rows         number of rows
     * @param cols         elements per row
     * @throws IndexOutOfBoundsException if a tensor does not fit its segment (nothing is written)
     * @throws IllegalArgumentException  on negative sizes, offsets or strides, or overlapping output rows
     */
    public static void staticQuantFp8(ElemType t, MemorySegment x, long xOff, long xRowStride, float scale,
                                      MemorySegment out, long outOff, long outRowStride, int rows, int cols) {
        checkInOut(t, x, xOff, xRowStride, out, outOff, outRowStride, rows, cols);
        quantRows(t, x, xOff, xRowStride, scale, out, outOff, outRowStride, rows, cols);
    }

    /**
     * Per-token dynamic quantization: for each row, {@code amax = max |x|}, capped at {@code scaleUb} unless that
     * is NaN, {@code scale = max(amax / 448, 1 / (448 * 512))}, {@code q = fp8(x / scale)}.
     *
     * @param scaleUb   upper bound for amax, or {@code Float.NaN} for none
     * @param scales    f32 output, one scale per row, row {@code r} at element {@code scalesOff + r}
     * @param scalesOff element offset of row 0's scale
     * @see #staticQuantFp8 for the other parameters and the exceptions
     */
    public static void dynamicPerTokenQuantFp8(ElemType t, MemorySegment x, long xOff, long xRowStride,
                                               int rows, int cols, float scaleUb,
                                               MemorySegment out, long outOff, long outRowStride,
                                               MemorySegment scales, long scalesOff) {
        checkInOut(t, x, xOff, xRowStride, out, outOff, outRowStride, rows, cols);
        Checks.outputRegion("scales", scales, Float.BYTES, scalesOff, 1, rows, 1);
        boolean direct = t == ElemType.F32 && Lanes.allNative(x, out);
        RowScheduler.forRows(rows, (long) cols * (t.byteSize() + 1), (r0, r1) -> {
            if (direct) {
                // Row r is quantized in the same loop that finds the amax of row r + 1, so memory reads overlap
                // the arithmetic instead of alternating with it.
                float amax = amax(x, xOff + r0 * xRowStride, cols);
                for (int r = r0; r < r1; r++) {
                    long xi = xOff + r * xRowStride;
                    long oi = outOff + r * outRowStride;
                    float scale = dynamicScale(amax, scaleUb);
                    Lanes.setF32(scales, scalesOff + r, scale);
                    if (r + 1 < r1) {
                        amax = quantAndAmaxNext(x, xi, scale, out, oi, xi + xRowStride, cols);
                    } else {
                        quant(x, xi, scale, out, oi, cols);
                    }
                }
                return;
            }
            MemorySegment row = Scratch.row(0, cols);
            for (int r = r0; r < r1; r++) {
                // Read twice (amax, then quantization): widen the row once into f32 scratch.
                Lanes.widen(t, x, xOff + r * xRowStride, row, cols);
                float scale = dynamicScale(amax(row, 0, cols), scaleUb);
                Lanes.setF32(scales, scalesOff + r, scale);
                quant(row, 0, scale, out, outOff + r * outRowStride, cols);
            }
        }, x, out, scales);
    }

    /**
     * Per-tensor dynamic quantization: one {@code amax} over the whole tensor (a parallel reduction), capped at
     * {@code scaleUb} unless that is NaN, {@code scale = max(amax / 448, 1 / (448 * 512))}, then
     * {@code q = fp8(x / scale)} for every element (a second parallel pass).
     *
     * @param scaleUb  upper bound for amax, or {@code Float.NaN} for none
     * @param scale    f32 output, the single scale, at element {@code scaleOff}
     * @param scaleOff element offset of the scale
     * @see #staticQuantFp8 for the other parameters and the exceptions
     */
    public static void dynamicPerTensorQuantFp8(ElemType t, MemorySegment x, long xOff, long xRowStride,
                                                int rows, int cols, float scaleUb,
                                                MemorySegment out, long outOff, long outRowStride,
                                                MemorySegment scale, long scaleOff) {
        checkInOut(t, x, xOff, xRowStride, out, outOff, outRowStride, rows, cols);
        Checks.outputRegion("scale", scale, Float.BYTES, scaleOff, 1, 1, 1);
        // amax as f32 bits: for non-negative floats integer order is float order, and NaN sorts above infinity.
        AtomicInteger amaxBits = new AtomicInteger();
        boolean direct = t == ElemType.F32 && x.isNative();
        RowScheduler.forRows(rows, (long) cols * t.byteSize(), (r0, r1) -> {
            int m = 0;
            if (direct) {
                for (int r = r0; r < r1; r++) {
                    m = Math.max(m, Float.floatToRawIntBits(amax(x, xOff + r * xRowStride, cols)));
                }
            } else {
                MemorySegment block = Scratch.row(0, BLOCK);
                for (int r = r0; r < r1; r++) {
                    for (int j = 0; j < cols; j += BLOCK) {
                        int n = Math.min(BLOCK, cols - j);
                        Lanes.widen(t, x, xOff + r * xRowStride + j, block, n);
                        m = Math.max(m, Float.floatToRawIntBits(amax(block, 0, n)));
                    }
                }
            }
            int chunkMax = m;
            amaxBits.accumulateAndGet(chunkMax, Math::max);
        }, x);
        float s = dynamicScale(Float.intBitsToFloat(amaxBits.get()), scaleUb);
        Lanes.setF32(scale, scaleOff, s);
        quantRows(t, x, xOff, xRowStride, s, out, outOff, outRowStride, rows, cols);
    }

    /**
     * Per-group dynamic quantization: each row is cut into groups of {@code groupSize} consecutive columns; for
     * each group {@code amax = max |x|}, {@code scale = max(amax / 448, 1 / (448 * 512))}, with {@code useUe8m0}
     * rounded up to a power of two ({@code 2^ceil(log2 scale)}, exact), and {@code q = fp8(x / scale)}.
     *
     * @param groupSize   columns per group; {@code cols} must be a multiple of it
     * @param columnMajor scale layout: {@code false} row-major {@code [rows, cols / groupSize]} (scale of row
     *                    {@code r}, group {@code g} at {@code scalesOff + r * groups + g}); {@code true} transposed
     *                    {@code [cols / groupSize, rows]} (at {@code scalesOff + g * rows + r})
     * @param useUe8m0    round every scale up to a power of two
     * @param scales      f32 output, {@code rows * cols / groupSize} scales
     * @param scalesOff   element offset of the first scale
     * @throws IllegalArgumentException if {@code groupSize < 1} or {@code cols} is not a multiple of it
     * @see #staticQuantFp8 for the other parameters and the exceptions
     */
    public static void dynamicGroupQuantFp8(ElemType t, MemorySegment x, long xOff, long xRowStride,
                                            int rows, int cols, int groupSize, boolean columnMajor, boolean useUe8m0,
                                            MemorySegment out, long outOff, long outRowStride,
                                            MemorySegment scales, long scalesOff) {
        if (groupSize < 1 || cols % groupSize != 0) {
            throw new IllegalArgumentException("cols (" + cols + ") must be a positive multiple of groupSize ("
                    + groupSize + "); pad the row or pick a group size that divides it");
        }
        checkInOut(t, x, xOff, xRowStride, out, outOff, outRowStride, rows, cols);
        int groups = cols / groupSize;
        Checks.outputRegion("scales", scales, Float.BYTES, scalesOff, 1, (long) rows * groups, 1);
        boolean direct = t == ElemType.F32 && Lanes.allNative(x, out);
        RowScheduler.forRows(rows, (long) cols * (t.byteSize() + 1), (r0, r1) -> {
            MemorySegment row = direct ? null : Scratch.row(0, cols);
            for (int r = r0; r < r1; r++) {
                MemorySegment src = x;
                long si = xOff + r * xRowStride;
                if (row != null) {
                    Lanes.widen(t, x, si, row, cols);
                    src = row;
                    si = 0;
                }
                long oi = outOff + r * outRowStride;
                for (int g = 0; g < groups; g++) {
                    long gi = (long) g * groupSize;
                    float scale = dynamicScale(amax(src, si + gi, groupSize), Float.NaN);
                    if (useUe8m0) {
                        scale = powerOfTwoCeil(scale);
                    }
                    Lanes.setF32(scales, scalesOff + (columnMajor ? (long) g * rows + r : (long) r * groups + g),
                            scale);
                    quant(src, si + gi, scale, out, oi + gi, groupSize);
                }
            }
        }, x, out, scales);
    }

    /** {@code max(min(amax, scaleUb) / 448, 1 / (448 * 512))}; NaN bound means none; a NaN amax gives NaN. */
    static float dynamicScale(float amax, float scaleUb) {
        float a = Float.isNaN(scaleUb) ? amax : Math.min(amax, scaleUb);
        return Math.max(a / FP8_E4M3FN_MAX, MIN_SCALE);
    }

    /** {@code 2^ceil(log2 s)} for positive finite normal {@code s}, exactly; NaN and infinity unchanged. */
    static float powerOfTwoCeil(float s) {
        int bits = Float.floatToRawIntBits(s);
        if ((bits & 0x7F80_0000) == 0x7F80_0000) {
            return s;
        }
        // A non-zero mantissa rounds the exponent up by one; adding all-ones to the mantissa does exactly that.
        return Float.intBitsToFloat((bits + 0x007F_FFFF) & 0xFF80_0000);
    }

    private static void checkInOut(ElemType t, MemorySegment x, long xOff, long xRowStride,
                                   MemorySegment out, long outOff, long outRowStride, int rows, int cols) {
        Checks.shape(rows, cols);
        Checks.region("x", x, t.byteSize(), xOff, xRowStride, rows, cols);
        Checks.outputRegion("out", out, 1, outOff, outRowStride, rows, cols);
    }

    /** q = fp8(x / scale) over all rows, in parallel; unless direct, rows go through f32 scratch in blocks. */
    private static void quantRows(ElemType t, MemorySegment x, long xOff, long xRowStride, float scale,
                                  MemorySegment out, long outOff, long outRowStride, int rows, int cols) {
        boolean direct = t == ElemType.F32 && Lanes.allNative(x, out);
        RowScheduler.forRows(rows, (long) cols * (t.byteSize() + 1), (r0, r1) -> {
            if (direct) {
                for (int r = r0; r < r1; r++) {
                    quant(x, xOff + r * xRowStride, scale, out, outOff + r * outRowStride, cols);
                }
                return;
            }
            MemorySegment block = Scratch.row(0, BLOCK);
            for (int r = r0; r < r1; r++) {
                for (int j = 0; j < cols; j += BLOCK) {
                    int n = Math.min(BLOCK, cols - j);
                    Lanes.widen(t, x, xOff + r * xRowStride + j, block, n);
                    quant(block, 0, scale, out, outOff + r * outRowStride + j, n);
                }
            }
        }, x, out);
    }

    /** Largest |x| of {@code n} f32 elements, by integer max over magnitude bits (see {@link Lanes#absBits}). */
    static float amax(MemorySegment x, long xi, int n) {
        IntVector m0 = IntVector.zero(Lanes.I);
        IntVector m1 = m0;
        int j = 0;
        for (; j <= n - 2 * LANES; j += 2 * LANES) {
            m0 = m0.max(Lanes.absBits(Lanes.load(x, xi + j)));
            m1 = m1.max(Lanes.absBits(Lanes.load(x, xi + j + LANES)));
        }
        return amaxFrom(x, xi, n, j, m0, m1);
    }

    /** Finishes an amax from element {@code j} on, given two running accumulators. (Max is exact in any order.) */
    private static float amaxFrom(MemorySegment x, long xi, int n, int j, IntVector m0, IntVector m1) {
        for (; j <= n - LANES; j += LANES) {
            m0 = m0.max(Lanes.absBits(Lanes.load(x, xi + j)));
        }
        int m = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            m = Math.max(m, Float.floatToRawIntBits(Lanes.getF32(x, xi + j)) & 0x7FFF_FFFF);
        }
        return Float.intBitsToFloat(m);
    }

    /**
     * {@link #quant} of the row at xi into native {@code out}, returning the {@link #amax} of the row at ni (same
     * segment), computed in the same order as {@link #amax} does.
     */
    private static float quantAndAmaxNext(MemorySegment x, long xi, float scale, MemorySegment out, long oi, long ni,
                                          int n) {
        // One vector per iteration: the fp8 encoder is big, and C2 stops inlining past a fixed graph size.
        IntVector m = IntVector.zero(Lanes.I);
        int j = 0;
        if (Lanes.VECTOR_FP8) {
            for (; j <= n - LANES; j += LANES) {
                Lanes.storeFp8(Lanes.load(x, xi + j).div(scale), out, oi + j);
                m = m.max(Lanes.absBits(Lanes.load(x, ni + j)));
            }
        }
        quantToNative(x, xi + j, scale, out, oi + j, n - j);
        return amaxFrom(x, ni, n, j, m, m);
    }

    /**
     * out[j] = fp8(x[j] / scale) for {@code n} f32 elements. Byte vectors are stored only to native memory (see
     * Scratch); codes for a heap segment are assembled in native scratch and copied.
     */
    private static void quant(MemorySegment x, long xi, float scale, MemorySegment out, long oi, int n) {
        if (out.isNative()) {
            quantToNative(x, xi, scale, out, oi, n);
        } else {
            MemorySegment raw = Scratch.raw(n);
            quantToNative(x, xi, scale, raw, 0, n);
            MemorySegment.copy(raw, 0, out, oi, n);
        }
    }

    private static void quantToNative(MemorySegment x, long xi, float scale, MemorySegment out, long oi, int n) {
        int j = 0;
        if (Lanes.VECTOR_FP8) {
            for (; j <= n - LANES; j += LANES) {
                Lanes.storeFp8(Lanes.load(x, xi + j).div(scale), out, oi + j);
            }
        }
        for (; j < n; j++) {
            out.set(ValueLayout.JAVA_BYTE, oi + j, Lanes.floatToFp8(Lanes.getF32(x, xi + j) / scale));
        }
    }
}
