package org.kernelir.core.dtype;

import java.util.Locale;

/**
 * The element types kernel-ir computes with.
 *
 * <p>Each dtype has a short, stable name ({@code "f32"}, {@code "bf16"}, {@code "f8e4m3fn"}, ...) used in graphs,
 * JSON documents, cache keys and error messages, and a storage size in bytes. Conversions between dtypes are
 * exact where the target can represent the value, and otherwise follow {@link FloatFormats}: round to nearest
 * even for {@code f16} and {@code bf16}, saturation for the fp8 formats (as ONNX's {@code saturate} cast),
 * truncation toward zero with wrap-around for integers, and {@code != 0} for {@code bool}.
 *
 * <h2>Promotion</h2>
 * When a binary primitive sees two tensor dtypes it computes in {@link #promote(DType, DType)}:
 * <ul>
 *   <li>{@code bool} &lt; integers &lt; floating types: the higher category wins;</li>
 *   <li>within a category the wider type wins ({@code i8 < i32 < i64}, {@code u8 < i32});
 *       {@code i8} with {@code u8} gives {@code i32};</li>
 *   <li>two different floating types of the same width ({@code f16} and {@code bf16}, or the two fp8 types)
 *       give the next wider standard type ({@code f32}, resp. {@code f16});</li>
 *   <li>a Java scalar never changes a tensor's dtype: {@code x_f16 * 2.0} stays {@code f16}.</li>
 * </ul>
 */
public enum DType {
    F64("f64", 8, Kind.FLOAT),
    F32("f32", 4, Kind.FLOAT),
    F16("f16", 2, Kind.FLOAT),
    BF16("bf16", 2, Kind.FLOAT),
    F8E4M3FN("f8e4m3fn", 1, Kind.FLOAT),
    F8E5M2("f8e5m2", 1, Kind.FLOAT),
    I64("i64", 8, Kind.INT),
    I32("i32", 4, Kind.INT),
    I8("i8", 1, Kind.INT),
    U8("u8", 1, Kind.INT),
    BOOL("bool", 1, Kind.BOOL);

    /** Broad category of a dtype, used by promotion. */
    public enum Kind { BOOL, INT, FLOAT }

    private final String id;
    private final int byteSize;
    private final Kind kind;

    DType(String id, int byteSize, Kind kind) {
        this.id = id;
        this.byteSize = byteSize;
        this.kind = kind;
    }

    /** The short stable name, e.g. {@code "bf16"}. */
    public String id() {
        return id;
    }

    /** Bytes per element in storage. */
    public int byteSize() {
        return byteSize;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isFloatingPoint() {
        return kind == Kind.FLOAT;
    }

    public boolean isFp8() {
        return this == F8E4M3FN || this == F8E5M2;
    }

    /** The largest finite value of a floating dtype; for integer types the largest value. */
    public double maxFinite() {
        return switch (this) {
            case F64 -> Double.MAX_VALUE;
            case F32 -> Float.MAX_VALUE;
            case F16 -> 65504.0;
            case BF16 -> 3.3895313892515355E38;
            case F8E4M3FN -> 448.0;
            case F8E5M2 -> 57344.0;
            case I64 -> Long.MAX_VALUE;
            case I32 -> Integer.MAX_VALUE;
            case I8 -> Byte.MAX_VALUE;
            case U8 -> 255;
            case BOOL -> 1;
        };
    }

    /**
     * Looks a dtype up by its short name (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted names when {@code name} is not one of them
     */
    public static DType of(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (DType d : values()) {
            if (d.id.equals(n)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "'; expected one of "
                + "f64, f32, f16, bf16, f8e4m3fn, f8e5m2, i64, i32, i8, u8, bool");
    }

    /** The dtype two tensor operands of a binary primitive compute in; see the class javadoc. */
    public static DType promote(DType a, DType b) {
        if (a == b) {
            return a;
        }
        if (a.kind != b.kind) {
            return a.kind.ordinal() > b.kind.ordinal() ? a : b;
        }
        return switch (a.kind) {
            case BOOL -> BOOL;
            case INT -> {
                if ((a == I8 && b == U8) || (a == U8 && b == I8)) {
                    yield I32;
                }
                yield a.byteSize >= b.byteSize ? a : b;
            }
            case FLOAT -> {
                if (a.byteSize != b.byteSize) {
                    yield a.byteSize > b.byteSize ? a : b;
                }
                yield a.byteSize == 1 ? F16 : F32;
            }
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
