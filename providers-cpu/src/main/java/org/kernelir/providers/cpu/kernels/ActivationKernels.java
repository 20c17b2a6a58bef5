package org.kernelir.providers.cpu.kernels;

import static org.kernelir.providers.cpu.kernels.Lanes.LANES;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * Gated activation kernels: {@code silu_and_mul} and {@code gelu_and_mul} of the IR op set.
 *
 * <h2>Layout</h2>
 * The input is a row-major matrix of {@code rows x 2d} elements: row {@code r} starts at element
 * {@code xOff + r * xRowStride}; its first {@code d} elements are the gate {@code a}, the next {@code d} the
 * multiplier {@code b}. The output is {@code rows x d}, row {@code r} at {@code outOff + r * outRowStride}
 * ({@code outRowStride >= d}). Offsets and strides count elements; memory is little-endian, any alignment. The
 * output must not overlap the input, except that it may be exactly the gate half of it (same segment, offset and
 * stride), since every element is read before the element at the same position is written.
 *
 * <h2>Arithmetic</h2>
 * {@code out = act(a) * b}, computed in f32 and rounded once to the element type. {@code exp} and {@code erfc} are
 * inline vector polynomials accurate to a few ulp (see {@link VectorMath}), well inside the IR tolerance for f32
 * (atol 1e-5, rtol 1.3e-6). The exponential underflows as the exact one does (subnormal results rounded once, 0
 * beyond e^-104), so silu(a) is -0 for a below about -104 and gelu(a) -0 far enough left; exact gelu works on
 * min(|a|, 16) inside its erfc step, so a gate of any finite magnitude gives a finite result (a * b for a large
 * positive gate). Infinities and NaN give what native's formula gives: silu(+inf) = +inf, silu(-inf) = NaN
 * (-inf * 0), gelu likewise, NaN stays NaN.
 *
 * <p>See the {@linkplain org.kernelir.providers.cpu.kernels package} for the contract shared by all kernels
 * (memory kinds, checks, threads).
 */
public final class ActivationKernels {

    /** Staged rows (16-bit or heap memory) go through f32 scratch in blocks of this many elements, which stay in L1. */
    private static final int BLOCK = 1024;

    private enum Gate { SILU, GELU_ERF, GELU_TANH }

    private ActivationKernels() {
    }

    /**
     * {@code out = silu(a) * b} with {@code silu(a) = a / (1 + e^-a)}, per row of {@code [a | b]}.
     *
     * @param t            element type of {@code x} and {@code out}
     * @param x            input, {@code rows x 2d}
     * @param xOff         element offset of row 0 of {@code x}
     * @param xRowStride   elements between consecutive rows of {@code x}
     * @param out          output, {@code rows x d}
     * @param outOff       element offset of row 0 of {@code out}
     * @param outRowStride elements between consecutive rows of {@code out}
     * @param rows         number of rows (tokens)
     * @param d            output elements per row; input rows have {@code 2d}
     * @throws IndexOutOfBoundsException if a tensor does not fit its segment (nothing is written)
     * @throws IllegalArgumentException  on negative sizes, offsets or strides, or overlapping output rows
     */
    public static void siluAndMul(ElemType t, MemorySegment x, long xOff, long xRowStride,
                                  MemorySegment out, long outOff, long outRowStride, int rows, int d) {
        gated(Gate.SILU, t, x, xOff, xRowStride, out, outOff, outRowStride, rows, d);
    }

    /**
     * {@code out = gelu(a) * b}, per row of {@code [a | b]}, with
     * {@code gelu(a) = 0.5 a (1 + erf(a / sqrt 2))}, or with {@code tanhApprox}
     * {@code gelu(a) = 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3)))}.
     *
     * @param tanhApprox {@code true} for the op's {@code approximate="tanh"}, {@code false} for {@code "none"}
     * @see #siluAndMul for the other parameters and the exceptions
     */
    public static void geluAndMul(ElemType t, boolean tanhApprox, MemorySegment x, long xOff, long xRowStride,
                                  MemorySegment out, long outOff, long outRowStride, int rows, int d) {
        gated(tanhApprox ? Gate.GELU_TANH : Gate.GELU_ERF, t, x, xOff, xRowStride, out, outOff, outRowStride,
                rows, d);
    }

    private static void gated(Gate gate, ElemType t, MemorySegment x, long xOff, long xRowStride,
                              MemorySegment out, long outOff, long outRowStride, int rows, int d) {
        int size = t.byteSize();
        Checks.shape(rows, d);
        Checks.region("x", x, size, xOff, xRowStride, rows, 2L * d);
        Checks.outputRegion("out", out, size, outOff, outRowStride, rows, d);
        boolean direct = t == ElemType.F32 && Lanes.allNative(x, out);
        RowScheduler.forRows(rows, 3L * d * size, (r0, r1) -> {
            if (direct) {
                for (int r = r0; r < r1; r++) {
                    long xi = xOff + r * xRowStride;
                    apply(gate, x, xi, x, xi + d, out, outOff + r * outRowStride, d);
                }
                return;
            }
            // Otherwise through f32 scratch (see Scratch), in blocks that stay in L1: widen a block of a and of b,
            // compute there, round into out.
            MemorySegment a = Scratch.row(0, BLOCK);
            MemorySegment b = Scratch.row(1, BLOCK);
            for (int r = r0; r < r1; r++) {
                long xi = xOff + r * xRowStride;
                long oi = outOff + r * outRowStride;
                for (int j = 0; j < d; j += BLOCK) {
                    int n = Math.min(BLOCK, d - j);
                    Lanes.widen(t, x, xi + j, a, n);
                    Lanes.widen(t, x, xi + d + j, b, n);
                    apply(gate, a, 0, b, 0, a, 0, n);
                    Lanes.narrow(t, a, out, oi + j, n);
                }
            }
        }, x, out);
    }

