package org.kernelir.core.op;

import java.util.EnumMap;
import java.util.Map;
import org.kernelir.core.dtype.DType;

/**
 * How far an implementation's result may be from native's: element {@code a} matches {@code b} when
 * {@code |a - b| <= atol + rtol * |b|} (NaN matches NaN, infinities match themselves).
 *
 * @param atol absolute tolerance
 * @param rtol relative tolerance
 */
public record Tolerance(double atol, double rtol) {

    private static final Map<DType, Tolerance> DEFAULTS = new EnumMap<>(Map.of(
            DType.F64, new Tolerance(1e-8, 1e-8),
            DType.F32, new Tolerance(1e-5, 1.3e-6),
            DType.F16, new Tolerance(1e-3, 1e-3),
            DType.BF16, new Tolerance(1e-3, 1.6e-2),
            DType.F8E4M3FN, new Tolerance(0.1, 0.1),
            DType.F8E5M2, new Tolerance(0.2, 0.2),
            DType.I8, new Tolerance(1, 0)));

    /** Whether {@code actual} matches {@code expected}. */
    public boolean matches(double actual, double expected) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual);
        }
        if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
            return actual == expected;
        }
        return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
    }

    /**
     * The default tolerance of {@code dtype}.
     *
     * @throws IllegalArgumentException for a dtype without one, saying how to add it
     */
    public static Tolerance defaultFor(DType dtype) {
        Tolerance t = DEFAULTS.get(dtype);
        if (t == null) {
            throw new IllegalArgumentException("no default tolerance for dtype " + dtype + "; give the op one with "
                    + "OpDef.Builder.tolerance(DType." + dtype.name() + ", atol, rtol)");
        }
        return t;
    }
}
