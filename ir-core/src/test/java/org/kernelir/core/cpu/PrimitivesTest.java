package org.kernelir.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.dtype.FloatFormats;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.SpecialFunctions;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

/**
 * Every primitive of the {@link Tensor} API, run eagerly on {@link CpuTensor}s, against a scalar reference
 * written here: the reference reads inputs element by element ({@link CpuTensor#get}), computes in
 * {@code double} and rounds once with {@link FloatFormats#roundTo}, so results must match bit for bit. Each
 * result's metadata must also equal what the primitive's meta function infers from the input metadata.
 */
class PrimitivesTest {

    // =============================================================================================================
    // Reference machinery
    // =============================================================================================================

    /** How a test input sits in memory. Every layout holds random values of the requested shape. */
    enum Layout {
        CONTIGUOUS, TRANSPOSED, NARROWED, STRIDED;

        CpuTensor make(DType dtype, long seed, double lo, double hi, long... shape) {
            int rank = shape.length;
            Layout effective = rank == 0 ? CONTIGUOUS : rank == 1 && this == TRANSPOSED ? STRIDED : this;
            return switch (effective) {
                case CONTIGUOUS -> random(dtype, seed, lo, hi, shape);
                case TRANSPOSED -> {
                    long[] swapped = shape.clone();
                    swapped[rank - 1] = shape[rank - 2];
                    swapped[rank - 2] = shape[rank - 1];
                    yield (CpuTensor) random(dtype, seed, lo, hi, swapped).transpose(-1, -2);
                }
                case NARROWED -> {
                    long[] bigger = Arrays.stream(shape).map(s -> s + 2).toArray();
                    Tensor t = random(dtype, seed, lo, hi, bigger);
                    for (int d = 0; d < rank; d++) {
                        t = t.narrow(d, 1, shape[d]);
                    }
                    yield (CpuTensor) t;
                }
                case STRIDED -> {
                    CpuTensor base = random(dtype, seed, lo, hi, 2 * CpuTensor.numel(shape) + 3);
                    long[] strides = Arrays.stream(CpuTensor.contiguousStrides(shape)).map(s -> 2 * s).toArray();
                    yield base.view(shape.clone(), strides, 3);
                }
            };
        }

        CpuTensor make(DType dtype, long seed, long... shape) {
            return make(dtype, seed, -4, 4, shape);
        }
    }

    /** A contiguous tensor of random values in {@code [lo, hi]} (integers: whole numbers; bool: 0 or 1). */
    static CpuTensor random(DType dtype, long seed, double lo, double hi, long... shape) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = new double[Math.toIntExact(CpuTensor.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (dtype.kind()) {
                case FLOAT -> lo + (hi - lo) * rnd.nextDouble();
                case INT -> rnd.nextLong((long) lo, (long) hi + 1);
                case BOOL -> rnd.nextBoolean() ? 1 : 0;
            };
        }
        return CpuTensor.of(dtype, v, shape);
    }

