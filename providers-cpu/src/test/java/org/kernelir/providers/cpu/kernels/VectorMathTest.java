package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import jdk.incubator.vector.FloatVector;

import org.junit.jupiter.api.Test;

/** Accuracy of the inline vector math, and agreement of each vector function with its scalar twin. */
class VectorMathTest {

    private static final int SAMPLES = 200_000;

    @Test
    void expMinusAbsIsWithinTwoUlpOnItsRange() {
        SplittableRandom rnd = new SplittableRandom(1);
        double worst = 0;
        for (int i = 0; i < SAMPLES; i++) {
            float x = (float) (-86.6 * rnd.nextDouble());
            float e = VectorMath.expMinusAbs(x);
            double ref = Math.exp(x);
            worst = Math.max(worst, Math.abs(e - ref) / Math.ulp((float) ref));
        }
        assertTrue(worst <= 2, "exp worst error " + worst + " ulp");
    }

    /** Every float in [-86.6, 0] with the low 6 mantissa bits clear (about 1.6e7 arguments), plus the bottom. */
    @Test
    void expMinusAbs5IsWithinThreeUlpOnItsRange() {
        double worst = 0;
        float worstAt = 0;
        int end = Float.floatToRawIntBits(86.6f);
        for (int bits = 0; bits <= end; bits += 64) {
            float x = -Float.intBitsToFloat(bits);
            double ref = Math.exp(x);
            double err = Math.abs(VectorMath.expMinusAbs5(x) - ref) / Math.ulp((float) ref);
            if (err > worst) {
                worst = err;
                worstAt = x;
            }
        }
        assertTrue(worst <= 3, "exp5 worst error " + worst + " ulp at " + worstAt);
        assertTrue(worst > 0.5, "the sweep should see rounding, got " + worst);
        assertEquals(VectorMath.expMinusAbs5(-86.6f), VectorMath.expMinusAbs5(Float.NEGATIVE_INFINITY));
        assertEquals(1f, VectorMath.expMinusAbs5(0f));
        assertEquals(1f, VectorMath.expMinusAbs5(-0f));
    }

    /**
     * silu's relative error over a dense sweep of |a| up to 100 of both signs: within 5 ulp of the f32 result's
     * spacing (the op's rtol, 1.3e-6, is about 11 ulp) wherever the result is above 1e-30.
     */
    @Test
    void siluIsWithinFiveUlpOnADenseSweep() {
        double worst = 0;
        float worstAt = 0;
        int end = Float.floatToRawIntBits(100f);
        for (int bits = Float.floatToRawIntBits(1e-30f); bits <= end; bits += 97) {
            for (float a : new float[] {Float.intBitsToFloat(bits), -Float.intBitsToFloat(bits)}) {
                double ref = Reference.silu(a);
                if (Math.abs(ref) < 1e-30) {
                    continue;
                }
                double err = Math.abs(VectorMath.silu(a) - ref) / Math.ulp((float) ref);
                if (err > worst) {
                    worst = err;
                    worstAt = a;
                }
            }
        }
        assertTrue(worst <= 5, "silu worst error " + worst + " ulp at " + worstAt);
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.silu(Float.POSITIVE_INFINITY));
        assertEquals(1000f, VectorMath.silu(1000f));
        assertTrue(Math.abs(VectorMath.silu(-1000f)) < 1e-30f);
    }

    @Test
    void expSaturatesAtTheBottomOfItsRange() {
        float floor = VectorMath.expMinusAbs(-86.6f);
        assertTrue(floor > 0 && floor < 3e-38f, "floor " + floor);
        assertEquals(floor, VectorMath.expMinusAbs(-1000f));
        assertEquals(floor, VectorMath.expMinusAbs(Float.NEGATIVE_INFINITY));
        assertEquals(1f, VectorMath.expMinusAbs(0f));
        assertEquals(1f, VectorMath.expMinusAbs(-0f));
        assertTrue(Float.isNaN(VectorMath.silu(Float.NaN)));
        assertTrue(Float.isNaN(VectorMath.geluErf(Float.NaN)));
        assertTrue(Float.isNaN(VectorMath.geluTanh(Float.NaN)));
    }

    @Test
    void activationsAreWithinTheF32Tolerance() {
        checkAgainstDouble(VectorMath::silu, Reference::silu, "silu");
        checkAgainstDouble(VectorMath::geluErf, Reference::geluErf, "gelu");
        checkAgainstDouble(VectorMath::geluTanh, Reference::geluTanh, "gelu_tanh");
    }

    @Test
    void vectorAndScalarTwinsAgreeExactly() {
        checkTwins(VectorMath::expMinusAbs, VectorMath::expMinusAbs, "exp");
        checkTwins(VectorMath::expMinusAbs5, VectorMath::expMinusAbs5, "exp5");
        checkTwins(VectorMath::silu, VectorMath::silu, "silu");
        checkTwins(VectorMath::geluErf, VectorMath::geluErf, "gelu");
        checkTwins(VectorMath::geluTanh, VectorMath::geluTanh, "gelu_tanh");
    }

    /**
     * Within 5 ulp plus 1e-8 absolute. The absolute part only matters in the negative tails, where the result is
     * below 1e-4 and an argument of exp near -10 can carry a few 1e-7 of relative error; the op tolerance there is
     * atol 1e-5, three orders of magnitude looser (and f32 native, with its 1 + erf or 1 + tanh, is far worse).
     */
    private static void checkAgainstDouble(FloatUnary f, DoubleUnaryOperator ref, String name) {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < SAMPLES; i++) {
            float a = (float) ((rnd.nextDouble() * 2 - 1) * (i % 2 == 0 ? 8 : 40));
            double expected = ref.applyAsDouble(a);
            float actual = f.apply(a);
            double err = Math.abs(actual - expected);
            double bound = 5 * Math.ulp((float) expected) + 1e-8;
            assertTrue(err <= bound, name + "(" + a + ") = " + actual + ", expected " + expected + ", error "
                    + err / Math.ulp((float) expected) + " ulp");
        }
    }

    private static void checkTwins(UnaryOperator<FloatVector> vector, FloatUnary scalar, String name) {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] in = new float[Lanes.LANES];
        float[] out = new float[Lanes.LANES];
        for (int i = 0; i < SAMPLES / Lanes.LANES; i++) {
            for (int l = 0; l < in.length; l++) {
                in[l] = (float) ((rnd.nextDouble() * 2 - 1) * 30);
            }
            vector.apply(FloatVector.fromArray(Lanes.F, in, 0)).intoArray(out, 0);
            for (int l = 0; l < in.length; l++) {
                assertEquals(Float.floatToRawIntBits(scalar.apply(in[l])), Float.floatToRawIntBits(out[l]),
                        name + "(" + in[l] + ")");
            }
        }
    }

    @FunctionalInterface
    private interface FloatUnary {
        float apply(float a);
    }
}
