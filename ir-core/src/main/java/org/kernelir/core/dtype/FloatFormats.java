package org.kernelir.core.dtype;

/**
 * Exact, bit-level conversions between {@code float} and the narrow floating formats kernel-ir stores:
 * IEEE binary16 ({@code f16}), bfloat16 ({@code bf16}) and the two OCP 8-bit formats
 * ({@code f8e4m3fn}, {@code f8e5m2}).
 *
 * <p>Every encoder rounds to nearest, ties to even: the result is the representable value closest to the
 * input and, when the input lies exactly halfway between two of them, the one whose lowest mantissa bit is
 * zero. Overflow is decided on the rounded value, as in IEEE 754: an input overflows when rounding it with
 * an unbounded exponent range gives something larger in magnitude than the format's largest finite value.
 * The sign of zero is preserved ({@code -0.0f} encodes to the negative-zero code and decodes back to
 * {@code -0.0f}). Decoders are exact: every code of these formats is a {@code float}.
 *
 * <p>Narrow values travel as the raw code in a {@code short} (16-bit formats) or {@code byte} (fp8 formats);
 * the bits are the format's bit pattern, sign bit in the top bit.
 *
 * <p>This class has no state; all methods are thread-safe.
 */
public final class FloatFormats {

    // ---- fp8 format constants --------------------------------------------------------------------------------

    private static final int E4M3_MANT_BITS = 3;
    private static final int E4M3_BIAS = 7;
    /** S.1111.110 = 448, the largest finite e4m3fn magnitude. */
    private static final int E4M3_MAX_CODE = 0x7E;
    /** S.1111.111, the only NaN pattern of e4m3fn. */
    private static final int E4M3_NAN_CODE = 0x7F;

    private static final int E5M2_MANT_BITS = 2;
    private static final int E5M2_BIAS = 15;
    /** S.11110.11 = 57344, the largest finite e5m2 magnitude. */
    private static final int E5M2_MAX_CODE = 0x7B;
    /** S.11111.00, infinity. */
    private static final int E5M2_INF_CODE = 0x7C;
    /** S.11111.10, the quiet NaN this class produces. */
    private static final int E5M2_NAN_CODE = 0x7E;

    private static final float[] E4M3_TABLE = buildFp8Table(E4M3_MANT_BITS, E4M3_BIAS, false);
    private static final float[] E5M2_TABLE = buildFp8Table(E5M2_MANT_BITS, E5M2_BIAS, true);

    private FloatFormats() {
    }

    // ---- f16 ---------------------------------------------------------------------------------------------------

    /**
     * Encodes a {@code float} as IEEE 754 binary16.
     *
     * <p>Rounds to nearest, ties to even. Magnitudes that round above 65504 (that is, {@code |f| >= 65520})
     * become infinity of the same sign; infinities stay infinities; magnitudes below half the smallest
     * subnormal ({@code 2^-25}) become a zero of the same sign. A NaN gives a NaN of the same sign (quiet;
     * the top payload bits are kept). Delegates to {@link Float#floatToFloat16(float)}.
     *
     * @param f the value to encode
     * @return the binary16 bit pattern
     */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /**
     * Decodes an IEEE 754 binary16 bit pattern. Exact: every binary16 value, subnormals, infinities and signed
     * zeros included, is a {@code float}; a NaN code gives a NaN of the same sign. Delegates to
     * {@link Float#float16ToFloat(short)}.
     *
     * @param bits the binary16 bit pattern
     * @return the value it encodes
     */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    // ---- bf16 --------------------------------------------------------------------------------------------------

    /**
     * Encodes a {@code float} as bfloat16 (the top 16 bits of a {@code float}).
     *
     * <p>Rounds to nearest, ties to even on the 16 dropped mantissa bits. bf16 has the exponent range of
     * {@code float}, so the only overflow is a magnitude that rounds above the largest bf16
     * (about {@code 3.3895e38}, i.e. {@code |f| >= 0x1.ffp127}), which becomes infinity of the same sign.
     * Infinities stay infinities, zeros keep their sign, float subnormals round like any other value.
     * A NaN gives a quiet NaN of the same sign (the quiet bit is set, the top payload bits are kept), never
     * an infinity.
     *
     * @param f the value to encode
     * @return the bfloat16 bit pattern
     */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds the dropped half-word to nearest even; a carry
        // propagates into the exponent (and to infinity at the top) exactly as rounding requires.
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /**
     * Decodes a bfloat16 bit pattern. Exact: the value is the {@code float} whose top 16 bits are
     * {@code bits} and whose low 16 bits are zero (NaN codes give NaNs, infinities infinities).
     *
     * @param bits the bfloat16 bit pattern
     * @return the value it encodes
     */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    // ---- f8e4m3fn ----------------------------------------------------------------------------------------------