    static long[] unravel(long linear, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = linear % shape[d];
            linear /= shape[d];
        }
        return idx;
    }

    /** The elements in row-major order, read one by one through {@link CpuTensor#get}. */
    static double[] values(CpuTensor t) {
        long[] shape = t.sizes();
        double[] out = new double[Math.toIntExact(t.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.get(unravel(i, shape));
        }
        return out;
    }

    /** NumPy broadcasting, written out for the reference. */
    static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - rank + a.length];
            long db = i < rank - b.length ? 1 : b[i - rank + b.length];
            assertTrue(da == db || da == 1 || db == 1, "test bug: shapes do not broadcast");
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /** The element of {@code t} that lands at {@code outIndex} when {@code t} is broadcast to a larger shape. */
    static double broadcastGet(CpuTensor t, long[] outIndex) {
        long[] sizes = t.sizes();
        long[] idx = new long[sizes.length];
        int lead = outIndex.length - sizes.length;
        for (int d = 0; d < sizes.length; d++) {
            idx[d] = sizes[d] == 1 ? 0 : outIndex[lead + d];
        }
        return t.get(idx);
    }

    static double[] expected(long[] shape, ToDoubleFunction<long[]> element) {
        double[] out = new double[Math.toIntExact(CpuTensor.numel(shape))];
        for (int i = 0; i < out.length; i++) {
            out[i] = element.applyAsDouble(unravel(i, shape));
        }
        return out;
    }

    /** Dtype, shape and every element bit for bit (NaNs compare equal, {@code -0.0} differs from {@code 0.0}). */
    static void assertTensor(Tensor actual, DType dtype, long[] shape, double[] expected, String what) {
        CpuTensor t = (CpuTensor) actual;
        assertEquals(dtype, t.dtype(), what + ": dtype");
        assertArrayEquals(shape, t.sizes(), what + ": shape");
        double[] got = values(t);
        for (int i = 0; i < got.length; i++) {
            if (Double.doubleToLongBits(got[i]) != Double.doubleToLongBits(expected[i])) {
                fail(what + ": element " + Arrays.toString(unravel(i, shape)) + " is " + got[i]
                        + " but the reference gives " + expected[i]);
            }
        }
    }

    static void assertLongs(Tensor actual, DType dtype, long[] expected, String what) {
        CpuTensor t = (CpuTensor) actual;
        assertEquals(dtype, t.dtype(), what + ": dtype");
        assertArrayEquals(expected, t.toLongArray(), what);
    }

    /** Asserts the result's metadata is what {@code prim}'s meta function infers from the arguments' metadata. */
    static CpuTensor checkMeta(Tensor result, KernelDef prim, Object... args) {
        List<Object> metaArgs = new ArrayList<>();
        for (Object a : args) {
            metaArgs.add(metaArg(a));
        }
        Object expected = prim.meta().infer(prim.schema().bind(prim.target().toString(), metaArgs));
        assertEquals(expected, result.meta(), () -> "metadata of the " + prim.target() + " result (strides "
                + ((TensorMeta) expected).strides() + " expected, " + result.meta().strides() + " found)");
        return (CpuTensor) result;
    }

    private static Object metaArg(Object a) {
        return switch (a) {
            case null -> null;
            case Tensor t -> t.meta();
            case List<?> l -> l.stream().map(PrimitivesTest::metaArg).toList();
            default -> Literals.normalize(a);
        };
    }

    /** Overwrites every element (keeping the layout) with a multiple of 0.5 in [-2, 2], or now and then NaN. */
    static CpuTensor onGrid(CpuTensor t, long seed, boolean withNaN) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = t.sizes();
        for (long i = 0; i < t.numel(); i++) {
            t.set(withNaN && rnd.nextInt(10) == 0 ? Double.NaN : rnd.nextInt(-4, 5) / 2.0, unravel(i, shape));
        }
        return t;
    }

    private static CpuTensor longs(DType dtype, long... values) {
        return CpuTensor.ofLongs(dtype, values, values.length);
    }

    private static CpuTensor doubles(DType dtype, double... values) {
        return CpuTensor.of(dtype, values, values.length);
    }

    // =============================================================================================================
    // Elementwise arithmetic
    // =============================================================================================================

    enum Bin {
        ADD(Prims.ADD, Tensor::add, Double::sum, -4),
        SUB(Prims.SUB, Tensor::sub, (x, y) -> x - y, -4),
        MUL(Prims.MUL, Tensor::mul, (x, y) -> x * y, -4),
        DIV(Prims.DIV, Tensor::div, (x, y) -> x / y, -4),
        POW(Prims.POW, Tensor::pow, Math::pow, 0.25),
        MAXIMUM(Prims.MAXIMUM, Tensor::maximum, (x, y) -> Double.isNaN(x) || Double.isNaN(y) ? Double.NaN
                : Math.max(x, y), -4),
        MINIMUM(Prims.MINIMUM, Tensor::minimum, (x, y) -> Double.isNaN(x) || Double.isNaN(y) ? Double.NaN
                : Math.min(x, y), -4);

        final KernelDef prim;
        final BinaryOperator<Tensor> call;
        final DoubleBinaryOperator ref;
        /** Lower end of the left operand's values (pow takes positive bases). */
        final double lo;

        Bin(KernelDef prim, BinaryOperator<Tensor> call, DoubleBinaryOperator ref, double lo) {
            this.prim = prim;
            this.call = call;
            this.ref = ref;
            this.lo = lo;
        }
    }

    static final long[][][] BROADCAST_PAIRS = {
            {{3, 1, 5}, {4, 5}}, {{17}, {17}}, {{1}, {3}}, {{2, 3}, {}}, {{3, 17}, {3, 1}}, {{1, 3, 1}, {1, 1, 17}},
    };

    static Stream<Arguments> binaryCases() {
        List<DType[]> dtypePairs = List.of(new DType[] {DType.F32, DType.F32}, new DType[] {DType.F16, DType.F16},
                new DType[] {DType.BF16, DType.BF16}, new DType[] {DType.F16, DType.BF16},
                new DType[] {DType.F32, DType.BF16}, new DType[] {DType.F8E4M3FN, DType.F8E4M3FN});
        return Arrays.stream(Bin.values()).flatMap(op -> dtypePairs.stream().map(p -> Arguments.of(op, p[0], p[1])));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("binaryCases")
    void binaryOpsBroadcastAndRoundOnceToThePromotedDtype(Bin op, DType da, DType db) {
        DType result = DType.promote(da, db);
        long seed = 100 * op.ordinal();
        for (long[][] pair : BROADCAST_PAIRS) {
            for (Layout layout : Layout.values()) {
                Layout other = Layout.values()[(layout.ordinal() + 1) % Layout.values().length];
                CpuTensor a = layout.make(da, seed++, op.lo, 4, pair[0]);
                CpuTensor b = other.make(db, seed++, -2, 2, pair[1]);
                Tensor r = checkMeta(op.call.apply(a, b), op.prim, a, b);
                long[] shape = broadcastShape(a.sizes(), b.sizes());
                assertTensor(r, result, shape, expected(shape, i -> FloatFormats.roundTo(result,
                        op.ref.applyAsDouble(broadcastGet(a, i), broadcastGet(b, i)))), op + "(" + a + ", " + b + ")");
                // The operands broadcast the same way the other way round.
                Tensor swapped = checkMeta(op.call.apply(b, a), op.prim, b, a);
                assertTensor(swapped, result, shape, expected(shape, i -> FloatFormats.roundTo(result,
                        op.ref.applyAsDouble(broadcastGet(b, i), broadcastGet(a, i)))), op + "(" + b + ", " + a + ")");
            }
        }
    }

    /** The forms with a Java scalar operand, including the reversed ones ({@code s - x}, {@code s / x}, {@code s ^ x}). */
    enum ScalarForm {
        ADD(Prims.ADD, false, Tensor::add, Double::sum),
        SUB(Prims.SUB, false, Tensor::sub, (x, s) -> x - s),
        RSUB(Prims.SUB, true, Tensor::rsub, (x, s) -> s - x),
        MUL(Prims.MUL, false, Tensor::mul, (x, s) -> x * s),
        DIV(Prims.DIV, false, Tensor::div, (x, s) -> x / s),
        RDIV(Prims.DIV, true, Tensor::rdiv, (x, s) -> s / x),
        POW(Prims.POW, false, Tensor::pow, Math::pow),
        RPOW(Prims.POW, true, Tensor::rpow, (x, s) -> Math.pow(s, x)),
        MAXIMUM(Prims.MAXIMUM, false, Tensor::maximum, (x, s) -> Double.isNaN(x) ? x : Math.max(x, s)),
        MINIMUM(Prims.MINIMUM, false, Tensor::minimum, (x, s) -> Double.isNaN(x) ? x : Math.min(x, s)),
        EQ(Prims.EQ, false, Tensor::eq, (x, s) -> x == s ? 1 : 0),
        LT(Prims.LT, false, Tensor::lt, (x, s) -> x < s ? 1 : 0),
        LE(Prims.LE, false, Tensor::le, (x, s) -> x <= s ? 1 : 0),
        GT(Prims.GT, false, Tensor::gt, (x, s) -> x > s ? 1 : 0),
        GE(Prims.GE, false, Tensor::ge, (x, s) -> x >= s ? 1 : 0);

        final KernelDef prim;
        final boolean reversed;
        final BiFunction<Tensor, Double, Tensor> call;
        final DoubleBinaryOperator ref;

        ScalarForm(KernelDef prim, boolean reversed, BiFunction<Tensor, Double, Tensor> call, DoubleBinaryOperator ref) {
            this.prim = prim;
            this.reversed = reversed;
            this.call = call;
            this.ref = ref;
        }

        boolean comparison() {
            return ordinal() >= EQ.ordinal();
        }
    }

    static Stream<Arguments> scalarCases() {
        return Arrays.stream(ScalarForm.values()).flatMap(f -> Stream.of(DType.F32, DType.F16, DType.BF16, DType.I32)
                .map(d -> Arguments.of(f, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("scalarCases")
    void scalarOperandsNeverChangeAFloatDtype(ScalarForm form, DType dtype) {
        // A scalar of a float tensor keeps its dtype; with an integer tensor a double scalar gives f32.
        DType result = form.comparison() ? DType.BOOL : dtype.isFloatingPoint() ? dtype : DType.F32;
        long seed = 7 * form.ordinal();
        for (double s : new double[] {0.3, 0.5, -2.0}) {
            for (long[] shape : new long[][] {{17}, {3, 1, 5}, {}}) {
                for (Layout layout : Layout.values()) {
                    // Positive bases for pow; elsewhere values on a grid of 0.5, so comparisons meet ties.
                    boolean positive = form == ScalarForm.POW;
                    CpuTensor in = layout.make(dtype, seed++, positive ? 0.25 : -4, 4, shape);
                    if (!positive && dtype.isFloatingPoint()) {
                        onGrid(in, seed, false);
                    }
                    Tensor r = form.call.apply(in, s);
                    if (form.reversed) {
                        checkMeta(r, form.prim, s, in);
                    } else {
                        checkMeta(r, form.prim, in, s);
                    }
                    assertTensor(r, result, shape, expected(shape, i -> FloatFormats.roundTo(result,
                            form.ref.applyAsDouble(in.get(i), s))), form + "(" + in + ", " + s + ")");
                }
            }
        }
    }

    @Test
    void fp8ArithmeticSaturatesAtTheLargestFiniteValue() {
        CpuTensor x = doubles(DType.F8E4M3FN, 240, -240, 1.5);
        Tensor r = x.mul(100.0);
        // 150 lies between the e4m3fn neighbours 144 and 160 and rounds to 144.
        assertTensor(r, DType.F8E4M3FN, new long[] {3}, new double[] {448, -448, 144}, "f8e4m3fn * 100");
        CpuTensor y = doubles(DType.F8E5M2, 40960, -1);
        assertTensor(y.add(y), DType.F8E5M2, new long[] {2}, new double[] {57344, -2}, "f8e5m2 + f8e5m2");
    }

    // =============================================================================================================
    // Unary math
    // =============================================================================================================

    enum Un {
        EXP(Prims.EXP, Tensor::exp, Math::exp, -4, false),
        LOG(Prims.LOG, Tensor::log, Math::log, 0.01, false),
        LOG2(Prims.LOG2, Tensor::log2, PrimitivesTest::log2Reference, 0.01, false),
        SQRT(Prims.SQRT, Tensor::sqrt, Math::sqrt, 0, false),
        RSQRT(Prims.RSQRT, Tensor::rsqrt, x -> 1 / Math.sqrt(x), 0.01, false),
        SIGMOID(Prims.SIGMOID, Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), -8, false),
        TANH(Prims.TANH, Tensor::tanh, Math::tanh, -4, false),
        ERF(Prims.ERF, Tensor::erf, PrimitivesTest::erfReference, -4, false),
        ERFC(Prims.ERFC, Tensor::erfc, PrimitivesTest::erfcReference, -4, false),
        ABS(Prims.ABS, Tensor::abs, Math::abs, -4, true),
        NEG(Prims.NEG, Tensor::neg, x -> -x, -4, true),
        CEIL(Prims.CEIL, Tensor::ceil, Math::ceil, -4, true),
        FLOOR(Prims.FLOOR, Tensor::floor, Math::floor, -4, true);

        final KernelDef prim;
        final Function<Tensor, Tensor> call;
        final DoubleUnaryOperator ref;
        final double lo;
        final boolean keepsIntegers;

        Un(KernelDef prim, Function<Tensor, Tensor> call, DoubleUnaryOperator ref, double lo, boolean keepsIntegers) {
            this.prim = prim;
            this.call = call;
            this.ref = ref;
            this.lo = lo;
            this.keepsIntegers = keepsIntegers;
        }
    }

    static Stream<Arguments> unaryCases() {
        // erf in f64 is checked against its high-precision reference with a tolerance, below.
        return Arrays.stream(Un.values()).flatMap(op -> Stream.of(DType.F32, DType.F16, DType.BF16, DType.F64, DType.I32)
                .filter(d -> (op != Un.ERF && op != Un.ERFC) || d != DType.F64).map(d -> Arguments.of(op, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unaryCases")
    void unaryMathMatchesTheReferenceOnStridedInputs(Un op, DType dtype) {
        DType result = dtype.isFloatingPoint() || op.keepsIntegers ? dtype : DType.F32;
        long seed = 31 * op.ordinal();
        for (long[] shape : new long[][] {{17}, {3, 1, 5}, {3, 17}, {}}) {
            for (Layout layout : Layout.values()) {
                CpuTensor x = layout.make(dtype, seed++, op.lo, 4, shape);
                Tensor r = checkMeta(op.call.apply(x), op.prim, x);
                assertTensor(r, result, shape, expected(shape, i -> FloatFormats.roundTo(result,
                        op.ref.applyAsDouble(x.get(i)))), op + "(" + x + ")");
            }
        }
    }

    /** log2, exact at powers of two (which scale rounding relies on), else ln(x) / ln(2). */
    static double log2Reference(double x) {
        if (x > 0 && x < Double.POSITIVE_INFINITY && Math.scalb(1.0, Math.getExponent(x)) == x
                && x >= Double.MIN_NORMAL) {
            return Math.getExponent(x);
        }
        return Math.log(x) / Math.log(2);
    }

    @Test
    void unaryMathHandlesSpecialValues() {
        CpuTensor x = doubles(DType.F32, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0);
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;
        long[] s = {5};
        assertTensor(x.exp(), DType.F32, s, new double[] {nan, inf, 0, 1, 1}, "exp");
        assertTensor(x.log(), DType.F32, s, new double[] {nan, inf, nan, -inf, -inf}, "log");
        assertTensor(x.sqrt(), DType.F32, s, new double[] {nan, inf, nan, -0.0, 0.0}, "sqrt");
        assertTensor(x.rsqrt(), DType.F32, s, new double[] {nan, 0, nan, -inf, inf}, "rsqrt");
        assertTensor(x.sigmoid(), DType.F32, s, new double[] {nan, 1, 0, 0.5, 0.5}, "sigmoid");
        assertTensor(x.tanh(), DType.F32, s, new double[] {nan, 1, -1, -0.0, 0.0}, "tanh");
        assertTensor(x.erf(), DType.F32, s, new double[] {nan, 1, -1, -0.0, 0.0}, "erf");
        assertTensor(x.neg(), DType.F32, s, new double[] {nan, -inf, inf, 0.0, -0.0}, "neg");
        assertTensor(x.abs(), DType.F32, s, new double[] {nan, inf, inf, 0.0, 0.0}, "abs");
    }

    @Test
    void clampLimitsEachSideAndANullBoundIsOpen() {
        CpuTensor x = Layout.TRANSPOSED.make(DType.F16, 5, 3, 17);
        long[] shape = {3, 17};
        Double[][] bounds = {{-1.0, 1.5}, {null, 0.3}, {-0.7, null}, {null, null}, {2.0, 2.0}};
        for (Double[] b : bounds) {
            Tensor r = checkMeta(x.clamp(b[0], b[1]), Prims.CLAMP, x, b[0], b[1]);
            assertTensor(r, DType.F16, shape, expected(shape, i -> {
                double v = x.get(i);
                v = b[0] != null && v < b[0] ? b[0] : v;
                v = b[1] != null && v > b[1] ? b[1] : v;
                return FloatFormats.roundTo(DType.F16, v);
            }), "clamp(" + b[0] + ", " + b[1] + ")");
        }
        CpuTensor special = doubles(DType.F32, Double.NaN, 5);
        assertTensor(special.clamp(0.0, 1.0), DType.F32, new long[] {2}, new double[] {Double.NaN, 1}, "NaN stays");
    }

    // =============================================================================================================
    // Comparisons and selection
    // =============================================================================================================

    enum Cmp {
        EQ(Prims.EQ, Tensor::eq, (x, y) -> x == y), NE(Prims.NE, Tensor::ne, (x, y) -> x != y),
        LT(Prims.LT, Tensor::lt, (x, y) -> x < y), LE(Prims.LE, Tensor::le, (x, y) -> x <= y),
        GT(Prims.GT, Tensor::gt, (x, y) -> x > y), GE(Prims.GE, Tensor::ge, (x, y) -> x >= y);

        final KernelDef prim;
        final BinaryOperator<Tensor> call;
        final DoubleBiPredicate ref;

        Cmp(KernelDef prim, BinaryOperator<Tensor> call, DoubleBiPredicate ref) {
            this.prim = prim;
            this.call = call;
            this.ref = ref;
        }
    }

    @FunctionalInterface
    interface DoubleBiPredicate {
        boolean test(double x, double y);
    }

    @ParameterizedTest
    @EnumSource(Cmp.class)
    void comparisonsGiveBoolAndBroadcast(Cmp op) {
        long seed = 3 * op.ordinal();
        for (long[][] pair : BROADCAST_PAIRS) {
            for (Layout layout : Layout.values()) {
                // Values on a coarse grid, so ties are frequent; NaNs compare unequal to everything.
                CpuTensor a = onGrid(layout.make(DType.F16, seed++, pair[0]), seed, true);
                CpuTensor b = onGrid(Layout.CONTIGUOUS.make(DType.F32, seed++, pair[1]), seed, true);
                Tensor r = checkMeta(op.call.apply(a, b), op.prim, a, b);
                long[] shape = broadcastShape(a.sizes(), b.sizes());
                assertTensor(r, DType.BOOL, shape, expected(shape, i -> op.ref.test(broadcastGet(a, i),
                        broadcastGet(b, i)) ? 1 : 0), op + "(" + a + ", " + b + ")");
            }
        }
    }

    @Test
    void whereSelectsBroadcastsAndPromotes() {
        CpuTensor cond = Layout.STRIDED.make(DType.BOOL, 1, 3, 1, 5);
        CpuTensor a = Layout.TRANSPOSED.make(DType.F16, 2, 4, 5);
        CpuTensor b = Layout.NARROWED.make(DType.BF16, 3, 1, 5);
        long[] shape = {3, 4, 5};
        Tensor r = checkMeta(cond.where(a, b), Prims.WHERE, cond, a, b);
        assertTensor(r, DType.F32, shape, expected(shape, i -> broadcastGet(cond, i) != 0 ? broadcastGet(a, i)
                : broadcastGet(b, i)), "where(cond, f16, bf16)");

        Tensor withScalar = checkMeta(cond.where(a, 0.1), Prims.WHERE, cond, a, 0.1);
        assertTensor(withScalar, DType.F16, shape, expected(shape, i -> broadcastGet(cond, i) != 0
                ? broadcastGet(a, i) : FloatFormats.roundTo(DType.F16, 0.1)), "where(cond, f16, 0.1)");

        Tensor scalars = checkMeta(cond.where(2.5, -1.0), Prims.WHERE, cond, 2.5, -1.0);
        long[] cshape = cond.sizes();
        assertTensor(scalars, DType.F32, cshape, expected(cshape, i -> cond.get(i) != 0 ? 2.5 : -1.0),
                "where(cond, 2.5, -1.0)");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.where(a, b));
        assertTrue(e.getMessage().contains("must be bool"), e.getMessage());
    }

    // =============================================================================================================
    // Casts and dtype rules
    // =============================================================================================================

    private static final double[] FLOAT_SOURCES = {0.0, -0.0, 1.5, -2.75, 100.25, -300.5, 1e-3, 65504, 70000, 448,
            464.5, 1000, -1000, 3.0e38, 1e-8, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    private static final double[] INT_SOURCES = {0, 1, -1, 7, 127, 128, 255, 256, -129, 300, 100000, -2147483648.0};

    static Stream<Arguments> castPairs() {
        return Arrays.stream(DType.values()).flatMap(from -> Arrays.stream(DType.values()).map(to -> Arguments.of(from, to)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("castPairs")
    void castsRoundAsFloatFormatsSays(DType from, DType to) {
        double[] sources = from.isFloatingPoint() ? FLOAT_SOURCES : INT_SOURCES;
        for (Layout layout : List.of(Layout.CONTIGUOUS, Layout.STRIDED)) {
            CpuTensor x = layout.make(from, 0, sources.length);
            for (int i = 0; i < sources.length; i++) {
                x.set(sources[i], i);
            }
            Tensor r = x.to(to);
            long[] shape = {sources.length};
            if (from == to) {
                assertSame(x, r, "a cast to the same dtype is a no-op");
                continue;
            }
            checkMeta(r, Prims.CAST, x, to);
            assertTensor(r, to, shape, expected(shape, i -> FloatFormats.roundTo(to, x.get(i))), from + " -> " + to);
        }
    }

    @Test
    void fp8CastsSaturateAndKeepNaN() {
        CpuTensor x = doubles(DType.F32, 1000.0, -1000.0, Double.NaN, Double.POSITIVE_INFINITY, 1e5, -1e9);
        long[] s = {6};
        assertTensor(x.to(DType.F8E4M3FN), DType.F8E4M3FN, s, new double[] {448, -448, Double.NaN, 448, 448, -448},
                "e4m3fn");
        // 1000 is inside e5m2's range (it rounds to 1024); beyond 61440 values saturate to 57344.
        assertTensor(x.to(DType.F8E5M2), DType.F8E5M2, s, new double[] {1024, -1024, Double.NaN, 57344, 57344, -57344},
                "e5m2");
    }

    @Test
    void castsToIntegersTruncateAndWrap() {
        CpuTensor f = doubles(DType.F32, 300.7, -1.5, 255, 256, 44.9, Double.NaN, Double.POSITIVE_INFINITY, 1e20);
        // 1e20 as f32 is 100000002004087734272, which is 0x56BC75E2D631_00000 reduced modulo 2^64.
        long wrapped = new BigDecimal((double) (float) 1e20).toBigInteger().longValue();
        assertLongs(f.to(DType.U8), DType.U8, new long[] {44, 255, 255, 0, 44, 0, 0, wrapped & 0xFF}, "f32 -> u8");
        assertLongs(f.to(DType.I32), DType.I32, new long[] {300, -1, 255, 256, 44, 0, 0, (int) wrapped}, "f32 -> i32");
        assertLongs(f.to(DType.I64), DType.I64, new long[] {300, -1, 255, 256, 44, 0, 0, wrapped}, "f32 -> i64");
        CpuTensor i = longs(DType.I32, 300, -1, -256, 255);
        assertLongs(i.to(DType.U8), DType.U8, new long[] {44, 255, 0, 255}, "i32 -> u8");
        assertLongs(i.to(DType.I8), DType.I8, new long[] {44, -1, 0, -1}, "i32 -> i8");
        assertLongs(i.to(DType.BOOL), DType.BOOL, new long[] {1, 1, 1, 1}, "i32 -> bool");
    }

    @Test
    void bigIntegersConvertToFloatsWithOneRounding() {
        // 2^60 + 2^36 + 1 lies just above the midpoint between two f32 values; rounding it to a double first
        // would land on the midpoint and round down to the even 2^60.
        long v = (1L << 60) + (1L << 36) + 1;
        CpuTensor x = longs(DType.I64, v);
        assertEquals((double) (float) v, ((CpuTensor) x.to(DType.F32)).get(0), "i64 -> f32");
        assertEquals((double) v, ((CpuTensor) x.to(DType.F64)).get(0), "i64 -> f64");
    }

    @Test
    void dtypePromotionFollowsTheDocumentedRules() {
        CpuTensor f16 = random(DType.F16, 1, -1, 1, 2);
        CpuTensor bf16 = random(DType.BF16, 2, -1, 1, 2);
        CpuTensor f32 = random(DType.F32, 3, -1, 1, 2);
        CpuTensor i32 = longs(DType.I32, 1, 2);
        CpuTensor i8 = longs(DType.I8, 1, 2);
        CpuTensor u8 = longs(DType.U8, 1, 2);
        CpuTensor bool = longs(DType.BOOL, 1, 0);
        assertEquals(DType.F32, f16.add(bf16).dtype(), "f16 + bf16");
        assertEquals(DType.F32, f16.mul(f32).dtype(), "f16 * f32");
        assertEquals(DType.F32, i32.mul(2.5).dtype(), "i32 * 2.5");
        assertEquals(DType.F16, f16.mul(2.0).dtype(), "f16 * 2.0");
        assertEquals(DType.BF16, bf16.rsub(1e6).dtype(), "1e6 - bf16");
        assertEquals(DType.F16, i32.add(f16).dtype(), "i32 + f16");
        assertEquals(DType.I32, i8.add(u8).dtype(), "i8 + u8");
        assertEquals(DType.I32, bool.add(i32).dtype(), "bool + i32");
        assertEquals(DType.BOOL, f16.lt(bf16).dtype(), "f16 < bf16");
        assertEquals(DType.BOOL, i32.ge(1.0).dtype(), "i32 >= 1.0");
        assertEquals(DType.I64, i32.sum(0, false).dtype(), "sum of i32");
        assertEquals(DType.I64, bool.sum(0, false).dtype(), "sum of bool");
        assertEquals(DType.I32, i32.amax(0, false).dtype(), "amax of i32");
        assertEquals(DType.F16, f16.sum(0, true).dtype(), "sum of f16");
        assertEquals(DType.F32, i32.exp().dtype(), "exp of i32");
        assertEquals(DType.I32, i32.neg().dtype(), "neg of i32");
        assertEquals(DType.F32, f16.reshape(1, 2).matmul(bf16.reshape(2, 1)).dtype(), "f16 @ bf16");
    }

    // =============================================================================================================
    // Integer arithmetic
    // =============================================================================================================

    @Test
    void i64ArithmeticIsExactAbove2To53() {
        long big = (1L << 53) + 1;
        CpuTensor a = longs(DType.I64, big, -big, Long.MAX_VALUE - 1, 3);
        CpuTensor b = longs(DType.I64, 2, 3, 1, -big);
        assertLongs(checkMeta(a.add(b), Prims.ADD, a, b), DType.I64,
                new long[] {big + 2, -big + 3, Long.MAX_VALUE, 3 - big}, "add");
        assertLongs(a.sub(b), DType.I64, new long[] {big - 2, -big - 3, Long.MAX_VALUE - 2, 3 + big}, "sub");
        assertLongs(a.mul(b), DType.I64, new long[] {2 * big, -3 * big, Long.MAX_VALUE - 1, -3 * big}, "mul");
        assertLongs(a.div(b), DType.I64, new long[] {big / 2, -big / 3, Long.MAX_VALUE - 1, 0}, "div");
        assertLongs(a.maximum(b), DType.I64, new long[] {big, 3, Long.MAX_VALUE - 1, 3}, "maximum");
        assertLongs(a.minimum(b), DType.I64, new long[] {2, -big, 1, -big}, "minimum");
        assertLongs(a.neg(), DType.I64, new long[] {-big, big, 1 - Long.MAX_VALUE, -3}, "neg");
        assertLongs(a.abs(), DType.I64, new long[] {big, big, Long.MAX_VALUE - 1, 3}, "abs");
        assertLongs(a.floor(), DType.I64, new long[] {big, -big, Long.MAX_VALUE - 1, 3}, "floor");
        CpuTensor bigs = longs(DType.I64, big, big, 1);
        assertLongs(checkMeta(bigs.sum(0, false), Prims.SUM, bigs, new int[] {0}, false), DType.I64,
                new long[] {2 * big + 1}, "sum");
        assertLongs(a.amax(0, true), DType.I64, new long[] {Long.MAX_VALUE - 1}, "amax");
        CpuTensor c = longs(DType.I64, big, big - 1);
        CpuTensor d = longs(DType.I64, big - 1, big - 1);
        assertLongs(c.eq(d), DType.BOOL, new long[] {0, 1}, "eq");
        assertLongs(c.gt(d), DType.BOOL, new long[] {1, 0}, "gt");
        assertLongs(c.gt(d).where(c, d), DType.I64, new long[] {big, big - 1}, "where");
        double limit = 0x1p60;
        assertLongs(longs(DType.I64, big + 2, -big - 2).clamp(-limit, limit), DType.I64, new long[] {big + 2, -big - 2},
                "clamp keeps values inside the bounds");
        assertLongs(longs(DType.I64, big + 2, -big - 2).clamp(0.5, 1e300), DType.I64, new long[] {big + 2, 1},
                "clamp to fractional bounds");
        assertLongs(c.copy_(d), DType.I64, new long[] {big - 1, big - 1}, "copy_");
        assertLongs(longs(DType.I64, 3, -2).pow(longs(DType.I64, 39, 63)), DType.I64,
                new long[] {4052555153018976267L, Long.MIN_VALUE}, "3^39 and (-2)^63");
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> longs(DType.I64, 2).pow(longs(DType.I64, -1)));
        assertTrue(e.getMessage().contains("negative power"), e.getMessage());
    }

    @Test
    void integerDivisionTruncatesTowardZero() {
        CpuTensor a = longs(DType.I32, -7, 7, -7, 9, 0, Integer.MIN_VALUE);
        CpuTensor b = longs(DType.I32, 2, -2, -2, 4, 5, -1);
        // MIN / -1 overflows and wraps back to MIN, as Java's int division does.
        assertLongs(a.div(b), DType.I32, new long[] {-3, -3, 3, 2, 0, Integer.MIN_VALUE}, "i32 / i32");
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> a.div(longs(DType.I32, 0)));
        assertTrue(e.getMessage().contains("division by zero"), e.getMessage());
    }

    @Test
    void integerArithmeticWrapsAtTheDtypeWidth() {
        assertLongs(longs(DType.I32, Integer.MAX_VALUE).add(longs(DType.I32, 1)), DType.I32,
                new long[] {Integer.MIN_VALUE}, "i32 overflow");
        assertLongs(longs(DType.U8, 200, 3).add(longs(DType.U8, 100, 5)), DType.U8, new long[] {44, 8}, "u8 overflow");
        assertLongs(longs(DType.U8, 3).sub(longs(DType.U8, 5)), DType.U8, new long[] {254}, "u8 underflow");
        assertLongs(longs(DType.I8, 100).mul(longs(DType.I8, 3)), DType.I8, new long[] {44}, "i8 overflow");
    }

    // =============================================================================================================
    // Reductions
    // =============================================================================================================

    enum Red {
        SUM(Prims.SUM), MEAN(Prims.MEAN), AMAX(Prims.AMAX);

        final KernelDef prim;

        Red(KernelDef prim) {
            this.prim = prim;
        }

        Tensor call(Tensor x, int[] dims, boolean keepdim) {
            return switch (this) {
                case SUM -> x.sum(dims, keepdim);
                case MEAN -> x.mean(dims, keepdim);
                case AMAX -> x.amax(dims, keepdim);
            };
        }
    }

    static Stream<Arguments> reductionCases() {
        return Arrays.stream(Red.values()).flatMap(r -> Stream.of(DType.F32, DType.F16, DType.BF16)
                .flatMap(d -> Stream.of(true, false).map(k -> Arguments.of(r, d, k))));
    }

    @ParameterizedTest(name = "{0} {1} keepdim={2}")
    @MethodSource("reductionCases")
    void reductionsOverSeveralDimsMatchTheReference(Red red, DType dtype, boolean keepdim) {
        Object[][] cases = {
                {new long[] {3, 4, 5}, new int[] {0}}, {new long[] {3, 4, 5}, new int[] {1}},
                {new long[] {3, 4, 5}, new int[] {-1}}, {new long[] {3, 4, 5}, new int[] {0, 2}},
                {new long[] {3, 4, 5}, new int[] {2, 0, 1}}, {new long[] {3, 4, 5}, new int[] {1, -1}},
                {new long[] {17}, new int[] {0}}, {new long[] {1, 3, 1}, new int[] {0, 2}},
                {new long[] {1, 3, 1}, new int[] {1}}, {new long[] {3, 17}, new int[] {-2}},
        };
        long seed = 11;
        for (Object[] c : cases) {
            long[] shape = (long[]) c[0];
            int[] dims = (int[]) c[1];
            for (Layout layout : Layout.values()) {
                CpuTensor x = layout.make(dtype, seed++, shape);
                Tensor r = checkMeta(red.call(x, dims, keepdim), red.prim, x, dims, keepdim);
                long[] outShape = reducedShape(shape, dims, keepdim);
                assertTensor(r, dtype, outShape, expected(outShape, i -> FloatFormats.roundTo(dtype,
                        reduceReference(red, x, dims, keepdim, i))), red + Arrays.toString(dims) + " of " + x);
            }
        }
    }

    private static boolean[] reducedMask(int rank, int[] dims) {
        boolean[] mask = new boolean[rank];
        for (int d : dims) {
            mask[d < 0 ? d + rank : d] = true;
        }
        return mask;
    }

    private static long[] reducedShape(long[] shape, int[] dims, boolean keepdim) {
        boolean[] mask = reducedMask(shape.length, dims);
        List<Long> out = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            if (!mask[d]) {
                out.add(shape[d]);
            } else if (keepdim) {
                out.add(1L);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Visits the reduced elements of one output in row-major order, accumulating in double. */
    private static double reduceReference(Red red, CpuTensor x, int[] dims, boolean keepdim, long[] outIndex) {
        long[] shape = x.sizes();
        boolean[] mask = reducedMask(shape.length, dims);
        long[] reducedSizes = new long[shape.length];
        long count = 1;
        for (int d = 0; d < shape.length; d++) {
            reducedSizes[d] = mask[d] ? shape[d] : 1;
            count *= reducedSizes[d];
        }
        long[] idx = new long[shape.length];
        double sum = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (long k = 0; k < count; k++) {
            long[] inner = unravel(k, reducedSizes);
            int o = 0;
            for (int d = 0; d < shape.length; d++) {
                if (mask[d]) {
                    idx[d] = inner[d];
                    if (keepdim) {
                        o++;
                    }
                } else {
                    idx[d] = outIndex[o++];
                }
            }
            double v = x.get(idx);
            sum += v;
            max = Double.isNaN(v) || Double.isNaN(max) ? Double.NaN : Math.max(max, v);
        }
        return switch (red) {
            case SUM -> sum;
            case MEAN -> sum / count;
            case AMAX -> max;
        };
    }

    @Test
    void integerReductionsAreExact() {
        CpuTensor x = Layout.TRANSPOSED.make(DType.I32, 4, -1000.0, 1000.0, 3, 5);
        CpuTensor s = checkMeta(x.sum(new int[] {0}, true), Prims.SUM, x, new int[] {0}, true);
        long[] expectedSums = new long[5];
        long[] expectedMax = new long[5];
        Arrays.fill(expectedMax, Long.MIN_VALUE);
        for (int j = 0; j < 5; j++) {
            for (int i = 0; i < 3; i++) {
                expectedSums[j] += (long) x.get(i, j);
                expectedMax[j] = Math.max(expectedMax[j], (long) x.get(i, j));
            }
        }
        assertLongs(s, DType.I64, expectedSums, "sum of i32");
        assertLongs(x.amax(0, false), DType.I32, expectedMax, "amax of i32");
        assertLongs(longs(DType.BOOL, 1, 0, 1, 1).sum(0, false), DType.I64, new long[] {3}, "sum of bool");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.mean(0, false));
        assertTrue(e.getMessage().contains("mean of a i32"), e.getMessage());
    }

    @Test
    void reductionsOfRankZeroAndAmaxAll() {
        CpuTensor scalar = CpuTensor.scalar(DType.F32, 2.5);
        assertTensor(checkMeta(scalar.sum(0, false), Prims.SUM, scalar, new int[] {0}, false), DType.F32,
                new long[0], new double[] {2.5}, "sum of a rank-0 tensor");
        assertTensor(scalar.amaxAll(), DType.F32, new long[0], new double[] {2.5}, "amaxAll of a rank-0 tensor");
        CpuTensor x = Layout.NARROWED.make(DType.BF16, 9, 3, 4, 5);
        double max = Arrays.stream(values(x)).max().orElseThrow();
        assertTensor(x.amaxAll(), DType.BF16, new long[0], new double[] {max}, "amaxAll");
        CpuTensor withNaN = doubles(DType.F32, 1, Double.NaN, 3);
        assertTensor(withNaN.amaxAll(), DType.F32, new long[0], new double[] {Double.NaN}, "amax propagates NaN");
        assertThrows(IndexOutOfBoundsException.class, () -> x.sum(3, false));
        assertThrows(IllegalArgumentException.class, () -> x.sum(new int[] {1, -2}, false));
    }

    // =============================================================================================================
    // Matrix product
    // =============================================================================================================

    @Test
    void matmulOf2dBatchedAndBroadcastOperands() {
        long[][][] cases = {
                {{3, 17}, {17, 5}}, {{2, 3, 4}, {4, 5}}, {{2, 1, 3, 4}, {3, 4, 2}}, {{1, 1}, {1, 1}}, {{1, 3}, {2, 3, 1}},
        };
        long seed = 40;
        for (long[][] c : cases) {
            for (Layout la : Layout.values()) {
                for (DType[] dt : new DType[][] {{DType.F32, DType.F32}, {DType.F16, DType.F16}, {DType.F16, DType.BF16}}) {
                    CpuTensor a = la.make(dt[0], seed++, c[0]);
                    CpuTensor b = Layout.values()[(la.ordinal() + 2) % 4].make(dt[1], seed++, c[1]);
                    DType result = DType.promote(dt[0], dt[1]);
                    Tensor r = checkMeta(a.matmul(b), Prims.MATMUL, a, b);
                    long[] batch = broadcastShape(Arrays.copyOf(c[0], c[0].length - 2),
                            Arrays.copyOf(c[1], c[1].length - 2));
                    long m = c[0][c[0].length - 2];
                    long k = c[0][c[0].length - 1];
                    long n = c[1][c[1].length - 1];
                    long[] shape = Arrays.copyOf(batch, batch.length + 2);
                    shape[batch.length] = m;
                    shape[batch.length + 1] = n;
                    assertTensor(r, result, shape, expected(shape, i -> {
                        double acc = 0;
                        long[] ai = i.clone();
                        long[] bi = i.clone();
                        for (long p = 0; p < k; p++) {
                            ai[ai.length - 1] = p;
                            bi[bi.length - 2] = p;
                            acc += broadcastGet(a, ai) * broadcastGet(b, bi);
                        }
                        return FloatFormats.roundTo(result, acc);
                    }), "matmul(" + a + ", " + b + ")");
                }
            }
        }
    }

    @Test
    void matmulPropagatesNaNAndInfinityThroughZeros() {
        CpuTensor a = CpuTensor.of(DType.F32, new double[] {0, 1}, 1, 2);
        CpuTensor b = CpuTensor.of(DType.F32, new double[] {Double.POSITIVE_INFINITY, Double.NaN, 1, 1}, 2, 2);
        // 0 * inf and 0 * NaN are NaN, so both outputs are NaN.
        assertTensor(a.matmul(b), DType.F32, new long[] {1, 2}, new double[] {Double.NaN, Double.NaN}, "0 * inf");
    }

    @Test
    void matmulRejectsMismatchedInnerSizes() {
        CpuTensor a = random(DType.F32, 1, -1, 1, 3, 4);
        CpuTensor b = random(DType.F32, 2, -1, 1, 5, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertTrue(e.getMessage().contains("f32[3, 4]") && e.getMessage().contains("f32[5, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.matmul(random(DType.F32, 3, -1, 1, 4)));
    }

    // =============================================================================================================
    // Shapes and views
    // =============================================================================================================

    @Nested
    class Views {

        @Test
        void reshapeAndViewInferMinusOneAndShareStorageWhenContiguous() {
            CpuTensor x = random(DType.F32, 1, -4, 4, 3, 4);
            double[] before = values(x);
            CpuTensor r = checkMeta(x.reshape(-1, 2), Prims.RESHAPE, x, List.of(-1, 2));
            assertTensor(r, DType.F32, new long[] {6, 2}, before, "reshape(-1, 2)");
            CpuTensor v = checkMeta(x.view(2, Dim.of(2), -1), Prims.RESHAPE, x, List.of(2, Dim.of(2), -1));
            assertTensor(v, DType.F32, new long[] {2, 2, 3}, before, "view(2, 2, -1)");
            assertTensor(x.reshape(12L), DType.F32, new long[] {12}, before, "reshape(12)");
            assertTensor(x.reshape(1, 3, 1, 4, 1), DType.F32, new long[] {1, 3, 1, 4, 1}, before, "with ones");
            r.copy_(CpuTensor.scalar(DType.F32, 7));
            assertTensor(x, DType.F32, new long[] {3, 4}, filled(12, 7), "the base after writing the view");
        }

        @Test
        void reshapeOfANonContiguousTensorCopies() {
            CpuTensor x = Layout.TRANSPOSED.make(DType.F16, 2, 3, 4);
            double[] before = values(x);
            CpuTensor r = checkMeta(x.reshape(-1), Prims.RESHAPE, x, List.of(-1));
            assertTensor(r, DType.F16, new long[] {12}, before, "reshape(-1) of a transposed tensor");
            r.copy_(CpuTensor.scalar(DType.F16, 0));
            assertTensor(x, DType.F16, new long[] {3, 4}, before, "the base is untouched");
        }

        @Test
        void reshapeErrorsNameTheShapes() {
            CpuTensor x = random(DType.F32, 1, -1, 1, 3, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.reshape(5, 2));
            assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5, 2]")
                    && e.getMessage().contains("element count"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.reshape(-1, 5));
            assertTrue(e.getMessage().contains("cannot infer -1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.reshape(-1, -1));
            assertTrue(e.getMessage().contains("only one -1"), e.getMessage());
        }

        @Test
        void permuteAndTransposeReorderDimensionsAsViews() {
            CpuTensor x = Layout.NARROWED.make(DType.BF16, 3, 2, 3, 4);
            CpuTensor p = checkMeta(x.permute(2, 0, -2), Prims.PERMUTE, x, new int[] {2, 0, -2});
            long[] shape = {4, 2, 3};
            assertTensor(p, DType.BF16, shape, expected(shape, i -> x.get(i[1], i[2], i[0])), "permute(2, 0, 1)");
            CpuTensor t = checkMeta(x.transpose(0, -1), Prims.PERMUTE, x, new int[] {2, 1, 0});
            long[] tshape = {4, 3, 2};
            assertTensor(t, DType.BF16, tshape, expected(tshape, i -> x.get(i[2], i[1], i[0])), "transpose(0, -1)");
            assertSame(x.segment(), p.segment(), "permute is a view");
            t.copy_(CpuTensor.scalar(DType.BF16, 1));
            assertTensor(x, DType.BF16, new long[] {2, 3, 4}, filled(24, 1), "the base after writing the transpose");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.permute(0, 0, 1));
            assertTrue(e.getMessage().contains("repeated"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> x.permute(0, 1));
        }

        @Test
        void narrowAndSliceSelectARangeAsAView() {
            CpuTensor x = Layout.TRANSPOSED.make(DType.F32, 4, 5, 17);
            CpuTensor n = checkMeta(x.narrow(1, 3, 10), Prims.NARROW, x, 1, 3L, 10L);
            long[] shape = {5, 10};
            assertTensor(n, DType.F32, shape, expected(shape, i -> x.get(i[0], i[1] + 3)), "narrow(1, 3, 10)");
            CpuTensor neg = checkMeta(x.narrow(-2, 4, 1), Prims.NARROW, x, -2, 4L, 1L);
            assertTensor(neg, DType.F32, new long[] {1, 17}, expected(new long[] {1, 17}, i -> x.get(4, i[1])),
                    "narrow(-2, 4, 1)");
            CpuTensor sliced = checkMeta(x.slice(1, 12, Long.MAX_VALUE), Prims.NARROW, x, 1, 12L, 5L);
            assertTensor(sliced, DType.F32, new long[] {5, 5}, expected(new long[] {5, 5}, i -> x.get(i[0], i[1] + 12)),
                    "slice(1, 12, end)");
            assertArrayEquals(new long[] {2, 17}, ((CpuTensor) x.slice(0, 1, 3)).sizes(), "slice(0, 1, 3)");
            assertArrayEquals(new long[] {5, 0}, ((CpuTensor) x.slice(1, 17, 30)).sizes(), "empty slice");
            double[] before = values(x);
            n.copy_(CpuTensor.scalar(DType.F32, 9));
            assertTensor(x, DType.F32, new long[] {5, 17}, expected(new long[] {5, 17}, i -> i[1] >= 3 && i[1] < 13
                    ? 9.0 : before[(int) (i[0] * 17 + i[1])]), "the base after writing the narrowed view");
        }

        @Test
        void narrowOutOfRangeNamesTheRange() {
            CpuTensor x = random(DType.F32, 1, -1, 1, 3, 4);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(1, 2, 3));
            assertTrue(e.getMessage().contains("[2, 5)") && e.getMessage().contains("[0, 4)"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(0, -1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(2, 0, 1));
        }

        @Test
        void chunkAndSplitCutADimension() {
            CpuTensor x = Layout.STRIDED.make(DType.F16, 5, 2, 6);
            List<Tensor> chunks = x.chunk(3, 1);
            assertEquals(3, chunks.size());
            for (int c = 0; c < 3; c++) {
                int off = 2 * c;
                checkMeta(chunks.get(c), Prims.NARROW, x, 1, (long) off, 2L);
                assertTensor(chunks.get(c), DType.F16, new long[] {2, 2}, expected(new long[] {2, 2},
                        i -> x.get(i[0], i[1] + off)), "chunk " + c);
            }
            List<Tensor> parts = x.split(new long[] {1, 2, 3}, -1);
            long[] starts = {0, 1, 3};
            for (int p = 0; p < 3; p++) {
                long start = starts[p];
                long[] shape = {2, p + 1};
                assertTensor(parts.get(p), DType.F16, shape, expected(shape, i -> x.get(i[0], i[1] + start)),
                        "split part " + p);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.chunk(4, 1));
            assertTrue(e.getMessage().contains("4 equal parts"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.split(new long[] {1, 2}, 1));
            assertTrue(e.getMessage().contains("add up to 3"), e.getMessage());
        }

        @Test
        void expandBroadcastsWithoutCopying() {
            CpuTensor x = Layout.NARROWED.make(DType.F32, 6, 3, 1);
            CpuTensor e = checkMeta(x.expand(2, 3, 4), Prims.EXPAND, x, List.of(2, 3, 4));
            long[] shape = {2, 3, 4};
            assertTensor(e, DType.F32, shape, expected(shape, i -> x.get(i[1], 0)), "expand(2, 3, 4)");
            assertArrayEquals(new long[] {0, x.strideAt(0), 0}, e.strides(), "expanded dimensions have stride 0");
            CpuTensor keep = checkMeta(x.expand(-1, 5), Prims.EXPAND, x, List.of(-1, 5));
            assertArrayEquals(new long[] {3, 5}, keep.sizes());
            IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> x.expand(4, 2));
            assertTrue(err.getMessage().contains("neither 1 nor 4"), err.getMessage());
        }

        @Test
        void catJoinsAndPromotes() {
            CpuTensor a = Layout.TRANSPOSED.make(DType.F16, 7, 2, 3);
            CpuTensor b = Layout.STRIDED.make(DType.F32, 8, 4, 3);
            CpuTensor r = checkMeta(Tensor.cat(List.of(a, b), 0), Prims.CAT, List.of(a, b), 0);
            long[] shape = {6, 3};
            assertTensor(r, DType.F32, shape, expected(shape, i -> i[0] < 2 ? a.get(i) : b.get(i[0] - 2, i[1])),
                    "cat along 0");
            CpuTensor c = Layout.NARROWED.make(DType.F16, 9, 2, 1);
            CpuTensor r2 = checkMeta(Tensor.cat(List.of(a, c, a), -1), Prims.CAT, List.of(a, c, a), -1);
            long[] shape2 = {2, 7};
            assertTensor(r2, DType.F16, shape2, expected(shape2, i -> i[1] < 3 ? a.get(i) : i[1] == 3
                    ? c.get(i[0], 0) : a.get(i[0], i[1] - 4)), "cat along -1");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(List.of(a, b), 1));
            assertTrue(e.getMessage().contains("dimension 0 differs"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Tensor.cat(List.of(), 0));
        }

        @Test
        void indexSelectPicksSlices() {
            CpuTensor x = Layout.TRANSPOSED.make(DType.BF16, 10, 5, 3);
            CpuTensor idx = longs(DType.I64, 4, 0, 4, 2);
            CpuTensor rows = checkMeta(x.indexSelect(0, idx), Prims.INDEX_SELECT, x, 0, idx);
            long[] shape = {4, 3};
            assertTensor(rows, DType.BF16, shape, expected(shape, i -> x.get(idx.toLongArray()[(int) i[0]], i[1])),
                    "index_select rows");
            CpuTensor cidx = (CpuTensor) longs(DType.I32, 2, 2, 1, 0, 2).narrow(0, 1, 3);
            CpuTensor cols = checkMeta(x.indexSelect(-1, cidx), Prims.INDEX_SELECT, x, -1, cidx);
            long[] cshape = {5, 3};
            long[] picks = cidx.toLongArray();
            assertTensor(cols, DType.BF16, cshape, expected(cshape, i -> x.get(i[0], picks[(int) i[1]])),
                    "index_select columns");
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> x.indexSelect(1, longs(DType.I64, 3)));
            assertTrue(e.getMessage().contains("index 3"), e.getMessage());
            IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                    () -> x.indexSelect(0, doubles(DType.F32, 1)));
            assertTrue(f.getMessage().contains("i64 or i32 index"), f.getMessage());
        }
    }

    private static double[] filled(int n, double v) {
        double[] out = new double[n];
        Arrays.fill(out, v);
        return out;
    }

    // =============================================================================================================
    // Creation
    // =============================================================================================================

    @Test
    void creationPrimitives() {
        CpuTensor like = Layout.TRANSPOSED.make(DType.F16, 1, 3, 4);
        CpuTensor full = checkMeta(like.newFull(List.of(2L, 3), 1.1, DType.BF16), Prims.FULL, List.of(2L, 3), 1.1,
                DType.BF16, "cpu");
        assertTensor(full, DType.BF16, new long[] {2, 3}, filled(6, FloatFormats.roundTo(DType.BF16, 1.1)), "newFull");
        CpuTensor negZero = (CpuTensor) like.newFull(List.of(2L), -0.0, DType.F32);
        assertTensor(negZero, DType.F32, new long[] {2}, filled(2, -0.0), "newFull(-0.0)");
        assertTensor(like.newFull(List.of(), Double.NaN, DType.F8E5M2), DType.F8E5M2, new long[0],
                new double[] {Double.NaN}, "rank-0 NaN");
        CpuTensor zeros = checkMeta(like.newZeros(List.of(Dim.of(3)), DType.I64), Prims.FULL, List.of(3L), 0.0,
                DType.I64, "cpu");
        assertLongs(zeros, DType.I64, new long[] {0, 0, 0}, "newZeros");
        CpuTensor zl = checkMeta(like.zerosLike(), Prims.FULL, like.shape(), 0.0, DType.F16, "cpu");
        assertTensor(zl, DType.F16, new long[] {3, 4}, filled(12, 0), "zerosLike");
        assertTrue(zl.isContiguous(), "zerosLike of a transposed tensor is contiguous");
        assertTensor(like.emptyLike(), DType.F16, new long[] {3, 4}, filled(12, 0), "emptyLike");
        CpuTensor ar = checkMeta(like.newArange(5), Prims.ARANGE, 5L, DType.I64, "cpu");
        assertLongs(ar, DType.I64, new long[] {0, 1, 2, 3, 4}, "newArange(5)");
        assertLongs(like.newArange(Dim.of(0)), DType.I64, new long[0], "newArange(0)");
        assertLongs(like.newFull(List.of(2L), 3.0e9, DType.I64), DType.I64, new long[] {3000000000L, 3000000000L},
                "a large integer fill");
    }

    // =============================================================================================================
    // Copies
    // =============================================================================================================

    @Test
    void cloneAndContiguousCopyWhatTheyMust() {
        CpuTensor x = Layout.TRANSPOSED.make(DType.F32, 1, 3, 4);
        double[] before = values(x);
        CpuTensor c = checkMeta(x.cloneTensor(), Prims.CLONE, x);
        assertTensor(c, DType.F32, new long[] {3, 4}, before, "clone");
        assertTrue(c.isContiguous());
        c.copy_(CpuTensor.scalar(DType.F32, 0));
        assertTensor(x, DType.F32, new long[] {3, 4}, before, "writing the clone leaves the original");
        CpuTensor cont = checkMeta(x.contiguous(), Prims.CLONE, x);
        assertTensor(cont, DType.F32, new long[] {3, 4}, before, "contiguous of a transposed tensor");
        assertNotSame(x.segment(), cont.segment());
        CpuTensor already = random(DType.F32, 2, -1, 1, 3, 4);
        assertSame(already, already.contiguous(), "contiguous of a contiguous tensor is itself");
        // A transposed column counts as contiguous, but its size-1 dimension keeps stride 1; results are packed.
        CpuTensor row = (CpuTensor) random(DType.F32, 3, -1, 1, 4, 1).transpose(0, 1);
        assertTrue(row.isContiguous());
        assertArrayEquals(new long[] {1, 1}, row.strides());
        checkMeta(row.cloneTensor(), Prims.CLONE, row);
        checkMeta(row.clamp(0.0, null), Prims.CLAMP, row, 0.0, null);
    }

    @Test
    void copyIntoAViewWritesTheBase() {
        CpuTensor base = random(DType.F32, 3, -1, 1, 4, 5);
        double[] before = values(base);
        CpuTensor view = (CpuTensor) base.transpose(0, 1).narrow(1, 1, 2);   // [5, 2], rows 1..2 of base
        CpuTensor src = Layout.STRIDED.make(DType.F32, 4, 5, 2);
        Tensor r = checkMeta(view.copy_(src), Prims.COPY_, view, src);
        assertSame(view, r, "copy_ returns the destination");
        assertTensor(base, DType.F32, new long[] {4, 5}, expected(new long[] {4, 5}, i -> i[0] == 1 || i[0] == 2
                ? src.get(i[1], i[0] - 1) : before[(int) (i[0] * 5 + i[1])]), "the base after copy_ into a view");
    }

    @Test
    void copyBroadcastsAndConverts() {
        CpuTensor dst = CpuTensor.zeros(DType.F16, 2, 3);
        CpuTensor src = doubles(DType.F32, 0.1, 1e6, -2.5);
        dst.copy_(src);
        assertTensor(dst, DType.F16, new long[] {2, 3}, expected(new long[] {2, 3},
                i -> FloatFormats.roundTo(DType.F16, src.get(i[1]))), "broadcast and rounded copy");
        CpuTensor ints = CpuTensor.zeros(DType.U8, 3);
        ints.copy_(doubles(DType.F32, 300.5, -1, 7));
        assertLongs(ints, DType.U8, new long[] {44, 255, 7}, "copy_ into u8 wraps");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuTensor.zeros(DType.F32, 3).copy_(CpuTensor.zeros(DType.F32, 2, 3)));
        assertTrue(e.getMessage().contains("f32[2, 3]") && e.getMessage().contains("f32[3]"), e.getMessage());
    }

    @Test
    void copyFromAnOverlappingViewReadsTheSourceBeforeWriting() {
        CpuTensor x = random(DType.F32, 5, -1, 1, 3, 3);
        double[] before = values(x);
        x.copy_(x.transpose(0, 1));
        assertTensor(x, DType.F32, new long[] {3, 3}, expected(new long[] {3, 3}, i -> before[(int) (i[1] * 3 + i[0])]),
                "x.copy_(x.T)");
    }

    // =============================================================================================================
    // Errors
    // =============================================================================================================

    @Test
    void shapesThatDoNotBroadcastNameBothShapes() {
        CpuTensor a = random(DType.F32, 1, -1, 1, 3, 4);
        CpuTensor b = random(DType.F32, 2, -1, 1, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tracer.trace("g",
                List.of(Tracer.input("a", a.meta()), Tracer.input("b", b.meta())), in -> in.get(0).mul(in.get(1))));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5]"), e.getMessage());
        assertTrue(e.getMessage().contains("prim::mul"), "a trace error names the call: " + e.getMessage());
    }

    @Test
    void narrowOutOfRangeIsCaughtWhileTracing() {
        TensorMeta m = TensorMeta.of(DType.F32, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tracer.trace("g", List.of(Tracer.input("x", m)), in -> in.getFirst().narrow(1, 3, 2)));
        assertTrue(e.getMessage().contains("prim::narrow") && e.getMessage().contains("outside [0, 4)"),
                e.getMessage());
    }

    @Test
    void tracedAndRealTensorsDoNotMix() {
        CpuTensor real = random(DType.F32, 1, -1, 1, 3);
        List<String> messages = new ArrayList<>();
        Tracer.trace("g", List.of(Tracer.input("x", real.meta())), in -> {
            Tensor traced = in.getFirst();
            messages.add(assertThrows(IllegalArgumentException.class, () -> real.add(traced)).getMessage());
            messages.add(assertThrows(IllegalArgumentException.class, () -> traced.add(real)).getMessage());
            messages.add(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.cat(List.of(real, traced), 0)).getMessage());
            return traced;
        });
        assertTrue(messages.get(0).contains("not a CPU tensor"), messages.get(0));
        assertTrue(messages.get(1).contains("must not capture real tensors"), messages.get(1));
        assertTrue(messages.get(2).contains("not a CPU tensor"), messages.get(2));
    }

    // =============================================================================================================
    // erf
    // =============================================================================================================

    private static final BigDecimal TWO_OVER_SQRT_PI = new BigDecimal(
            "1.128379167095512573896158903121545171688101258657997713688171443421284936882986828973");
    /** Terms of the series reach e^(x^2) < 5e15 for |x| <= 6, so 50 digits leave over 30 for the result. */
    private static final MathContext MC = new MathContext(50);
    private static final BigDecimal SERIES_EPSILON = new BigDecimal("1e-35");

    /** erf by its Maclaurin series in 50-digit decimal arithmetic, for {@code |x| <= 6}; ±1 beyond. */
    static double erfReference(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Math.abs(x) > 6) {
            return Math.signum(x); // erfc(6) < 2.2e-17, below half an ulp of 1.0
        }
        double r = erfBig(x).doubleValue();
        return r == 0 ? x : r; // keeps the sign of zero
    }

    /** erfc as 1 - erf with erf's series in 40 digits, for |x| up to about 6. */
    static double erfcReference(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        return BigDecimal.ONE.subtract(erfBig(x), MC).doubleValue();
    }

    private static BigDecimal erfBig(double x) {
        BigDecimal bx = new BigDecimal(x);
        BigDecimal x2 = bx.multiply(bx, MC);
        BigDecimal term = bx; // (-1)^n x^(2n+1) / n!
        BigDecimal sum = bx;
        for (int n = 1; ; n++) {
            term = term.multiply(x2, MC).divide(BigDecimal.valueOf(-n), MC);
            BigDecimal add = term.divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = sum.add(add, MC);
            if (n > x * x && add.abs().compareTo(SERIES_EPSILON) < 0) {
                break;
            }
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC);
    }

    @Test
    void erfIsAccurateToOneInATrillion() {
        List<Double> points = new ArrayList<>();
        for (int i = -1500; i <= 1500; i++) {
            points.add(i / 200.0);                  // -7.5 .. 7.5 in steps of 1/200
        }
        SplittableRandom rnd = new SplittableRandom(2024);
        for (int i = 0; i < 1000; i++) {
            points.add(rnd.nextDouble(-6.5, 6.5));
        }
        for (double p : new double[] {2.5, Math.nextDown(2.5), Math.nextUp(2.5), 1e-300, 1e-10, 5e-324, 27, 28, 1e300}) {
            points.add(p);
            points.add(-p);
        }
        double worst = 0;
        double worstAt = 0;
        double worstRelative = 0;
        double worstRelativeAt = 0;
        double[] refs = points.stream().mapToDouble(PrimitivesTest::erfReference).toArray();
        for (int i = 0; i < refs.length; i++) {
            double x = points.get(i);
            double ref = refs[i];
            double err = Math.abs(SpecialFunctions.erf(x) - ref);
            if (!(err <= worst)) {
                worst = err;
                worstAt = x;
            }
            if (ref != 0 && !(err / Math.abs(ref) <= worstRelative)) {
                worstRelative = err / Math.abs(ref);
                worstRelativeAt = x;
            }
        }
        assertTrue(worst < 1e-12, "largest |erf error| is " + worst + " at x = " + worstAt);
        assertTrue(worstRelative < 1e-13, "largest relative erf error is " + worstRelative + " at x = "
                + worstRelativeAt + " (SpecialFunctions promises about 1e-13)");
        // Through the tensor API, in f64.
        CpuTensor x = CpuTensor.of(DType.F64, points.stream().mapToDouble(Double::doubleValue).toArray(), points.size());
        double[] got = values((CpuTensor) x.erf());
        for (int i = 0; i < got.length; i++) {
            assertEquals(refs[i], got[i], 1e-12, "erf(" + points.get(i) + ")");
        }
        assertEquals(1.0, SpecialFunctions.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, SpecialFunctions.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(SpecialFunctions.erf(Double.NaN)));
        assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(SpecialFunctions.erf(-0.0)), "erf(-0)");
    }

    @Test
    void everyPrimitiveIsCoveredHere() {
        // A guard for this class: a new primitive should get a reference test above.
        List<String> covered = List.of("add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le",
                "gt", "ge", "exp", "log", "log2", "sqrt", "rsqrt", "sigmoid", "tanh", "erf", "erfc", "abs", "neg",
                "ceil", "floor", "clamp", "where", "cast", "sum", "mean", "amax", "matmul", "reshape", "permute", "narrow",
                "expand", "cat", "index_select", "full", "arange", "clone", "copy_", "getitem");
        List<String> all = Prims.all().keySet().stream().map(t -> t.name()).sorted().toList();
        assertEquals(covered.stream().sorted().toList(), all, "a new primitive needs a reference test in this class; "
                + "list it here once it has one");
    }
}
