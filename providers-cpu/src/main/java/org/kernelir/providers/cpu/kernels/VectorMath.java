package org.kernelir.providers.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorized f32 transcendental functions for the activation kernels, each with a scalar twin for tails that
 * runs the identical sequence of operations (so a tail element gets the same result as it would in a vector).
 *
 * <p>Why not {@code VectorOperators.EXP}: it is a call into a math library per vector (or a scalar fallback
 * loop) and cannot be interleaved with the surrounding arithmetic; the inline polynomial below is several
 * times faster (measure with {@code KernelTiming}) at about 1 ulp.
 *
 * <p>Coefficients were fitted for this class (least squares on Chebyshev nodes against a 40-digit reference,
 * then rounded to f32).
 */
final class VectorMath {

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that {@code k * LN2_HI} is exact for the |k| <= 128 used here. */
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    /** {@code 1.5 * 2^23}: adding it rounds to an integer (nearest even) held in the low mantissa bits. */
    private static final float ROUND_SHIFTER = 12582912f;
    private static final int ROUND_SHIFTER_BITS = Float.floatToRawIntBits(ROUND_SHIFTER);
    /**
     * Input clamp for {@link #exp}: {@code 2^k} must stay a normal float for k = round(x / ln 2), so the results
     * saturate at about 1.2e-38 and 1.6e38 instead of reaching 0 and infinity. The callers feed them into
     * {@code 1 / (1 + e)} or multiply them by a tiny factor, where that difference is far below any tolerance.
     */
    private static final float EXP_MIN = -87.3f;
    private static final float EXP_MAX = 88.0f;

    /** exp(r) = 1 + r + r^2 q(r) on |r| <= ln2 / 2; q's coefficients, constant term first. */
    private static final float E0 = 0.5f;
    private static final float E1 = 0.16666576266288757f;
    private static final float E2 = 0.04166646674275398f;
    private static final float E3 = 0.008363175205886364f;
    private static final float E4 = 0.0013933643931522965f;

    /**
     * erfc(z) = t exp(-z^2 + P(t)) with t = 1 / (1 + z/2), z >= 0: P is smooth and bounded on t in (0, 1], so a
     * polynomial fits it to 5e-8 (absolute, in the exponent) for z up to 10, beyond which erfc underflows f32.
     * This keeps the relative accuracy of erfc in the far tail, which is what gelu's negative side needs.
     */
    private static final float P0 = -1.265447974205017f;
    private static final float P1 = 0.9986327886581421f;
    private static final float P2 = 0.38664039969444275f;
    private static final float P3 = 0.03460279852151871f;
    private static final float P4 = 0.0012675863690674305f;
    private static final float P5 = -0.08028043061494827f;
    private static final float P6 = -0.6962519288063049f;
    private static final float P7 = 1.156733751296997f;
    private static final float P8 = -0.6808272004127502f;
    private static final float P9 = 0.14493021368980408f;

    private static final float SQRT1_2 = 0.70710678118654752f;
    /** gelu tanh form as a sigmoid: 0.5(1 + tanh(u)) = 1 / (1 + exp(-2u)), u = sqrt(2/pi)(a + 0.044715 a^3). */
    private static final float GELU_TANH_C1 = (float) (-2 * Math.sqrt(2 / Math.PI));
    private static final float GELU_TANH_C3 = (float) (-2 * Math.sqrt(2 / Math.PI) * 0.044715);

    private VectorMath() {
    }

    /** A broadcast constant; the JIT hoists these out of the kernel loops. */
    private static FloatVector c(float v) {
        return FloatVector.broadcast(Lanes.F, v);
    }