    /**
     * Encodes a {@code float} as OCP FP8 E4M3FN (1 sign, 4 exponent bits with bias 7, 3 mantissa bits; no
     * infinities; NaN is {@code S.1111.111}; largest finite magnitude 448; smallest subnormal
     * {@code 2^-9 = 0.001953125}).
     *
     * <p>Rounds to nearest, ties to even. Magnitudes up to and including 464 (the midpoint between 448 and the
     * unrepresentable 480, which ties to the even 448) round to at most 448 and are never out of range.
     * Larger finite magnitudes and infinities are out of range:
     * <ul>
     *   <li>{@code saturate == true} (ONNX {@code Cast} with {@code saturate=1}): they become ±448;</li>
     *   <li>{@code saturate == false}: they become NaN (with the input's sign bit).</li>
     * </ul>
     * A NaN input always gives NaN ({@code 0x7F}, or {@code 0xFF} when its sign bit is set). Magnitudes up to
     * half the smallest subnormal ({@code 2^-10}, a tie that goes to the even zero) become a zero of the
     * input's sign.
     *
     * @param f        the value to encode
     * @param saturate whether out-of-range values clamp to ±448 (otherwise they become NaN)
     * @return the e4m3fn bit pattern
     */
    public static byte floatToF8e4m3fn(float f, boolean saturate) {
        return encodeFp8(f, E4M3_MANT_BITS, E4M3_BIAS, E4M3_MAX_CODE, E4M3_NAN_CODE, E4M3_NAN_CODE, saturate);
    }

    /**
     * Decodes an OCP FP8 E4M3FN bit pattern. Exact; {@code 0x7F} and {@code 0xFF} give NaN (with that sign
     * bit), {@code 0x80} gives {@code -0.0f}; there are no infinities.
     *
     * @param bits the e4m3fn bit pattern
     * @return the value it encodes
     */
    public static float f8e4m3fnToFloat(byte bits) {
        return E4M3_TABLE[bits & 0xFF];
    }

    // ---- f8e5m2 ------------------------------------------------------------------------------------------------

    /**
     * Encodes a {@code float} as OCP FP8 E5M2 (1 sign, 5 exponent bits with bias 15, 2 mantissa bits;
     * infinity is {@code S.11111.00}, NaN {@code S.11111.xx} with {@code xx != 0}; largest finite magnitude
     * 57344; smallest subnormal {@code 2^-16}).
     *
     * <p>Rounds to nearest, ties to even. Finite magnitudes below 61440 (the midpoint between 57344 and
     * 65536, which ties away from the odd 57344) round to at most 57344. Larger finite magnitudes and
     * infinities are out of range:
     * <ul>
     *   <li>{@code saturate == true} (ONNX {@code Cast} with {@code saturate=1}): they become ±57344;</li>
     *   <li>{@code saturate == false}: they become infinity of the same sign (an infinite input stays
     *       infinite).</li>
     * </ul>
     * A NaN input always gives the quiet NaN {@code S.11111.10} with the input's sign bit. Magnitudes up to
     * half the smallest subnormal ({@code 2^-17}, a tie that goes to the even zero) become a zero of the
     * input's sign.
     *
     * @param f        the value to encode
     * @param saturate whether out-of-range values clamp to ±57344 (otherwise they become ±infinity)
     * @return the e5m2 bit pattern
     */
    public static byte floatToF8e5m2(float f, boolean saturate) {
        return encodeFp8(f, E5M2_MANT_BITS, E5M2_BIAS, E5M2_MAX_CODE, E5M2_INF_CODE, E5M2_NAN_CODE, saturate);
    }

    /**
     * Decodes an OCP FP8 E5M2 bit pattern. Exact; {@code 0x7C}/{@code 0xFC} give ±infinity,
     * {@code 0x7D..0x7F}/{@code 0xFD..0xFF} give NaN (with that sign bit), {@code 0x80} gives {@code -0.0f}.
     *
     * @param bits the e5m2 bit pattern
     * @return the value it encodes
     */
    public static float f8e5m2ToFloat(byte bits) {
        return E5M2_TABLE[bits & 0xFF];
    }

    // ---- dtype rounding ----------------------------------------------------------------------------------------

