package org.kernelir.core.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.dtype.FloatFormats;

/**
 * Reads and writes single elements of any {@link DType} in a little-endian {@link MemorySegment}, converting
 * to and from {@code double}. Writes round as {@link FloatFormats} says (nearest even; fp8 saturating).
 */
public final class Storage {

    private Storage() {
    }

    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    /** The element at index {@code i} (in elements) as a double. */
    public static double load(MemorySegment seg, DType dtype, long i) {
        return switch (dtype) {
            case F64 -> seg.getAtIndex(F64, i);
            case F32 -> seg.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(seg.getAtIndex(I16, i));
            case BF16 -> FloatFormats.bf16ToFloat(seg.getAtIndex(I16, i));
            case F8E4M3FN -> FloatFormats.f8e4m3fnToFloat(seg.get(ValueLayout.JAVA_BYTE, i));
            case F8E5M2 -> FloatFormats.f8e5m2ToFloat(seg.get(ValueLayout.JAVA_BYTE, i));
            case I64 -> seg.getAtIndex(I64, i);
            case I32 -> seg.getAtIndex(I32, i);
            case I8 -> seg.get(ValueLayout.JAVA_BYTE, i);
            case U8 -> seg.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            case BOOL -> seg.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
        };
    }

    /** The element at index {@code i} of an integer or bool tensor, exactly. */
    public static long loadLong(MemorySegment seg, DType dtype, long i) {
        return switch (dtype) {
            case I64 -> seg.getAtIndex(I64, i);
            case I32 -> seg.getAtIndex(I32, i);
            case I8 -> seg.get(ValueLayout.JAVA_BYTE, i);
            case U8 -> seg.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            case BOOL -> seg.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            default -> toLong(load(seg, dtype, i));
        };
    }

    /**
     * Stores {@code v} at index {@code i}, converted to {@code dtype} as {@link FloatFormats#roundTo} says
     * (integers truncate toward zero and wrap; NaN and infinities give 0).
     */
    public static void store(MemorySegment seg, DType dtype, long i, double v) {
        switch (dtype) {
            case F64 -> seg.setAtIndex(F64, i, v);
            case F32, F16, BF16, F8E4M3FN, F8E5M2 -> storeFloat(seg, dtype, i, (float) v);
            case I64, I32, I8, U8 -> storeLong(seg, dtype, i, toLong(v));
            case BOOL -> seg.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
        }
    }

    /**
     * Stores an integer: exactly, wrapping to the width of an integer dtype; rounded once to {@code float} (then,
     * as {@link FloatFormats#roundTo} does, to a narrower format) for a floating dtype.
     */
    public static void storeLong(MemorySegment seg, DType dtype, long i, long v) {
        switch (dtype) {
            case F64 -> seg.setAtIndex(F64, i, (double) v);
            // long -> float directly: going through double would round twice.
            case F32, F16, BF16, F8E4M3FN, F8E5M2 -> storeFloat(seg, dtype, i, (float) v);
            case I64 -> seg.setAtIndex(I64, i, v);
            case I32 -> seg.setAtIndex(I32, i, (int) v);
            case I8, U8 -> seg.set(ValueLayout.JAVA_BYTE, i, (byte) v);
            case BOOL -> seg.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
        }
    }

    private static void storeFloat(MemorySegment seg, DType dtype, long i, float f) {
        switch (dtype) {
            case F32 -> seg.setAtIndex(F32, i, f);
            case F16 -> seg.setAtIndex(I16, i, Float.floatToFloat16(f));
            case BF16 -> seg.setAtIndex(I16, i, FloatFormats.floatToBf16(f));
            case F8E4M3FN -> seg.set(ValueLayout.JAVA_BYTE, i, FloatFormats.floatToF8e4m3fn(f, true));
            case F8E5M2 -> seg.set(ValueLayout.JAVA_BYTE, i, FloatFormats.floatToF8e5m2(f, true));
            default -> throw new IllegalArgumentException(dtype + " is not a float format");
        }
    }

    /**
     * A double as an integer dtype stores it: truncated toward zero and reduced modulo 2^64 (a plain
     * {@code (long)} cast would saturate instead); NaN and infinities give 0. The value {@link FloatFormats}
     * returns for {@code i64} is exact in a double, since a wrapped double keeps at most 53 significant bits.
     */
    static long toLong(double v) {
        return (long) FloatFormats.roundTo(DType.I64, v);
    }
}
