package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector species, f32 loads and stores, whole-row conversions between the element types and f32, and the fp8
 * e4m3fn encoder.
 *
 * <p>Positions are element indices (not bytes) unless named otherwise; memory is little-endian and unaligned.
 * Every rounding is to nearest even. NaN stays NaN, but its payload is not preserved by the bf16 and fp8
 * encoders.
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
    private static final VectorSpecies<Byte> B = F.vectorBitSize() >= 512 ? ByteVector.SPECIES_128
            : ByteVector.SPECIES_64;

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    /** Largest finite fp8 e4m3fn value. */
    static final float FP8_MAX = 448f;

    private static final int F32_ABS = 0x7FFF_FFFF;
    private static final int F32_INF = 0x7F80_0000;
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

    /** True when every non-null segment is native: the condition for the kernels' direct f32 paths. */
    static boolean allNative(MemorySegment... segments) {
        for (MemorySegment s : segments) {
            if (s != null && !s.isNative()) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- f32 vectors

    /**
     * The bits of {@code v} as int lanes. Not {@code reinterpretAsInts()}: that looks its target species up in a
     * lazily filled table, and when C2 compiles a loop before the entry exists it cannot treat the species as a
     * constant, gives up the intrinsic and leaves the loop on a slow Java fallback for good. Naming the species
     * avoids the lookup.
     */
    static IntVector bits(FloatVector v) {
        return (IntVector) v.reinterpretShape(I, 0);
    }

    /** The int lanes of {@code v} as float bits; see {@link #bits(FloatVector)}. */
    static FloatVector floats(IntVector v) {
        return (FloatVector) v.reinterpretShape(F, 0);
    }

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
     * Widens {@code n} elements of type {@code t} at element {@code si} of {@code src}, any kind of segment, to f32
     * at the start of the native segment {@code dst}.
     */
    static void widen(ElemType t, MemorySegment src, long si, MemorySegment dst, int n) {
        if (t == ElemType.F32) {
            MemorySegment.copy(src, si << 2, dst, 0, (long) n << 2);
            return;
        }
        MemorySegment s = src;
        long i = si;
        if (!src.isNative()) {
            // Vector loads from a heap segment over another array type are not intrinsified (see Scratch).
            s = Scratch.raw((long) n << 1);
            MemorySegment.copy(src, si << 1, s, 0, (long) n << 1);
            i = 0;
        }
        if (t == ElemType.F16) {
            float[] f = Scratch.floats(n);
            widenF16(s, i, f, n);
            MemorySegment.copy(f, 0, dst, F32_LE, 0, n);
        } else {
            widenBf16(s, i, dst, n);
        }
    }

    /**
     * Rounds {@code n} f32 values at the start of the native segment {@code src} to {@code t}, into {@code n}
     * elements at element {@code di} of {@code dst}, any kind of segment.
     */
    static void narrow(ElemType t, MemorySegment src, MemorySegment dst, long di, int n) {
        if (t == ElemType.F32) {
            MemorySegment.copy(src, 0, dst, di << 2, (long) n << 2);
            return;
        }
        boolean staged = !dst.isNative();
        MemorySegment d = staged ? Scratch.raw((long) n << 1) : dst;
        long i = staged ? 0 : di;
        if (t == ElemType.F16) {
            float[] f = Scratch.floats(n);
            MemorySegment.copy(src, F32_LE, 0, f, 0, n);
            narrowF16(f, d, i, n);
        } else {
            narrowBf16(src, d, i, n);
        }
        if (staged) {
            MemorySegment.copy(d, 0, dst, di << 1, (long) n << 1);
        }
    }

    /**
     * A plain loop on purpose: between a native segment and an array, C2 vectorizes it with the CPU's own
     * half-precision conversion (F16C on x86), several times faster than bit manipulation with the Vector API,
     * even with the extra copy between the array and the scratch row.
     */
    private static void widenF16(MemorySegment src, long si, float[] dst, int n) {
        for (int j = 0; j < n; j++) {
            dst[j] = Float.float16ToFloat(src.get(I16_LE, (si + j) << 1));
        }
    }

    /** See {@link #widenF16}; {@link Float#floatToFloat16} rounds to nearest even. */
    private static void narrowF16(float[] src, MemorySegment dst, long di, int n) {
        for (int j = 0; j < n; j++) {
            dst.set(I16_LE, (di + j) << 1, Float.floatToFloat16(src[j]));
        }
    }

    /** bf16 is the upper half of an f32: the bits only move. (C2 does not vectorize the plain loop for this.) */
    private static void widenBf16(MemorySegment src, long si, MemorySegment dst, int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, src, (si + j) << 1, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            store(floats(h.lanewise(VectorOperators.LSHL, 16)), dst, j);
        }
        for (; j < n; j++) {
            setF32(dst, j, Float.intBitsToFloat(src.get(I16_LE, (si + j) << 1) << 16));
        }
    }

    private static void narrowBf16(MemorySegment src, MemorySegment dst, long di, int n) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            IntVector bits = floatToBf16(load(src, j));
            ((ShortVector) bits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(dst, (di + j) << 1, LE);
        }
        for (; j < n; j++) {
            dst.set(I16_LE, (di + j) << 1, floatToBf16(getF32(src, j)));
        }
    }

    /** f32 to bf16 bit patterns (one per int lane), round to nearest even; NaN stays NaN (made quiet). */
    static IntVector floatToBf16(FloatVector v) {
        IntVector u = bits(v);
        IntVector high = u.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = u.add(0x7FFF).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
        return rounded.blend(high.or(0x40), u.and(F32_ABS).compare(VectorOperators.GT, F32_INF));
    }

    /** Scalar twin of {@link #floatToBf16(FloatVector)}. */
    static short floatToBf16(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & F32_ABS) > F32_INF) {
            return (short) ((u >>> 16) | 0x40);
        }
        return (short) ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16);
    }

    // ---------------------------------------------------------------- fp8 e4m3fn

    /**
     * f32 to fp8 e4m3fn codes (one per int lane, in the low byte), saturating: magnitudes above 448 (infinity
     * included) become 448, NaN becomes {@code 0x7F} with the sign kept, everything else rounds to nearest even.
     */
    static IntVector floatToFp8(FloatVector v) {
        IntVector u = bits(v);
        IntVector sign = u.lanewise(VectorOperators.LSHR, 24).and(0x80);
        IntVector abs = u.and(F32_ABS);
        // Integer min on non-negative f32 bits is float min; NaN lanes are replaced below.
        IntVector a = abs.min(FP8_MAX_BITS);
        // Normal results: re-bias and round the 20 dropped mantissa bits to nearest even.
        IntVector odd = a.lanewise(VectorOperators.LSHR, 20).and(1);
        IntVector normal = a.add(0x7FFFF).add(odd).lanewise(VectorOperators.LSHR, 20).sub(FP8_REBIAS);
        // Subnormal results: let the FPU round to the 2^-9 unit.
        IntVector subnormal = bits(floats(a).add(FP8_SUBNORMAL_MAGIC))
                .sub(FP8_SUBNORMAL_MAGIC_BITS);
        IntVector r = normal.blend(subnormal, a.compare(VectorOperators.LT, FP8_MIN_NORMAL_BITS));
        return r.blend(FP8_NAN, abs.compare(VectorOperators.GT, F32_INF)).or(sign);
    }

    /** Stores {@link #LANES} fp8 e4m3fn codes of {@code v} at byte {@code i} of a native segment. */
    static void storeFp8(FloatVector v, MemorySegment s, long i) {
        ((ByteVector) floatToFp8(v).convertShape(VectorOperators.I2B, B, 0)).intoMemorySegment(s, i, LE);
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

    /**
     * {@code |v|} as f32 bits: for the non-negative floats, integer order is float order, and NaN bit patterns are
     * above infinity, so a running integer max over these is an amax that propagates NaN in one cheap instruction.
     */
    static IntVector absBits(FloatVector v) {
        return bits(v).and(F32_ABS);
    }

    // ---------------------------------------------------------------- scalar access by element type

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
}
