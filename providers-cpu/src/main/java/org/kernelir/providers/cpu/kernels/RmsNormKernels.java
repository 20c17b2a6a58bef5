package org.kernelir.providers.cpu.kernels;

import static org.kernelir.providers.cpu.kernels.Lanes.LANES;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * RMS normalization kernels: {@code rms_norm} and {@code fused_add_rms_norm} of the IR op set, without
 * {@code variance_size}.
 *
 * <h2>Layout</h2>
 * Every tensor is a row-major matrix of {@code rows x cols} elements of the given {@link ElemType}: the
 * {@code cols} elements of a row are contiguous, row {@code r} starts at element {@code off + r * rowStride} of
 * its segment, and all offsets and strides count elements, not bytes. Memory is little-endian and needs no
 * alignment. Output rows must not overlap each other ({@code rowStride >= cols}); an output may alias an input
 * exactly (same segment, offset and stride), which gives the in-place form, but must not overlap it otherwise.
 *
 * <h2>Arithmetic</h2>
 * Everything is computed in f32 and rounded once, to nearest even, when stored. The sum of squares of a row is
 * accumulated in f32 vector lanes (two accumulators, always in the same order), so its rounding differs from a
 * sequential sum by a few ulp; the result meets the IR tolerances for rms_norm (f32 1e-5/1e-5, f16 1e-2/2e-3,
 * bf16 1e-3/1.6e-2). The reciprocal square root is correctly rounded. When the f32 sum overflows although the
 * squares are finite (a row RMS above about {@code 1.8e19 / sqrt(cols)}), that row's sum is formed again in double,
 * so the result is right for every row whose squares are finite f32 values, as native's is; rows with a larger
 * element, an infinity or a NaN give native's zeros and NaNs.
 *
 * <h2>Memory traffic</h2>
 * One pass over memory: a row's second pass re-reads it from cache. On the direct f32 path the second pass of a
 * row shares its loop with the first pass of the next row, so that memory serves reads and writes together as
 * in a copy.
 *
 * <p>See the {@linkplain org.kernelir.providers.cpu.kernels package} for the contract shared by all kernels
 * (memory kinds, checks, threads).
 */
public final class RmsNormKernels {

    private RmsNormKernels() {
    }

    /**
     * {@code y = x * rsqrt(mean(x^2) + eps) * weight}, per row, in f32.
     *
     * @param t          element type of {@code x}, {@code weight} and {@code out}
     * @param x          input, {@code rows x cols}
     * @param xOff       element offset of row 0 of {@code x}
     * @param xRowStride elements between the starts of consecutive rows of {@code x}
     * @param weight     {@code cols} contiguous elements starting at {@code wOff}; {@code null} means all ones
     * @param wOff       element offset of the weight (ignored when {@code weight} is null)
     * @param out        output, {@code rows x cols}; may be {@code x} itself (same offset and stride)
     * @param outOff     element offset of row 0 of {@code out}
     * @param outRowStride elements between the starts of consecutive rows of {@code out}
     * @param rows       number of rows (tokens)
     * @param cols       elements per row (hidden size); the mean is over all of them
     * @param eps        added to the mean square before the reciprocal square root
     * @throws IndexOutOfBoundsException if a tensor does not fit its segment (nothing is written)
     * @throws IllegalArgumentException  on negative sizes, offsets or strides, or overlapping output rows
     */
    public static void rmsNorm(ElemType t, MemorySegment x, long xOff, long xRowStride,
                               MemorySegment weight, long wOff,
                               MemorySegment out, long outOff, long outRowStride,
                               int rows, int cols, float eps) {
        int size = t.byteSize();
        Checks.shape(rows, cols);
        Checks.region("x", x, size, xOff, xRowStride, rows, cols);
        if (weight != null) {
            Checks.region("weight", weight, size, wOff, 0, 1, cols);
        }
        Checks.outputRegion("out", out, size, outOff, outRowStride, rows, cols);
        boolean direct = t == ElemType.F32 && Lanes.allNative(x, weight, out);
        RowScheduler.forRows(rows, 2L * cols * size, (r0, r1) -> {
            if (direct) {
                // Row r is scaled in the same loop that sums the squares of row r + 1, so memory serves reads and
                // writes together, as in a copy, instead of a read-only and a write-only pass per row.
                long x0 = xOff + r0 * xRowStride;
                float inv = inverseRms(sumOfSquares(x, x0, cols), x, x0, null, 0, cols, eps);
                for (int r = r0; r < r1; r++) {
                    long xi = xOff + r * xRowStride;
                    long oi = outOff + r * outRowStride;
                    if (r + 1 < r1) {
                        inv = inverseRms(scaleAndSumNext(x, xi, weight, wOff, inv, out, oi, xi + xRowStride, cols),
                                x, xi + xRowStride, null, 0, cols, eps);
                    } else {
                        scale(x, xi, weight, wOff, inv, out, oi, cols);
                    }
                }
                return;
            }
            // Otherwise each row goes through f32 scratch: widened (or copied) once, normalized there, rounded
            // (or copied) once into out; see Scratch for why.
            MemorySegment row = Scratch.row(0, cols);
            MemorySegment w = widenWeight(t, weight, wOff, cols);
            for (int r = r0; r < r1; r++) {
                Lanes.widen(t, x, xOff + r * xRowStride, row, cols);
                float inv = inverseRms(sumOfSquares(row, 0, cols), row, 0, null, 0, cols, eps);
                scale(row, 0, w, 0, inv, row, 0, cols);
                Lanes.narrow(t, row, out, outOff + r * outRowStride, cols);
            }
        }, x, weight, out);
    }

