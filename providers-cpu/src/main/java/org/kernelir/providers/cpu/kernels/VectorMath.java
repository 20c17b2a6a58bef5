package org.kernelir.providers.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorized f32 activation functions, each with a scalar twin for tails that performs the identical sequence of
 * operations (so a tail element gets bit-for-bit the result it would get in a vector lane).
 *
 * <p>Design, measured on the machine the kernels were tuned on (AMD EPYC, Zen 1, AVX2):
 * <ul>
 *   <li>{@code VectorOperators.EXP} is a call into a math library per vector; the inline polynomial below lets
 *       the JIT schedule it with the surrounding arithmetic: the silu loop takes 17.5 instead of 23.8 ns per
 *       vector of 8 lanes. Estrin's scheme (a shorter dependency chain) beat Horner's there, 17.5 against
 *       21 ns.</li>
 *   <li>silu uses a degree-5 exp polynomial ({@link #expMinusAbs5}), one FMA and one mul shorter; silu stays within
 *       5 ulp (3 before). In the memory-bound [8192 x 22016] kernel on 2 threads that moved the ratio to a plain
 *       copy from about 0.50 to 0.54. Tried and slower there: a Newton reciprocal (magic-constant start, three
 *       FMA steps) instead of the division, and staging blocks through {@code float[]} (cheaper loop, but the
 *       copies serialize memory and arithmetic).</li>
 *   <li>Only {@code exp} of non-positive arguments is ever needed: silu and gelu are written as
 *       {@code a * sigmoid(y)} with {@code e = exp(-|y|)} and {@code sigmoid(y) = (y < 0 ? e : 1) / (1 + e)}, which
 *       never overflows and never cancels. That removes the upper clamp, and the lower one is a single integer
 *       min (for negative floats, integer order of the bits is magnitude order); Java-semantics float min/max
 *       cost several instructions each.</li>
 *   <li>Constants are static final vectors: broadcasting them inline makes the compiler's graph of a big
 *       function like gelu exceed C2's inlining budget, and the code then falls off the vector path.</li>
 * </ul>
 * Coefficients were fitted for this class (least squares on Chebyshev nodes against a 40-digit reference, then
 * rounded to f32).
 */
final class VectorMath {

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that {@code k * LN2_HI} is exact for the |k| <= 150 used here. */
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    /**
     * {@code 1.5 * 2^23 + 64}: adding it rounds to an integer (nearest even) held in the low mantissa bits, biased
     * by 64, so that {@code 2^(k + 64)} is a normal float for every k used here (see {@link #EXP_MIN}).
     */
    private static final float ROUND_SHIFTER = 12582912f + 64f;
    /** {@code 2^-64}: takes the biased power back; this one rounding gives subnormal results correctly. */
    private static final float TWO_POW_MINUS_64 = 0x1p-64f;
    /**
     * Arguments below this are raised to it: e^-104 is below half the smallest subnormal (2^-150), so the result
     * rounds to 0, as the exact exponential does for every argument below about -103.97 (and for -inf). Between
     * about -87.3 and that, the result is subnormal, rounded once. {@code k = round(x / ln 2) >= -150}, so
     * {@code 2^(k + 64)} times the polynomial is a normal float and can be formed by adding {@code k + 64} to the
     * exponent bits; the multiplication by 2^-64 then rounds it once.
     */
    private static final float EXP_MIN = -104f;
    private static final int EXP_MIN_BITS = Float.floatToRawIntBits(EXP_MIN);
    private static final int SIGN = 0x8000_0000;
    /**
     * Gate magnitudes above this give gelu's erfc part exactly 0 (e^-128 underflows), so exact gelu clamps |a| to
     * it before squaring: a^2 of a larger gate could overflow to infinity and turn the erfc step into NaN.
     */
    private static final int GELU_CLAMP_BITS = Float.floatToRawIntBits(16f);
    private static final int ABS = 0x7FFF_FFFF;

    /** exp(r) = 1 + r + r^2 q(r) on |r| <= ln2 / 2; q's coefficients, constant term first. */
    private static final float E0 = 0.5f;
    private static final float E1 = 0.16666576266288757f;
    private static final float E2 = 0.04166646674275398f;
    private static final float E3 = 0.008363175205886364f;
    private static final float E4 = 0.0013933643931522965f;

    /**
     * Degree-5 variant for silu: exp(r) = 1 + r + r^2 s(r) on |r| <= ln2 / 2, s's coefficients constant term first
     * (relative error 1.1e-7 before rounding). One FMA shorter and one level shallower than the degree-6 form.
     */
    private static final float S0 = 0.499992311000824f;
    private static final float S1 = 0.16667115688323975f;
    private static final float S2 = 0.041890330612659454f;
    private static final float S3 = 0.008312501013278961f;

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
    /** gelu tanh form: 0.5 (1 + tanh(u)) = sigmoid(2u), 2u = a (C1 + C3 a^2), C1 = 2 sqrt(2/pi), C3 = C1 * 0.044715. */
    private static final float GELU_TANH_C1 = (float) (2 * Math.sqrt(2 / Math.PI));
    private static final float GELU_TANH_C3 = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);

    private static final FloatVector V_LOG2E = c(LOG2E);
    private static final FloatVector V_SHIFTER = c(ROUND_SHIFTER);
    private static final FloatVector V_NEG_LN2_HI = c(-LN2_HI);
    private static final FloatVector V_NEG_LN2_LO = c(-LN2_LO);
    private static final FloatVector V_ONE = c(1f);
    private static final FloatVector V_TWO_POW_MINUS_64 = c(TWO_POW_MINUS_64);
    private static final FloatVector V_E0 = c(E0);
    private static final FloatVector V_E1 = c(E1);
    private static final FloatVector V_E2 = c(E2);
    private static final FloatVector V_E3 = c(E3);
    private static final FloatVector V_E4 = c(E4);
    private static final FloatVector V_S0 = c(S0);
    private static final FloatVector V_S1 = c(S1);
    private static final FloatVector V_S2 = c(S2);
    private static final FloatVector V_S3 = c(S3);
    private static final FloatVector V_R0 = c(R0);
    private static final FloatVector V_R1 = c(R1);
    private static final FloatVector V_R2 = c(R2);
    private static final FloatVector V_R3 = c(R3);
    private static final FloatVector V_R4 = c(R4);
    private static final FloatVector V_R5 = c(R5);
    private static final FloatVector V_R6 = c(R6);
    private static final FloatVector V_R7 = c(R7);
    private static final FloatVector V_R8 = c(R8);
    private static final FloatVector V_R9 = c(R9);
    private static final FloatVector V_HALF_SQRT1_2 = c(HALF_SQRT1_2);
    private static final FloatVector V_HALF = c(0.5f);
    private static final FloatVector V_MINUS_HALF = c(-0.5f);
    private static final FloatVector V_GELU_TANH_C1 = c(GELU_TANH_C1);
    private static final FloatVector V_GELU_TANH_C3 = c(GELU_TANH_C3);

    private VectorMath() {
    }

    private static FloatVector c(float v) {
        return FloatVector.broadcast(Lanes.F, v);
    }

    /**
     * e^-|x|, about 1 ulp where the result is normal (|x| up to 87.3), rounded once where it is subnormal, and 0
     * beyond |x| = 104 (infinities included, see {@link #EXP_MIN}); NaN gives 0 too, which every caller turns
     * back into NaN through its other operand. Setting the sign bit makes the argument -|x|, and for floats with
     * the sign bit set integer min caps the magnitude.
     */
    static FloatVector expMinusAbs(FloatVector x) {
        x = Lanes.floats(Lanes.bits(x).or(SIGN).min(EXP_MIN_BITS));
        FloatVector shifted = x.fma(V_LOG2E, V_SHIFTER);
        FloatVector k = shifted.sub(V_SHIFTER);
        FloatVector r = k.fma(V_NEG_LN2_HI, x);
        r = k.fma(V_NEG_LN2_LO, r);
        // Estrin's scheme: a shorter dependency chain than Horner's, which is what limits this code.
        FloatVector r2 = r.mul(r);
        FloatVector q = r2.fma(r.fma(V_E3, V_E2), r.fma(V_E1, V_E0)).add(r2.mul(r2).mul(V_E4));
        FloatVector p = r2.fma(q, r.add(V_ONE));
        // 2^(k + 64) by adding k + 64 to the exponent: the low bits of the shifted value are k + 64 (plus a
        // multiple of 2^9 that the shift by 23 drops); then one multiplication by 2^-64.
        IntVector kBits = Lanes.bits(shifted).lanewise(VectorOperators.LSHL, 23);
        return Lanes.floats(Lanes.bits(p).add(kBits)).mul(V_TWO_POW_MINUS_64);
    }

    /** Scalar twin of {@link #expMinusAbs(FloatVector)}. */
    static float expMinusAbs(float x) {
        x = Float.intBitsToFloat(Math.min(Float.floatToRawIntBits(x) | SIGN, EXP_MIN_BITS));
        float shifted = Math.fma(x, LOG2E, ROUND_SHIFTER);
        float k = shifted - ROUND_SHIFTER;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float r2 = r * r;
        float q = Math.fma(r2, Math.fma(r, E3, E2), Math.fma(r, E1, E0)) + r2 * r2 * E4;
        float p = Math.fma(r2, q, r + 1f);
        return Float.intBitsToFloat(Float.floatToRawIntBits(p) + (Float.floatToRawIntBits(shifted) << 23))
                * TWO_POW_MINUS_64;
    }

    /**
     * e^-|x| as {@link #expMinusAbs(FloatVector)} (same clamp and range reduction) with the degree-5 polynomial: within
     * 3 ulp, what silu needs; gelu's erfc tail keeps the degree-6 one.
     */
    static FloatVector expMinusAbs5(FloatVector x) {
        x = Lanes.floats(Lanes.bits(x).or(SIGN).min(EXP_MIN_BITS));
        FloatVector shifted = x.fma(V_LOG2E, V_SHIFTER);
        FloatVector k = shifted.sub(V_SHIFTER);
        FloatVector r = k.fma(V_NEG_LN2_HI, x);
        r = k.fma(V_NEG_LN2_LO, r);
        FloatVector r2 = r.mul(r);
        FloatVector q = r2.fma(r.fma(V_S3, V_S2), r.fma(V_S1, V_S0));
        FloatVector p = r2.fma(q, r.add(V_ONE));
        IntVector kBits = Lanes.bits(shifted).lanewise(VectorOperators.LSHL, 23);
        return Lanes.floats(Lanes.bits(p).add(kBits)).mul(V_TWO_POW_MINUS_64);
    }

    /** Scalar twin of {@link #expMinusAbs5(FloatVector)}. */
    static float expMinusAbs5(float x) {
        x = Float.intBitsToFloat(Math.min(Float.floatToRawIntBits(x) | SIGN, EXP_MIN_BITS));
        float shifted = Math.fma(x, LOG2E, ROUND_SHIFTER);
        float k = shifted - ROUND_SHIFTER;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float r2 = r * r;
        float q = Math.fma(r2, Math.fma(r, S3, S2), Math.fma(r, S1, S0));
        float p = Math.fma(r2, q, r + 1f);
        return Float.intBitsToFloat(Float.floatToRawIntBits(p) + (Float.floatToRawIntBits(shifted) << 23))
                * TWO_POW_MINUS_64;
    }

    /**
     * {@code a * sigmoid(y)} given {@code e = exp(-|y|)} and that y has the sign of a (the sign of y does not need
     * to be known otherwise):
     * {@code a * (a < 0 ? e : 1) / (1 + e)}.
     */
    private static FloatVector timesSigmoid(FloatVector a, FloatVector e) {
        FloatVector numerator = a.blend(a.mul(e), a.compare(VectorOperators.LT, 0f));
        return numerator.div(e.add(V_ONE));
    }

    /** silu(a) = a * sigmoid(a). */
    static FloatVector silu(FloatVector a) {
        return timesSigmoid(a, expMinusAbs5(a));
    }

    /** Scalar twin of {@link #silu(FloatVector)}. */
    static float silu(float a) {
        float e = expMinusAbs5(a);
        return (a < 0f ? a * e : a) / (e + 1f);
    }

    /** gelu with the tanh approximation: 0.5 a (1 + tanh(u)) = a * sigmoid(2u), 2u = a (C1 + C3 a^2). */
    static FloatVector geluTanh(FloatVector a) {
        FloatVector factor = a.mul(a).fma(V_GELU_TANH_C3, V_GELU_TANH_C1);
        return timesSigmoid(a, expMinusAbs(a.mul(factor)));
    }

    /** Scalar twin of {@link #geluTanh(FloatVector)}. */
    static float geluTanh(float a) {
        float factor = Math.fma(a * a, GELU_TANH_C3, GELU_TANH_C1);
        float e = expMinusAbs(a * factor);
        return (a < 0f ? a * e : a) / (e + 1f);
    }

    /**
     * Exact gelu, a * Phi(a) with Phi(a) = 0.5 erfc(-a / sqrt 2): from erfc of |z| directly, so both tails keep
     * their relative accuracy (1 - erfc for a >= 0 never cancels because erfc <= 1 there).
     *
     * <p>The kernels evaluate it in three loops, through {@link #geluErfT} and {@link #geluErfQ}, then
     * {@link #geluErfExponent} and {@link #geluErfFactor}, then {@link #geluErfFinish}: C2 stops inlining once a
     * method's graph holds about 30 vector operations, and a vector operation that is not inlined boxes its
     * operands on the heap.
     */
    static FloatVector geluErf(FloatVector a) {
        FloatVector z = geluMagnitude(a);
        FloatVector t = geluErfT(z);
        FloatVector q = geluErfQ(z, t);
        FloatVector e = geluErfExponent(z, q);
        return geluErfFinish(a, e, geluErfFactor(z, t, q, e));
    }

    /**
     * min(|a|, 16), which the erfc part of exact gelu works on: beyond 16 that part is 0 either way, and the clamp
     * keeps a^2 finite for every finite gate (and for infinities and NaN, whose result the final product with a
     * gives).
     */
    static FloatVector geluMagnitude(FloatVector a) {
        return Lanes.floats(Lanes.bits(a).and(ABS).min(GELU_CLAMP_BITS));
    }

    /** Scalar twin of {@link #geluMagnitude(FloatVector)}. */
    static float geluMagnitude(float a) {
        return Float.intBitsToFloat(Math.min(Float.floatToRawIntBits(a) & ABS, GELU_CLAMP_BITS));
    }

    /** t = 1 / (1 + z/2) for z = |a| / sqrt 2; {@code a} is a {@link #geluMagnitude}. */
    static FloatVector geluErfT(FloatVector a) {
        return V_ONE.div(a.fma(V_HALF_SQRT1_2, V_ONE));
    }

    /** q = s R(s), the correction in erfc's exponent, with s = 1 - t = t z/2; {@code a} is a {@link #geluMagnitude}. */
    static FloatVector geluErfQ(FloatVector a, FloatVector t) {
        FloatVector s = a.mul(V_HALF_SQRT1_2).mul(t);
        FloatVector r = s.fma(V_R9, V_R8).fma(s, V_R7).fma(s, V_R6).fma(s, V_R5).fma(s, V_R4).fma(s, V_R3)
                .fma(s, V_R2).fma(s, V_R1).fma(s, V_R0);
        return s.mul(r);
    }

    /** e = -z^2 + q rounded to f32, where -z^2 = -a^2 / 2. */
    static FloatVector geluErfExponent(FloatVector a, FloatVector q) {
        return a.mul(a).mul(V_MINUS_HALF).add(q);
    }

    /**
     * m = t/2 (1 + d), where d is what rounding lost from the exponent e, so that 0.5 erfc(|z|) = m exp(e). The
     * exponent reaches -20 where gelu still matters and its rounding would cost up to 1e-6 relative, so d
     * recovers it: -a^2 / 2 from the exact product a^2 = hi + lo, and the exact error of hi + q (TwoSum).
     */
    static FloatVector geluErfFactor(FloatVector a, FloatVector t, FloatVector q, FloatVector e) {
        FloatVector hi = a.mul(a).mul(V_MINUS_HALF);
        FloatVector lo = a.fma(a, hi.add(hi)).mul(V_MINUS_HALF);
        FloatVector qPart = e.sub(hi);
        FloatVector d = hi.sub(e.sub(qPart)).add(q.sub(qPart)).add(lo);
        FloatVector halfT = t.mul(V_HALF);
        return halfT.fma(d, halfT);
    }

    /** a * Phi(a) from the exponent e and the factor m: Phi = 1 - m exp(e) for a >= 0, m exp(e) below. */
    static FloatVector geluErfFinish(FloatVector a, FloatVector e, FloatVector m) {
        FloatVector halfErfc = m.mul(expMinusAbs(e));
        FloatVector phi = V_ONE.sub(halfErfc).blend(halfErfc, a.compare(VectorOperators.LT, 0f));
        return a.mul(phi);
    }

    /** Scalar twin of {@link #geluErf(FloatVector)}. */
    static float geluErf(float gate) {
        float a = geluMagnitude(gate);
        float t = 1f / Math.fma(a, HALF_SQRT1_2, 1f);
        float s = a * HALF_SQRT1_2 * t;
        float r = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(
                s, R9, R8), s, R7), s, R6), s, R5), s, R4), s, R3), s, R2), s, R1), s, R0);
        float q = s * r;
        float e = a * a * -0.5f + q;
        float hi = a * a * -0.5f;
        float lo = Math.fma(a, a, hi + hi) * -0.5f;
        float qPart = e - hi;
        float d = hi - (e - qPart) + (q - qPart) + lo;
        float halfT = t * 0.5f;
        float m = Math.fma(halfT, d, halfT);
        float halfErfc = m * expMinusAbs(e);
        float phi = gate < 0f ? halfErfc : 1f - halfErfc;
        return gate * phi;
    }
}
