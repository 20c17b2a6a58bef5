package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loads and stores of {@code f32} lanes from and to memory in any {@link ElemType}, plus the fp8 e4m3fn encoder.
 *
 * <p>All positions are element indices (not bytes) into a segment; all memory is little-endian and unaligned.
 * The Vector API on JDK 25 has no half-precision conversion, so {@code f16} and {@code bf16} are converted with
 * integer lane operations on the bit patterns; every conversion rounds to nearest even, exactly like the scalar
 * {@link Float#floatToFloat16(float)}, except that NaN payloads are not preserved (any NaN stays a NaN).
 *
 * <p>Vector helpers are small static methods on purpose: the JIT must inline them into the kernel loops for the
 * vectors to stay in registers.
 */
final class Lanes {

    /** The kernels' working species: the widest the CPU does well (8 lanes with AVX2, 16 with AVX-512). */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Same shape, hence same lane count, as {@link #F}, for bit manipulation. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /**
     * Same lane count as {@link #F}, half the bits: one vector of 16-bit elements. The canonical species constants
     * are used (not {@code VectorSpecies.of}) so that C2 sees them as constants and intrinsifies the conversions.
     */
    static final VectorSpecies<Short> S = switch (F.vectorBitSize()) {
        case 512 -> ShortVector.SPECIES_256;
        case 256 -> ShortVector.SPECIES_128;
        default -> ShortVector.SPECIES_64;
    };
    /** Lanes per vector. */
    static final int LANES = F.length();
    /**
     * Whether fp8 codes are stored with vectors: that needs a byte species with {@link #LANES} lanes, i.e. at
     * least 64-bit byte vectors, so 256-bit float vectors or wider; narrower machines use the scalar encoder.
     */
    static final boolean VECTOR_FP8 = F.vectorBitSize() >= 256;
    private static final VectorSpecies<Byte> B = switch (F.vectorBitSize()) {
        case 512 -> ByteVector.SPECIES_128;
        default -> ByteVector.SPECIES_64;
    };

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    /** Largest finite fp8 e4m3fn value. */
    static final float FP8_MAX = 448f;

    private static final int F32_SIGN = 0x8000_0000;
    private static final int F32_ABS = 0x7FFF_FFFF;
    private static final int F32_INF = 0x7F80_0000;
    /** {@code 0x1p112f}: moves an f16 exponent (bias 15) to the f32 bias (127). */
    private static final float F16_REBIAS = 0x1p112f;
    /** Smallest normal f16, {@code 2^-14}, as f32 bits. */
    private static final int F16_MIN_NORMAL_BITS = 0x3880_0000;
    /** {@code 2^16} as f32 bits: from here on an f16 is infinite (values in [65520, 2^16) round up to it). */
    private static final int F16_OVERFLOW_BITS = 0x4780_0000;
    /** Adding 0.5f lines the f16 subnormal unit {@code 2^-24} up with the last mantissa bit of the sum. */
    private static final float F16_SUBNORMAL_MAGIC = 0.5f;
    /** Subtracting this re-biases f32 bits (exponent bias 127) to f16 bits (bias 15), before the shift by 13. */
    private static final int F16_REBIAS_BITS = (15 - 127) << 23;

    /** 448.0f bits. */
    private static final int FP8_MAX_BITS = Float.floatToRawIntBits(FP8_MAX);
    /** Smallest normal e4m3fn, {@code 2^-6}, as f32 bits. */
    private static final int FP8_MIN_NORMAL_BITS = 0x3C80_0000;
    /** {@code 2^14}: its f32 ulp is {@code 2^-9}, the e4m3fn subnormal unit, so adding it rounds to that unit. */
    private static final float FP8_SUBNORMAL_MAGIC = 16384f;
    private static final int FP8_SUBNORMAL_MAGIC_BITS = Float.floatToRawIntBits(FP8_SUBNORMAL_MAGIC);
    /** f32 exponent bias 127 to e4m3fn bias 7, in units of the code after the shift by 20 (3 mantissa bits). */
    private static final int FP8_REBIAS = (127 - 7) << 3;
    private static final int FP8_NAN = 0x7F;

    private Lanes() {
    }

    // ---------------------------------------------------------------- f32 vectors

    /** Loads {@link #LANES} f32 values starting at element {@code i}. */
    static FloatVector load(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(F, s, i << 2, LE);
    }

    /** Stores {@link #LANES} f32 values at element {@code i}. */
    static void store(FloatVector v, MemorySegment s, long i) {
        v.intoMemorySegment(s, i << 2, LE);
    }

    static float getF32(MemorySegment s, long i) {
        return s.get(F32_LE, i << 2);
    }

    static void setF32(MemorySegment s, long i, float v) {
        s.set(F32_LE, i << 2, v);
    }

    // ---------------------------------------------------------------- whole-row conversions

    /**
     * Widens {@code n} elements of type {@code t} at element {@code si} of {@code src} to f32 at element
     * {@code di} of {@code dst}. One small loop per type, so each compiles to straight vector code.
     */
    static void widen(ElemType t, MemorySegment src, long si, MemorySegment dst, long di, int n) {
        switch (t) {
            case F32 -> MemorySegment.copy(src, si << 2, dst, di << 2, (long) n << 2);
            case F16 -> widenF16(src, si, dst, di, n);
            case BF16 -> widenBf16(src, si, dst, di, n);
        }
    }

    /** Rounds {@code n} f32 values at element {@code si} of {@code src} to {@code t} at element {@code di} of {@code dst}. */
    static void narrow(ElemType t, MemorySegment src, long si, MemorySegment dst, long di, int n) {
        switch (t) {
            case F32 -> MemorySegment.copy(src, si << 2, dst, di << 2, (long) n << 2);
            case F16 -> narrowF16(src, si, dst, di, n);
            case BF16 -> narrowBf16(src, si, dst, di, n);
        }
    }

    private static void widenF16(MemorySegment src, long si, MemorySegment dst, long di, int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            store(f16ToFloat(loadHalfBits(src, si + j)), dst, di + j);
        }
        for (; j < n; j++) {
            setF32(dst, di + j, Float.float16ToFloat(src.get(I16_LE, (si + j) << 1)));
        }
    }

    private static void widenBf16(MemorySegment src, long si, MemorySegment dst, long di, int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            store(loadHalfBits(src, si + j).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), dst, di + j);
        }
        for (; j < n; j++) {
            setF32(dst, di + j, Float.intBitsToFloat(src.get(I16_LE, (si + j) << 1) << 16));
        }
    }

    private static void narrowF16(MemorySegment src, long si, MemorySegment dst, long di, int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            storeHalfBits(floatToF16(load(src, si + j)), dst, di + j);
        }
        for (; j < n; j++) {
            dst.set(I16_LE, (di + j) << 1, Float.floatToFloat16(getF32(src, si + j)));
        }
    }

    private static void narrowBf16(MemorySegment src, long si, MemorySegment dst, long di, int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            storeHalfBits(floatToBf16(load(src, si + j)), dst, di + j);
        }
        for (; j < n; j++) {
            dst.set(I16_LE, (di + j) << 1, floatToBf16(getF32(src, si + j)));
        }
    }

    /** {@link #LANES} 16-bit patterns at element {@code i}, sign-extended into int lanes. */
    private static IntVector loadHalfBits(MemorySegment s, long i) {
        return (IntVector) ShortVector.fromMemorySegment(S, s, i << 1, LE).convertShape(VectorOperators.S2I, I, 0);
    }

    /** Stores the low 16 bits of each int lane at element {@code i}. */
    private static void storeHalfBits(IntVector bits, MemorySegment s, long i) {
        ((ShortVector) bits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(s, i << 1, LE);
    }

    /**
     * f16 bit patterns (in the low 16 bits of each int lane; upper bits ignored) to f32. Finite values: place the
     * exponent and mantissa in f32 position and multiply by {@code 2^112}, which fixes the exponent bias and also
     * normalizes subnormals exactly; infinities and NaNs only need the f32 all-ones exponent.
     */
    static FloatVector f16ToFloat(IntVector h) {
        IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector finite = magnitude.reinterpretAsFloats().mul(F16_REBIAS).reinterpretAsInts();
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7C00 << 13);
        return finite.blend(magnitude.or(F32_INF), special).or(sign).reinterpretAsFloats();
    }

    /** f32 to f16 bit patterns (one per int lane), round to nearest even; overflow gives infinity. */
    static IntVector floatToF16(FloatVector v) {
        IntVector u = v.reinterpretAsInts();
        IntVector sign = u.lanewise(VectorOperators.LSHR, 16).and(0x8000);
        IntVector a = u.and(F32_ABS);
        // Normal results: re-bias, then round the 13 dropped bits to nearest even.
        IntVector odd = a.lanewise(VectorOperators.LSHR, 13).and(1);
        IntVector normal = a.add(F16_REBIAS_BITS + 0xFFF).add(odd).lanewise(VectorOperators.LSHR, 13);
        // Subnormal results: let the FPU round to the 2^-24 unit.
        IntVector subnormal = a.reinterpretAsFloats().add(F16_SUBNORMAL_MAGIC).reinterpretAsInts()
                .sub(Float.floatToRawIntBits(F16_SUBNORMAL_MAGIC));
        IntVector big = IntVector.broadcast(I, 0x7C00).blend(0x7E00, a.compare(VectorOperators.GT, F32_INF));
        IntVector r = normal.blend(subnormal, a.compare(VectorOperators.LT, F16_MIN_NORMAL_BITS));
        return r.blend(big, a.compare(VectorOperators.GE, F16_OVERFLOW_BITS)).or(sign);
    }

    /** f32 to bf16 bit patterns (one per int lane), round to nearest even; NaN stays NaN (made quiet). */
    static IntVector floatToBf16(FloatVector v) {
        IntVector u = v.reinterpretAsInts();
        IntVector odd = u.lanewise(VectorOperators.LSHR, 16).and(1);
        IntVector rounded = u.add(0x7FFF).add(odd).lanewise(VectorOperators.LSHR, 16);
        IntVector quietNan = u.lanewise(VectorOperators.LSHR, 16).or(0x40);
        return rounded.blend(quietNan, u.and(F32_ABS).compare(VectorOperators.GT, F32_INF));
    }

    /**
     * f32 to fp8 e4m3fn codes (one per int lane, in the low byte), saturating: magnitudes above 448 (infinity
     * included) become 448, NaN becomes {@code 0x7F} with the sign kept, everything else rounds to nearest even.
     */
    static IntVector floatToFp8(FloatVector v) {
        IntVector u = v.reinterpretAsInts();
        IntVector sign = u.lanewise(VectorOperators.LSHR, 24).and(0x80);
        IntVector abs = u.and(F32_ABS);
        // Integer min on non-negative f32 bits is float min; NaN lanes are replaced below.
        IntVector a = abs.min(FP8_MAX_BITS);
        IntVector odd = a.lanewise(VectorOperators.LSHR, 20).and(1);
        IntVector normal = a.add(0x7FFFF).add(odd).lanewise(VectorOperators.LSHR, 20).sub(FP8_REBIAS);
        IntVector subnormal = a.reinterpretAsFloats().add(FP8_SUBNORMAL_MAGIC).reinterpretAsInts()
                .sub(FP8_SUBNORMAL_MAGIC_BITS);
        IntVector r = normal.blend(subnormal, a.compare(VectorOperators.LT, FP8_MIN_NORMAL_BITS));
        return r.blend(FP8_NAN, abs.compare(VectorOperators.GT, F32_INF)).or(sign);
    }

    /** Stores {@link #LANES} fp8 e4m3fn codes of {@code v} at byte {@code i}; needs {@link #VECTOR_FP8}. */
    static void storeFp8(FloatVector v, MemorySegment s, long i) {
        ((ByteVector) floatToFp8(v).convertShape(VectorOperators.I2B, B, 0)).intoMemorySegment(s, i, LE);
    }

    /**
     * {@code |v|} as f32 bits: for the non-negative floats, integer order is float order, and NaN bit patterns are
     * above infinity, so a running integer max over these is an amax that propagates NaN in one cheap instruction.
     */
    static IntVector absBits(FloatVector v) {
        return v.reinterpretAsInts().and(F32_ABS);
    }

    // ---------------------------------------------------------------- scalar loads and stores (tails)

    /** Loads element {@code i} widened to f32. */
    static float get(ElemType t, MemorySegment s, long i) {
        return switch (t) {
            case F32 -> s.get(F32_LE, i << 2);
            case F16 -> Float.float16ToFloat(s.get(I16_LE, i << 1));
            case BF16 -> Float.intBitsToFloat(s.get(I16_LE, i << 1) << 16);
        };
    }

    /** Stores {@code v} at element {@code i}, rounded to nearest even for 16-bit types. */
    static void set(ElemType t, MemorySegment s, long i, float v) {
        switch (t) {
            case F32 -> s.set(F32_LE, i << 2, v);
            case F16 -> s.set(I16_LE, i << 1, Float.floatToFloat16(v));
            case BF16 -> s.set(I16_LE, i << 1, floatToBf16(v));
        }
    }

    /** Scalar twin of {@link #floatToBf16(FloatVector)}. */
    static short floatToBf16(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & F32_ABS) > F32_INF) {
            return (short) ((u >>> 16) | 0x40);
        }
        return (short) ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16);
    }

    /** Scalar twin of {@link #floatToFp8(FloatVector)}. */
    static byte floatToFp8(float v) {
        int u = Float.floatToRawIntBits(v);
        int sign = (u >>> 24) & 0x80;
        int abs = u & F32_ABS;
        if (abs > F32_INF) {
            return (byte) (FP8_NAN | sign);
        }
        int a = Math.min(abs, FP8_MAX_BITS);
        int code;
        if (a < FP8_MIN_NORMAL_BITS) {
            code = Float.floatToRawIntBits(Float.intBitsToFloat(a) + FP8_SUBNORMAL_MAGIC) - FP8_SUBNORMAL_MAGIC_BITS;
        } else {
            code = ((a + 0x7FFFF + ((a >>> 20) & 1)) >>> 20) - FP8_REBIAS;
        }
        return (byte) (code | sign);
    }

    /** Element offset to byte offset for {@code t}. */
    static long bytes(ElemType t, long elements) {
        return elements * t.byteSize();
    }
}