    /**
     * {@code r = x + residual} in f32, then {@code y = rms_norm(r)} (as {@link #rmsNorm}) and
     * {@code residualOut = r} rounded to {@code t}. {@code y} is computed from the f32 sum, not from the rounded
     * residual, as the op's reference does.
     *
     * <p>In-place use: {@code outY} may be {@code x} and {@code outResidual} may be {@code residual} (or the other
     * way round), each with the same offset and stride.
     *
     * @param t element type of every tensor
     * @param x first addend, {@code rows x cols}
     * @param residual second addend, {@code rows x cols}
     * @param weight {@code cols} contiguous elements, or {@code null} for all ones
     * @param outY the normalized output, {@code rows x cols}
     * @param outResidual the rounded sum, {@code rows x cols}
     * @param rows number of rows (tokens)
     * @param cols elements per row
     * @param eps added to the mean square before the reciprocal square root
     * @throws IndexOutOfBoundsException if a tensor does not fit its segment (nothing is written)
     * @throws IllegalArgumentException  on negative sizes, offsets or strides, or overlapping output rows
     */
    public static void fusedAddRmsNorm(ElemType t, MemorySegment x, long xOff, long xRowStride,
                                       MemorySegment residual, long rOff, long rRowStride,
                                       MemorySegment weight, long wOff,
                                       MemorySegment outY, long yOff, long yRowStride,
                                       MemorySegment outResidual, long orOff, long orRowStride,
                                       int rows, int cols, float eps) {
        int size = t.byteSize();
        Checks.shape(rows, cols);
        Checks.region("x", x, size, xOff, xRowStride, rows, cols);
        Checks.region("residual", residual, size, rOff, rRowStride, rows, cols);
        if (weight != null) {
            Checks.region("weight", weight, size, wOff, 0, 1, cols);
        }
        Checks.outputRegion("outY", outY, size, yOff, yRowStride, rows, cols);
        Checks.outputRegion("outResidual", outResidual, size, orOff, orRowStride, rows, cols);
        boolean direct = t == ElemType.F32 && Lanes.allNative(x, residual, weight, outY, outResidual);
        RowScheduler.forRows(rows, 4L * cols * size, (r0, r1) -> {
            if (direct) {
                // Two passes that both compute x + residual, instead of storing r in the first pass: in the in-place
                // form the first pass would overwrite residual before the second pass reads it. Recomputing keeps
                // exact f32 semantics under any exact aliasing, needs no scratch, and costs nothing measurable:
                // the second pass re-reads rows that are still in L1/L2, so DRAM sees each byte once. As in
                // rmsNorm, the second pass of row r runs in one loop with the first pass of row r + 1.
                long x0 = xOff + r0 * xRowStride;
                long res0 = rOff + r0 * rRowStride;
                float inv = inverseRms(sumOfSquaresOfSum(x, x0, residual, res0, cols), x, x0, residual, res0, cols,
                        eps);
                for (int r = r0; r < r1; r++) {
                    long xi = xOff + r * xRowStride;
                    long ri = rOff + r * rRowStride;
                    long yi = yOff + r * yRowStride;
                    long ori = orOff + r * orRowStride;
                    if (r + 1 < r1) {
                        inv = inverseRms(addScaleAndSumNext(x, xi, residual, ri, weight, wOff, inv, outY, yi,
                                outResidual, ori, xi + xRowStride, ri + rRowStride, cols), x, xi + xRowStride,
                                residual, ri + rRowStride, cols, eps);
                    } else {
                        addAndScale(x, xi, residual, ri, weight, wOff, inv, outY, yi, outResidual, ori, cols);
                    }
                }
                return;
            }
            // Otherwise through f32 scratch (see Scratch). Both inputs are read into scratch before anything is
            // written, so any exact aliasing is safe, and y is computed from the f32 sum r, not from the rounded
            // residual, as the op requires.
            MemorySegment sum = Scratch.row(0, cols);
            MemorySegment res = Scratch.row(1, cols);
            MemorySegment w = widenWeight(t, weight, wOff, cols);
            for (int r = r0; r < r1; r++) {
                Lanes.widen(t, x, xOff + r * xRowStride, sum, cols);
                Lanes.widen(t, residual, rOff + r * rRowStride, res, cols);
                float inv = inverseRms(addInPlaceAndSumOfSquares(sum, res, cols), sum, 0, null, 0, cols, eps);
                Lanes.narrow(t, sum, outResidual, orOff + r * orRowStride, cols);
                scale(sum, 0, w, 0, inv, sum, 0, cols);
                Lanes.narrow(t, sum, outY, yOff + r * yRowStride, cols);
            }
        }, x, residual, weight, outY, outResidual);
    }