    /** One loop per activation, so that each compiles to straight vector code (no branch per vector). */
    private static void apply(Gate gate, MemorySegment a, long ai, MemorySegment b, long bi,
                              MemorySegment out, long oi, int n) {
        switch (gate) {
            case SILU -> siluMul(a, ai, b, bi, out, oi, n);
            case GELU_ERF -> geluErfMul(a, ai, b, bi, out, oi, n);
            case GELU_TANH -> geluTanhMul(a, ai, b, bi, out, oi, n);
        }
    }

    // One vector loop per activation, the scalar tails in a separate method: C2 gives up inlining when a method's
    // graph grows too big, and gelu's vector body alone is close to that limit; a vector op that is not inlined
    // boxes its vectors on the heap and runs some hundred times slower.

    private static void siluMul(MemorySegment a, long ai, MemorySegment b, long bi, MemorySegment out, long oi,
                                int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            FloatVector av = Lanes.load(a, ai + j);
            Lanes.store(VectorMath.silu(av).mul(Lanes.load(b, bi + j)), out, oi + j);
        }
        tail(Gate.SILU, a, ai, b, bi, out, oi, j, n);
    }

    /**
     * gelu in three loops over blocks (see {@link VectorMath#geluErf}), each its own method so that each is
     * compiled within its own budget. The intermediates go through two scratch blocks, and a is re-read, all from
     * L1.
     */
    private static void geluErfMul(MemorySegment a, long ai, MemorySegment b, long bi, MemorySegment out, long oi,
                                   int n) {
        MemorySegment s0 = Scratch.row(2, BLOCK);
        MemorySegment s1 = Scratch.row(3, BLOCK);
        int vectorEnd = n - n % LANES;
        for (int j = 0; j < vectorEnd; j += BLOCK) {
            int m = Math.min(vectorEnd - j, BLOCK);
            geluErfStage1(a, ai + j, s0, s1, m);
            geluErfStage2(a, ai + j, s0, s1, m);
            geluErfStage3(a, ai + j, s0, s1, b, bi + j, out, oi + j, m);
        }
        tail(Gate.GELU_ERF, a, ai, b, bi, out, oi, vectorEnd, n);
    }

    /** s0, s1 = t, q; n is a multiple of the lane count (so are the next two). */
    private static void geluErfStage1(MemorySegment a, long ai, MemorySegment s0, MemorySegment s1, int n) {
        for (int j = 0; j < n; j += LANES) {
            FloatVector z = VectorMath.geluMagnitude(Lanes.load(a, ai + j));
            FloatVector t = VectorMath.geluErfT(z);
            Lanes.store(t, s0, j);
            Lanes.store(VectorMath.geluErfQ(z, t), s1, j);
        }
    }

    /** s0, s1 = exponent e, factor m, from t, q. */
    private static void geluErfStage2(MemorySegment a, long ai, MemorySegment s0, MemorySegment s1, int n) {
        for (int j = 0; j < n; j += LANES) {
            FloatVector z = VectorMath.geluMagnitude(Lanes.load(a, ai + j));
            FloatVector q = Lanes.load(s1, j);
            FloatVector e = VectorMath.geluErfExponent(z, q);
            Lanes.store(VectorMath.geluErfFactor(z, Lanes.load(s0, j), q, e), s1, j);
            Lanes.store(e, s0, j);
        }
    }

    /** out = gelu(a) * b from e, m. */
    private static void geluErfStage3(MemorySegment a, long ai, MemorySegment s0, MemorySegment s1,
                                      MemorySegment b, long bi, MemorySegment out, long oi, int n) {
        for (int j = 0; j < n; j += LANES) {
            FloatVector g = VectorMath.geluErfFinish(Lanes.load(a, ai + j), Lanes.load(s0, j), Lanes.load(s1, j));
            Lanes.store(g.mul(Lanes.load(b, bi + j)), out, oi + j);
        }
    }

    private static void geluTanhMul(MemorySegment a, long ai, MemorySegment b, long bi, MemorySegment out, long oi,
                                    int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            FloatVector av = Lanes.load(a, ai + j);
            FloatVector bv = Lanes.load(b, bi + j);
            Lanes.store(VectorMath.geluTanh(av).mul(bv), out, oi + j);
        }
        tail(Gate.GELU_TANH, a, ai, b, bi, out, oi, j, n);
    }

    /** Elements {@code [from, n)} with the scalar twins, which give the same result as a vector lane. */
    private static void tail(Gate gate, MemorySegment a, long ai, MemorySegment b, long bi, MemorySegment out,
                             long oi, int from, int n) {
        for (int j = from; j < n; j++) {
            float av = Lanes.getF32(a, ai + j);
            float g = switch (gate) {
                case SILU -> VectorMath.silu(av);
                case GELU_ERF -> VectorMath.geluErf(av);
                case GELU_TANH -> VectorMath.geluTanh(av);
            };
            Lanes.setF32(out, oi + j, g * Lanes.getF32(b, bi + j));
        }
    }
}
