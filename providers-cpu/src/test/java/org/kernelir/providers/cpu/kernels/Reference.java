package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Test-side reference: element decoding and rounding written independently of the kernels' bit tricks, plain
 * double-precision math, data filling and tolerance checks.
 *
 * <p>{@code f16} uses the JDK's {@link Float#float16ToFloat}/{@link Float#floatToFloat16}; {@code bf16} and fp8
 * e4m3fn rounding are done here by searching the nearest representable value, which shares nothing with the
 * kernels' integer arithmetic.
 */
final class Reference {

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Tolerance of a comparison: |actual - expected| <= atol + rtol * |expected|. */
    record Tol(double atol, double rtol) {
        /** The IR's default tolerance for an element type. */
        static Tol of(ElemType t) {
            return switch (t) {
                case F32 -> new Tol(1e-5, 1.3e-6);
                case F16 -> new Tol(1e-3, 1e-3);
                case BF16 -> new Tol(1e-3, 1.6e-2);
            };
        }

        /** rms_norm's override: f32 1e-5/1e-5, f16 1e-2/2e-3, bf16 default. */
        static Tol rmsNorm(ElemType t) {
            return switch (t) {
                case F32 -> new Tol(1e-5, 1e-5);
                case F16 -> new Tol(1e-2, 2e-3);
                case BF16 -> of(t);
            };
        }
    }

    private Reference() {
    }

    // ------------------------------------------------------------------ element access

    static MemorySegment alloc(Arena arena, ElemType t, long elements) {
        // Deliberately misaligned by one byte: the kernels must not assume any alignment.
        return arena.allocate(elements * t.byteSize() + 1, 64).asSlice(1);
    }

    /**
     * Heap memory over a {@code long[]}, as {@code CpuTensor.zeros} allocates tensors, two bytes in (so f32 elements
     * are misaligned too). The Vector API cannot access such memory directly as floats; the kernels must stage it.
     */
    static MemorySegment heap(ElemType t, long elements) {
        long bytes = elements * t.byteSize() + 2;
        return MemorySegment.ofArray(new long[(int) ((bytes + 7) / 8)]).asSlice(2, elements * t.byteSize());
    }

    /** Native (misaligned) or heap memory. */
    static MemorySegment alloc(Arena arena, ElemType t, long elements, boolean heap) {
        return heap ? heap(t, elements) : alloc(arena, t, elements);
    }

    static double get(ElemType t, MemorySegment s, long i) {
        return switch (t) {
            case F32 -> s.get(F32, i * 4);
            case F16 -> Float.float16ToFloat(s.get(I16, i * 2));
            case BF16 -> Float.intBitsToFloat(s.get(I16, i * 2) << 16);
        };
    }

    /** Stores {@code v} rounded to nearest even in {@code t}. */
    static void set(ElemType t, MemorySegment s, long i, double v) {
        switch (t) {
            case F32 -> s.set(F32, i * 4, (float) v);
            case F16 -> s.set(I16, i * 2, Float.floatToFloat16((float) v));
            case BF16 -> s.set(I16, i * 2, bf16Bits((float) v));
        }
    }

    /** {@code v} rounded to {@code t} and back, as the value a kernel would store. */
    static double round(ElemType t, double v) {
        return switch (t) {
            case F32 -> (float) v;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BF16 -> Float.intBitsToFloat(bf16Bits((float) v) << 16);
        };
    }

    /** Fills a {@code rows x cols} region with uniform values in {@code [lo, hi)}, rounded to the type. */
    static void fill(ElemType t, MemorySegment s, long off, long stride, int rows, int cols, SplittableRandom rnd,
                     double lo, double hi) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                set(t, s, off + r * stride + c, lo + (hi - lo) * rnd.nextDouble());
            }
        }
    }

    // ------------------------------------------------------------------ independent roundings

    /** bf16 bits of {@code v}, round to nearest even, by comparing the two neighbouring bf16 values. */
    static short bf16Bits(float v) {
        if (Float.isNaN(v)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(v);
        int down = bits >>> 16;
        int up = down + 1;
        double dv = v;
        double lo = Float.intBitsToFloat(down << 16);
        double hi = (up & 0x7F80) == 0x7F80 && (down & 0x7F80) != 0x7F80
                ? Math.copySign(Math.pow(2, 128), v) : Float.intBitsToFloat(up << 16);
        if ((bits & 0xFFFF) == 0) {
            return (short) down;
        }
        double dLo = Math.abs(dv - lo);
        double dHi = Math.abs(hi - dv);
        if (dLo < dHi || (dLo == dHi && (down & 1) == 0)) {
            return (short) down;
        }
        return (short) up;
    }

    /** Value of an fp8 e4m3fn code: S.EEEE.MMM, bias 7, subnormals at exponent 0, 0x7F/0xFF NaN. */
    static float fp8Value(byte code) {
        int c = code & 0xFF;
        int sign = c >> 7;
        int e = (c >> 3) & 0xF;
        int m = c & 7;
        if (e == 15 && m == 7) {
            return Float.NaN;
        }
        double mag = e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        return (float) (sign == 1 ? -mag : mag);
    }

    /** The 127 non-negative finite e4m3fn values, in code order (which is value order). */
    private static final double[] FP8_VALUES = new double[0x7F];

    static {
        for (int c = 0; c < FP8_VALUES.length; c++) {
            FP8_VALUES[c] = fp8Value((byte) c);
        }
    }

    /** Saturating fp8 e4m3fn encoding by nearest-value search, ties to the even code. */
    static byte fp8Code(float v) {
        int sign = (Float.floatToRawIntBits(v) >>> 31) << 7;
        if (Float.isNaN(v)) {
            return (byte) (0x7F | sign);
        }
        double a = Math.min(Math.abs((double) v), 448.0);
        int i = java.util.Arrays.binarySearch(FP8_VALUES, a);
        if (i >= 0) {
            return (byte) (i | sign);
        }
        int above = -i - 1;
        int below = above - 1;
        double dBelow = a - FP8_VALUES[below];
        double dAbove = FP8_VALUES[above] - a;
        int best = dBelow < dAbove || (dBelow == dAbove && (below & 1) == 0) ? below : above;
        return (byte) (best | sign);
    }

    // ------------------------------------------------------------------ math

    /** erf in double: 2/sqrt(pi) e^-x^2 sum 2^n x^(2n+1) / (1*3*...*(2n+1)), all terms positive (no cancellation). */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax > 6) {
            return Math.signum(x);
        }
        double term = ax;
        double sum = ax;
        for (int n = 1; n < 500; n++) {
            term *= 2 * ax * ax / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-18) {
                break;
            }
        }
        return Math.signum(x) * 2 / Math.sqrt(Math.PI) * Math.exp(-ax * ax) * sum;
    }

    static double silu(double a) {
        return a / (1 + Math.exp(-a));
    }

    static double geluErf(double a) {
        return 0.5 * a * (1 + erf(a / Math.sqrt(2)));
    }

    static double geluTanh(double a) {
        return 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
    }

    // ------------------------------------------------------------------ assertions

    static void assertClose(double expected, double actual, Tol tol, String where) {
        if (Double.isNaN(expected) && Double.isNaN(actual)) {
            return;
        }
        if (expected == actual) {
            return;
        }
        double diff = Math.abs(actual - expected);
        if (!(diff <= tol.atol() + tol.rtol() * Math.abs(expected))) {
            fail(where + ": expected " + expected + " but got " + actual + " (diff " + diff + ", atol " + tol.atol()
                    + ", rtol " + tol.rtol() + ")");
        }
    }
}