    /** The weight widened to f32 in scratch row 2 (once per chunk of rows), or null when there is no weight. */
    private static MemorySegment widenWeight(ElemType t, MemorySegment weight, long wOff, int cols) {
        if (weight == null) {
            return null;
        }
        MemorySegment w = Scratch.row(2, cols);
        Lanes.widen(t, weight, wOff, w, cols);
        return w;
    }

    /**
     * rsqrt(mean + eps) in f32, the reciprocal square root correctly rounded (double, then one rounding), from the
     * row's f32 sum of squares {@code sum}.
     *
     * <p>The f32 sum overflows when the row's RMS is above about {@code 1.8e19 / sqrt(cols)} although every square
     * and the mean are finite. Only then (an infinite sum; the check costs one compare per row) the sum is formed
     * again in double from the f32 squares of the row at {@code xi} (plus the row of {@code res} at {@code ri}
     * when {@code res} is not null), as the op's native implementation does. A square that overflows f32 itself
     * (|x| above about 1.8e19, or an infinity) keeps the sum infinite there too, and the row becomes 0 (NaN where
     * x is infinite), as in native; a NaN sum needs no second look.
     */
    private static float inverseRms(float sum, MemorySegment x, long xi, MemorySegment res, long ri, int cols,
                                    float eps) {
        double s = sum;
        if (sum == Float.POSITIVE_INFINITY) {
            s = exactSumOfSquares(x, xi, res, ri, cols);
        }
        float meanSquarePlusEps = (float) (s / cols) + eps;
        return (float) (1.0 / Math.sqrt(meanSquarePlusEps));
    }