    /**
     * Returns {@code value} as a tensor of {@code dtype} would store it, widened back to {@code double}.
     *
     * <ul>
     *   <li>{@code f64}: {@code value} itself.</li>
     *   <li>{@code f32}: {@code (float) value} (a single round to nearest even; overflow to infinity).</li>
     *   <li>{@code f16}, {@code bf16}, {@code f8e4m3fn}, {@code f8e5m2}: {@code value} is first cast to
     *       {@code float}, then encoded with {@link #floatToF16}, {@link #floatToBf16},
     *       {@link #floatToF8e4m3fn} or {@link #floatToF8e5m2} ({@code saturate = true} for the fp8 formats,
     *       so out-of-range values clamp to the largest finite value and infinities too), then decoded.
     *       <b>Double rounding:</b> going through {@code float} rounds twice, and in rare cases (a
     *       {@code double} just off a midpoint of the narrow format that the first rounding lands exactly on)
     *       the result differs from rounding the {@code double} once. This matches what PyTorch does when it
     *       casts {@code float64} tensors to {@code float16}/{@code bfloat16} (its conversions go through
     *       {@code float}) and is accepted.</li>
     *   <li>{@code i64}, {@code i32}, {@code i8}, {@code u8}: truncate toward zero, then wrap to the type's
     *       width as a Java narrowing cast of an integer does (two's complement, modulo {@code 2^bits}; the
     *       reduction is exact even for magnitudes beyond {@code 2^63}); {@code u8} gives {@code 0..255}, e.g.
     *       {@code 300.7 -> 44}, {@code -1.5 -> 255}. NaN and ±infinity give 0.</li>
     *   <li>{@code bool}: {@code value != 0 ? 1 : 0}; NaN gives 1, both zeros give 0.</li>
     * </ul>
     *
     * @param dtype the storage dtype
     * @param value the value to store
     * @return the stored value
     */
    public static double roundTo(DType dtype, double value) {
        return switch (dtype) {
            case F64 -> value;
            case F32 -> (float) value;
            case F16 -> f16ToFloat(floatToF16((float) value));
            case BF16 -> bf16ToFloat(floatToBf16((float) value));
            case F8E4M3FN -> f8e4m3fnToFloat(floatToF8e4m3fn((float) value, true));
            case F8E5M2 -> f8e5m2ToFloat(floatToF8e5m2((float) value, true));
            case I64 -> truncateWrap(value);
            case I32 -> (int) truncateWrap(value);
            case I8 -> (byte) truncateWrap(value);
            case U8 -> truncateWrap(value) & 0xFF;
            case BOOL -> value != 0 ? 1 : 0;
        };
    }

    // ---- internals ---------------------------------------------------------------------------------------------

    /**
     * Rounds toward zero and reduces modulo 2^64 into a long (two's complement); NaN and infinities give 0.
     */
    private static long truncateWrap(double value) {
        if (!Double.isFinite(value)) {
            return 0;
        }
        if (Math.abs(value) < 0x1p63) {
            return (long) value; // truncates toward zero, exact in this range
        }
        // |value| >= 2^63 is an integer m * 2^k with k >= 11; reduce it modulo 2^64 exactly.
        long bits = Double.doubleToRawLongBits(value);
        int k = (int) ((bits >>> 52) & 0x7FF) - 1075;
        long m = (bits & 0x000F_FFFF_FFFF_FFFFL) | 0x0010_0000_0000_0000L;
        long r = k >= 64 ? 0 : m << k;
        return value < 0 ? -r : r;
    }

    /**
     * Shared fp8 encoder. Codes of one sign are monotone in magnitude, with code {@code 1 << mantBits} the
     * smallest normal, so rounding can be done on the magnitude alone.
     */
    private static byte encodeFp8(float f, int mantBits, int bias, int maxCode, int overflowCode, int nanCode,
                                  boolean saturate) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 24) & 0x80;
        int abs = bits & 0x7FFF_FFFF;
        if (abs > 0x7F80_0000) {
            return (byte) (sign | nanCode);
        }
        if (abs == 0x7F80_0000) {
            return (byte) (sign | (saturate ? maxCode : overflowCode));
        }
        int minNormalExp = 1 - bias;
        int code;
        if (abs < (minNormalExp + 127) << 23) {
            // Below the smallest normal: count multiples of the smallest subnormal. Scaling by a power of two
            // is exact here (the result is below 2^mantBits), and rint rounds half to even. A result of
            // 1 << mantBits is the code of the smallest normal, so that carry needs no special case.
            double units = Math.scalb((double) Float.intBitsToFloat(abs), mantBits - minNormalExp);
            code = (int) Math.rint(units);
        } else {
            // Normal: drop the low (23 - mantBits) mantissa bits with round-half-even on the float's bits; a
            // mantissa carry moves into the exponent field. Then rebias the exponent.
            int shift = 23 - mantBits;
            int rounded = abs + ((1 << (shift - 1)) - 1) + ((abs >>> shift) & 1);
            code = (rounded >>> shift) - ((127 - bias) << mantBits);
        }
        if (code > maxCode) {
            code = saturate ? maxCode : overflowCode;
        }
        return (byte) (sign | code);
    }

    private static float[] buildFp8Table(int mantBits, int bias, boolean ieeeSpecials) {
        float[] table = new float[256];
        int expMask = (1 << (7 - mantBits)) - 1;
        int mantMask = (1 << mantBits) - 1;
        for (int code = 0; code < 256; code++) {
            boolean negative = (code & 0x80) != 0;
            int exp = (code >>> mantBits) & expMask;
            int mant = code & mantMask;
            float magnitude;
            if (ieeeSpecials && exp == expMask) {
                magnitude = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
            } else if (!ieeeSpecials && exp == expMask && mant == mantMask) {
                magnitude = Float.NaN;
            } else if (exp == 0) {
                magnitude = Math.scalb((float) mant, 1 - bias - mantBits);
            } else {
                magnitude = Math.scalb((float) ((1 << mantBits) | mant), exp - bias - mantBits);
            }
            int magBits = Float.floatToRawIntBits(magnitude);
            table[code] = Float.intBitsToFloat(negative ? magBits | 0x8000_0000 : magBits);
        }
        return table;
    }
}
