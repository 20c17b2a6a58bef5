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
        assertEquals(0f, VectorMath.expMinusAbs5(Float.NEGATIVE_INFINITY));
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

    /**
     * Below about -87.3 the exponential is subnormal: both polynomials give it rounded once (within one unit of the
     * smallest subnormal of the correctly rounded value), and 0 from about -103.97 on, infinities included, as
     * {@code (float) Math.exp(x)} does. (The kernels formerly held it at e^-86.6, about 2.4e-38, so silu(-1e19) came
     * out as -2.4e-19 instead of -0.)
     */
    @Test
    void expUnderflowsGraduallyToZeroAsTheExactOneDoes() {
        for (int bits = Float.floatToRawIntBits(87f); bits <= Float.floatToRawIntBits(110f); bits += 7) {
            float x = -Float.intBitsToFloat(bits);
            float ref = (float) Math.exp(x);
            for (float e : new float[] {VectorMath.expMinusAbs(x), VectorMath.expMinusAbs5(x)}) {
                assertTrue(Math.abs(e - ref) <= Float.MIN_VALUE * (ref < Float.MIN_NORMAL ? 1 : 0) + 3 * Math.ulp(ref),
                        "exp(" + x + ") = " + e + ", exactly rounded " + ref);
            }
        }
        for (float x : new float[] {-104f, -1000f, -1e19f, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY,
                Float.POSITIVE_INFINITY, 1e30f}) {
            assertEquals(0f, VectorMath.expMinusAbs(x), "exp(-|" + x + "|)");
            assertEquals(0f, VectorMath.expMinusAbs5(x), "exp5(-|" + x + "|)");
        }
        assertEquals(Float.MIN_VALUE, VectorMath.expMinusAbs((float) -Math.log(0x1p149)), 0f, "exp at 2^-149");
        assertEquals(1f, VectorMath.expMinusAbs(0f));
        assertEquals(1f, VectorMath.expMinusAbs(-0f));
        assertEquals(1f, VectorMath.expMinusAbs(Float.MIN_VALUE), "a subnormal argument");
    }

    /** What native's formulas give at the edges: infinities, NaN, signed zeros, subnormal and huge gates. */
    @Test
    void activationsMatchNativeAtTheEdges() {
        float inf = Float.POSITIVE_INFINITY;
        for (FloatUnary f : new FloatUnary[] {VectorMath::silu, VectorMath::geluErf, VectorMath::geluTanh}) {
            assertEquals(inf, f.apply(inf));
            assertTrue(Float.isNaN(f.apply(-inf)), "-inf * 0 is NaN");
            assertTrue(Float.isNaN(f.apply(Float.NaN)));
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(f.apply(-0f)), "-0 stays -0");
            assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(f.apply(0f)));
            for (float big : new float[] {1e19f, 1.85e19f, 1e30f, Float.MAX_VALUE}) {
                assertEquals(big, f.apply(big), "gate " + big);
                assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(f.apply(-big)), "gate " + -big);
            }
            // A subnormal gate: half of it (silu and gelu have slope 1/2 at 0).
            assertEquals(Float.MIN_VALUE, f.apply(2 * Float.MIN_VALUE));
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(VectorMath.silu(-105f)), "sigmoid underflows");
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

    @Test
    void vectorAndScalarTwinsAgreeExactlyAtTheEdges() {
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, -1e-40f, Float.MIN_NORMAL, 90f, -90f,
            100f, -100f, 104f, -104f, 1e19f, -1e19f, 2e19f, -2e19f, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        for (int start = 0; start < edges.length; start += Lanes.LANES) {
            float[] in = new float[Lanes.LANES];
            for (int l = 0; l < in.length; l++) {
                in[l] = edges[(start + l) % edges.length];
            }
            checkTwinsOn(in, VectorMath::expMinusAbs, VectorMath::expMinusAbs, "exp");
            checkTwinsOn(in, VectorMath::expMinusAbs5, VectorMath::expMinusAbs5, "exp5");
            checkTwinsOn(in, VectorMath::silu, VectorMath::silu, "silu");
            checkTwinsOn(in, VectorMath::geluErf, VectorMath::geluErf, "gelu");
            checkTwinsOn(in, VectorMath::geluTanh, VectorMath::geluTanh, "gelu_tanh");
        }
    }

    private static void checkTwinsOn(float[] in, UnaryOperator<FloatVector> vector, FloatUnary scalar, String name) {
        float[] out = new float[Lanes.LANES];
        vector.apply(FloatVector.fromArray(Lanes.F, in, 0)).intoArray(out, 0);
        for (int l = 0; l < in.length; l++) {
            float want = scalar.apply(in[l]);
            assertTrue(Float.floatToRawIntBits(want) == Float.floatToRawIntBits(out[l])
                    || (Float.isNaN(want) && Float.isNaN(out[l])), name + "(" + in[l] + "): " + out[l] + " vs " + want);
        }
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