    /** e^x, about 1 ulp for x in [-87.3, 88]; saturates outside (see {@link #EXP_MIN}); NaN gives NaN. */
    static FloatVector exp(FloatVector x) {
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = x.fma(LOG2E, ROUND_SHIFTER);
        FloatVector k = shifted.sub(ROUND_SHIFTER);
        FloatVector r = k.fma(c(-LN2_HI), x);
        r = k.fma(c(-LN2_LO), r);
        FloatVector q = r.fma(E4, E3);
        q = q.fma(r, c(E2));
        q = q.fma(r, c(E1));
        q = q.fma(r, c(E0));
        FloatVector one = FloatVector.broadcast(Lanes.F, 1f);
        FloatVector p = r.fma(r.fma(q, one), one);
        // 2^k: the low bits of the shifted value are k (+ a multiple of 2^9 that the shift by 23 drops).
        IntVector scale = shifted.reinterpretAsInts().add(127 - ROUND_SHIFTER_BITS)
                .lanewise(VectorOperators.LSHL, 23);
        return p.mul(scale.reinterpretAsFloats());
    }

    /** Scalar twin of {@link #exp(FloatVector)}. */
    static float exp(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float shifted = Math.fma(x, LOG2E, ROUND_SHIFTER);
        float k = shifted - ROUND_SHIFTER;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float q = Math.fma(Math.fma(Math.fma(Math.fma(r, E4, E3), r, E2), r, E1), r, E0);
        float p = Math.fma(r, Math.fma(r, q, 1f), 1f);
        int scale = (Float.floatToRawIntBits(shifted) + (127 - ROUND_SHIFTER_BITS)) << 23;
        return p * Float.intBitsToFloat(scale);
    }

    /** silu(a) = a / (1 + e^-a). */
    static FloatVector silu(FloatVector a) {
        return a.div(exp(a.neg()).add(1f));
    }

    /** Scalar twin of {@link #silu(FloatVector)}. */
    static float silu(float a) {
        return a / (exp(-a) + 1f);
    }

    /** gelu with the tanh approximation, computed as a / (1 + exp(-2u)) (no cancellation for negative a). */
    static FloatVector geluTanh(FloatVector a) {
        FloatVector a2 = a.mul(a);
        FloatVector minus2u = a.mul(a2.fma(GELU_TANH_C3, GELU_TANH_C1));
        return a.div(exp(minus2u).add(1f));
    }

    /** Scalar twin of {@link #geluTanh(FloatVector)}. */
    static float geluTanh(float a) {
        float minus2u = a * Math.fma(a * a, GELU_TANH_C3, GELU_TANH_C1);
        return a / (exp(minus2u) + 1f);
    }

    /**
     * Exact gelu, a * Phi(a) with Phi(a) = 0.5 erfc(-a / sqrt 2): from erfc of |z| directly, so both tails keep
     * their relative accuracy (1 - erfc for a >= 0 never cancels because erfc <= 1 there).
     */
    static FloatVector geluErf(FloatVector a) {
        FloatVector z = a.abs().mul(SQRT1_2);
        FloatVector t = FloatVector.broadcast(Lanes.F, 1f).div(z.fma(0.5f, 1f));
        FloatVector poly = t.fma(P9, P8).fma(t, c(P7)).fma(t, c(P6)).fma(t, c(P5)).fma(t, c(P4)).fma(t, c(P3))
                .fma(t, c(P2)).fma(t, c(P1)).fma(t, c(P0));
        FloatVector halfErfc = t.mul(0.5f).mul(exp(z.neg().fma(z, poly)));
        FloatVector phi = halfErfc.neg().add(1f).blend(halfErfc, a.compare(VectorOperators.LT, 0f));
        return a.mul(phi);
    }

    /** Scalar twin of {@link #geluErf(FloatVector)}. */
    static float geluErf(float a) {
        float z = Math.abs(a) * SQRT1_2;
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float poly = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(
                t, P9, P8), t, P7), t, P6), t, P5), t, P4), t, P3), t, P2), t, P1), t, P0);
        float halfErfc = t * 0.5f * exp(Math.fma(-z, z, poly));
        float phi = a < 0f ? halfErfc : 1f - halfErfc;
        return a * phi;
    }
}