    /** Sum in double of the f32 squares of the f32 row at xi (plus the row at ri of res, when not null). */
    private static double exactSumOfSquares(MemorySegment x, long xi, MemorySegment res, long ri, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            float v = Lanes.getF32(x, xi + j);
            if (res != null) {
                v += Lanes.getF32(res, ri + j);
            }
            s += v * v;
        }
        return s;
    }

    // Every row's sum of squares is accumulated in the same order whichever loop computes it (two vector
    // accumulators taking alternate vectors, reduced, then the scalar tail), so results do not depend on how rows
    // are split across threads.

    /** Sum of x^2 over {@code n} f32 elements. */
    private static float sumOfSquares(MemorySegment x, long xi, int n) {
        FloatVector a0 = FloatVector.zero(Lanes.F);
        FloatVector a1 = a0;
        int j = 0;
        for (; j <= n - 2 * LANES; j += 2 * LANES) {
            FloatVector v0 = Lanes.load(x, xi + j);
            FloatVector v1 = Lanes.load(x, xi + j + LANES);
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
        }
        if (j <= n - LANES) {
            FloatVector v = Lanes.load(x, xi + j);
            a0 = v.fma(v, a0);
            j += LANES;
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            float v = Lanes.getF32(x, xi + j);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    /** Sum of (x + residual)^2 over {@code n} f32 elements, the sum formed in f32. */
    private static float sumOfSquaresOfSum(MemorySegment x, long xi, MemorySegment res, long ri, int n) {
        FloatVector a0 = FloatVector.zero(Lanes.F);
        FloatVector a1 = a0;
        int j = 0;
        for (; j <= n - 2 * LANES; j += 2 * LANES) {
            FloatVector v0 = Lanes.load(x, xi + j).add(Lanes.load(res, ri + j));
            FloatVector v1 = Lanes.load(x, xi + j + LANES).add(Lanes.load(res, ri + j + LANES));
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
        }
        if (j <= n - LANES) {
            FloatVector v = Lanes.load(x, xi + j).add(Lanes.load(res, ri + j));
            a0 = v.fma(v, a0);
            j += LANES;
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            float v = Lanes.getF32(x, xi + j) + Lanes.getF32(res, ri + j);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    /**
     * out = x * inv (* w) for the row at xi, and returns the sum of squares of the row at ni (same segment), in
     * the order of {@link #sumOfSquares}.
     */
    private static float scaleAndSumNext(MemorySegment x, long xi, MemorySegment w, long wi, float inv,
                                         MemorySegment out, long oi, long ni, int n) {
        FloatVector a0 = FloatVector.zero(Lanes.F);
        FloatVector a1 = a0;
        int j = 0;
        if (w == null) {
            for (; j <= n - 2 * LANES; j += 2 * LANES) {
                Lanes.store(Lanes.load(x, xi + j).mul(inv), out, oi + j);
                Lanes.store(Lanes.load(x, xi + j + LANES).mul(inv), out, oi + j + LANES);
                FloatVector v0 = Lanes.load(x, ni + j);
                FloatVector v1 = Lanes.load(x, ni + j + LANES);
                a0 = v0.fma(v0, a0);
                a1 = v1.fma(v1, a1);
            }
        } else {
            for (; j <= n - 2 * LANES; j += 2 * LANES) {
                Lanes.store(Lanes.load(x, xi + j).mul(inv).mul(Lanes.load(w, wi + j)), out, oi + j);
                Lanes.store(Lanes.load(x, xi + j + LANES).mul(inv).mul(Lanes.load(w, wi + j + LANES)), out,
                        oi + j + LANES);
                FloatVector v0 = Lanes.load(x, ni + j);
                FloatVector v1 = Lanes.load(x, ni + j + LANES);
                a0 = v0.fma(v0, a0);
                a1 = v1.fma(v1, a1);
            }
        }
        if (j <= n - LANES) {
            FloatVector v = Lanes.load(x, ni + j);
            a0 = v.fma(v, a0);
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        scale(x, xi + j, w, wi + j, inv, out, oi + j, n - j);
        for (j = n - n % LANES; j < n; j++) {
            float v = Lanes.getF32(x, ni + j);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    /**
     * {@link #addAndScale} for the rows at xi, ri, and returns the sum of squares of x + residual for the rows at
     * xn, rn, in the order of {@link #sumOfSquaresOfSum}.
     */
    private static float addScaleAndSumNext(MemorySegment x, long xi, MemorySegment res, long ri,
                                            MemorySegment w, long wi, float inv,
                                            MemorySegment outY, long yi, MemorySegment outRes, long ori,
                                            long xn, long rn, int n) {
        FloatVector a0 = FloatVector.zero(Lanes.F);
        FloatVector a1 = a0;
        int j = 0;
        for (; j <= n - 2 * LANES; j += 2 * LANES) {
            FloatVector r0 = Lanes.load(x, xi + j).add(Lanes.load(res, ri + j));
            FloatVector r1 = Lanes.load(x, xi + j + LANES).add(Lanes.load(res, ri + j + LANES));
            Lanes.store(r0, outRes, ori + j);
            Lanes.store(r1, outRes, ori + j + LANES);
            if (w == null) {
                Lanes.store(r0.mul(inv), outY, yi + j);
                Lanes.store(r1.mul(inv), outY, yi + j + LANES);
            } else {
                Lanes.store(r0.mul(inv).mul(Lanes.load(w, wi + j)), outY, yi + j);
                Lanes.store(r1.mul(inv).mul(Lanes.load(w, wi + j + LANES)), outY, yi + j + LANES);
            }
            FloatVector v0 = Lanes.load(x, xn + j).add(Lanes.load(res, rn + j));
            FloatVector v1 = Lanes.load(x, xn + j + LANES).add(Lanes.load(res, rn + j + LANES));
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
        }
        if (j <= n - LANES) {
            FloatVector v = Lanes.load(x, xn + j).add(Lanes.load(res, rn + j));
            a0 = v.fma(v, a0);
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        addAndScale(x, xi + j, res, ri + j, w, w == null ? 0 : wi + j, inv, outY, yi + j, outRes, ori + j, n - j);
        for (j = n - n % LANES; j < n; j++) {
            float v = Lanes.getF32(x, xn + j) + Lanes.getF32(res, rn + j);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    /** out = x * inv (* w). Each element is read before it is written, so out may alias x. */
    private static void scale(MemorySegment x, long xi, MemorySegment w, long wi, float inv,
                              MemorySegment out, long oi, int n) {
        int j = 0;
        if (w == null) {
            for (; j <= n - LANES; j += LANES) {
                Lanes.store(Lanes.load(x, xi + j).mul(inv), out, oi + j);
            }
            for (; j < n; j++) {
                Lanes.setF32(out, oi + j, Lanes.getF32(x, xi + j) * inv);
            }
        } else {
            for (; j <= n - LANES; j += LANES) {
                Lanes.store(Lanes.load(x, xi + j).mul(inv).mul(Lanes.load(w, wi + j)), out, oi + j);
            }
            for (; j < n; j++) {
                Lanes.setF32(out, oi + j, Lanes.getF32(x, xi + j) * inv * Lanes.getF32(w, wi + j));
            }
        }
    }

    /**
     * r = x + res; outRes = r; outY = r * inv (* w). Both inputs of an element are read before either output is
     * written, so the outputs may alias the inputs.
     */
    private static void addAndScale(MemorySegment x, long xi, MemorySegment res, long ri,
                                    MemorySegment w, long wi, float inv,
                                    MemorySegment outY, long yi, MemorySegment outRes, long ori, int n) {
        int j = 0;
        if (w == null) {
            for (; j <= n - LANES; j += LANES) {
                FloatVector r = Lanes.load(x, xi + j).add(Lanes.load(res, ri + j));
                Lanes.store(r, outRes, ori + j);
                Lanes.store(r.mul(inv), outY, yi + j);
            }
        } else {
            for (; j <= n - LANES; j += LANES) {
                FloatVector r = Lanes.load(x, xi + j).add(Lanes.load(res, ri + j));
                FloatVector wv = Lanes.load(w, wi + j);
                Lanes.store(r, outRes, ori + j);
                Lanes.store(r.mul(inv).mul(wv), outY, yi + j);
            }
        }
        for (; j < n; j++) {
            float r = Lanes.getF32(x, xi + j) + Lanes.getF32(res, ri + j);
            float y = r * inv;
            if (w != null) {
                y *= Lanes.getF32(w, wi + j);
            }
            Lanes.setF32(outRes, ori + j, r);
            Lanes.setF32(outY, yi + j, y);
        }
    }

    /** a = a + b (f32 rows), returning the sum of squares of the new a. */
    private static float addInPlaceAndSumOfSquares(MemorySegment a, MemorySegment b, int n) {
        FloatVector a0 = FloatVector.zero(Lanes.F);
        FloatVector a1 = a0;
        int j = 0;
        for (; j <= n - 2 * LANES; j += 2 * LANES) {
            FloatVector v0 = Lanes.load(a, j).add(Lanes.load(b, j));
            FloatVector v1 = Lanes.load(a, j + LANES).add(Lanes.load(b, j + LANES));
            Lanes.store(v0, a, j);
            Lanes.store(v1, a, j + LANES);
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
        }
        for (; j <= n - LANES; j += LANES) {
            FloatVector v = Lanes.load(a, j).add(Lanes.load(b, j));
            Lanes.store(v, a, j);
            a0 = v.fma(v, a0);
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            float v = Lanes.getF32(a, j) + Lanes.getF32(b, j);
            Lanes.setF32(a, j, v);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }
}
