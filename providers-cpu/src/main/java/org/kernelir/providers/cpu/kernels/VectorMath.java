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
     * erfc(z) = t exp(-z^2 + s R(s)) for z >= 0, with t = 1 / (1 + z/2) and s = 1 - t = z / (2 + z) in [0, 1): the
     * exponent's correction s R(s) is smooth and vanishes at z = 0, so a polynomial R fits it to 1e-8 (absolute)
     * for z up to 10, beyond which erfc underflows f32, and its evaluation does not cancel near z = 0. Keeping
     * erfc's relative accuracy in the far tail is what gelu's negative side needs.
     */
    private static final float R0 = -1.2567583322525024f;
    private static final float R1 = -0.3032395839691162f;
    private static final float R2 = 0.16153758764266968f;
    private static final float R3 = 0.1914919912815094f;
    private static final float R4 = 0.07164308428764343f;
    private static final float R5 = -0.14332221448421478f;
    private static final float R6 = 0.17864616215229034f;
    private static final float R7 = -0.5051525235176086f;
    private static final float R8 = 0.49261346459388733f;
    private static final float R9 = -0.15304520726203918f;

    /** sqrt(1/2) / 2: z/2 for z = |a| / sqrt 2. */
    private static final float HALF_SQRT1_2 = 0.35355339059327376f;
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
        FloatVector halfZ = a.abs().mul(HALF_SQRT1_2);
        FloatVector t = FloatVector.broadcast(Lanes.F, 1f).div(halfZ.add(1f));
        FloatVector s = halfZ.mul(t);
        FloatVector r = s.fma(R9, R8).fma(s, c(R7)).fma(s, c(R6)).fma(s, c(R5)).fma(s, c(R4)).fma(s, c(R3))
                .fma(s, c(R2)).fma(s, c(R1)).fma(s, c(R0));
        // The exponent -z^2 + s R(s) reaches -20 where gelu still matters; rounding it to f32 would cost up to
        // 1e-6 relative. So: -z^2 = -a^2 / 2 from the exact product a^2 = hi + lo (no error from rounding z), the
        // sum with s R(s) as a rounded part plus its exact error (TwoSum), and exp(e + d) = exp(e) (1 + d).
        FloatVector hi = a.mul(a).mul(-0.5f);
        FloatVector lo = a.fma(a, hi.mul(2f)).mul(-0.5f);
        FloatVector q = s.mul(r);
        FloatVector e = hi.add(q);
        FloatVector qPart = e.sub(hi);
        FloatVector d = hi.sub(e.sub(qPart)).add(q.sub(qPart)).add(lo);
        FloatVector ex = exp(e);
        FloatVector halfErfc = t.mul(0.5f).mul(ex.fma(d, ex));
        FloatVector phi = halfErfc.neg().add(1f).blend(halfErfc, a.compare(VectorOperators.LT, 0f));
        return a.mul(phi);
    }

    /** Scalar twin of {@link #geluErf(FloatVector)}. */
    static float geluErf(float a) {
        float halfZ = Math.abs(a) * HALF_SQRT1_2;
        float t = 1f / (halfZ + 1f);
        float s = halfZ * t;
        float r = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(
                s, R9, R8), s, R7), s, R6), s, R5), s, R4), s, R3), s, R2), s, R1), s, R0);
        float hi = a * a * -0.5f;
        float lo = Math.fma(a, a, hi * 2f) * -0.5f;
        float q = s * r;
        float e = hi + q;
        float qPart = e - hi;
        float d = hi - (e - qPart) + (q - qPart) + lo;
        float ex = exp(e);
        float halfErfc = t * 0.5f * Math.fma(ex, d, ex);
        float phi = a < 0f ? halfErfc : 1f - halfErfc;
        return a * phi;
    }
}
