package org.kernelir.core.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.ShapeRules;
import org.kernelir.core.tensor.SpecialFunctions;

/**
 * The reference CPU kernels of the primitives. They favour clarity over speed: inputs are gathered into
 * {@code double} arrays in row-major order (broadcast as needed), computed in double precision, and rounded
 * once into the result dtype. Integer results are computed in {@code long} arithmetic instead, so {@code i64}
 * stays exact beyond 2^53 (and wraps like Java's integers). Fast kernels belong in providers.
 */
final class CpuKernels {

    private CpuKernels() {
    }

    enum BinaryOp {
        ADD(false), SUB(false), MUL(false), DIV(false), POW(false), MAX(false), MIN(false),
        EQ(true), NE(true), LT(true), LE(true), GT(true), GE(true);

        final boolean comparison;

        BinaryOp(boolean comparison) {
            this.comparison = comparison;
        }

        double apply(double a, double b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> a / b;
                case POW -> Math.pow(a, b);
                case MAX -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
                case MIN -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
                case EQ -> a == b ? 1 : 0;
                case NE -> a != b ? 1 : 0;
                case LT -> a < b ? 1 : 0;
                case LE -> a <= b ? 1 : 0;
                case GT -> a > b ? 1 : 0;
                case GE -> a >= b ? 1 : 0;
            };
        }

        /** Integer arithmetic, exact where Java's long arithmetic is (division truncates toward zero). */
        long applyLong(long a, long b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> {
                    if (b == 0) {
                        throw new ArithmeticException("integer division by zero");
                    }
                    yield a / b;
                }
                case POW -> integerPower(a, b);
                case MAX -> Math.max(a, b);
                case MIN -> Math.min(a, b);
                case EQ -> a == b ? 1 : 0;
                case NE -> a != b ? 1 : 0;
                case LT -> a < b ? 1 : 0;
                case LE -> a <= b ? 1 : 0;
                case GT -> a > b ? 1 : 0;
                case GE -> a >= b ? 1 : 0;
            };
        }
    }

    /** {@code base^exponent} by repeated squaring, wrapping like the other integer operations. */
    static long integerPower(long base, long exponent) {
        if (exponent < 0) {
            throw new ArithmeticException("integer " + base + " to the negative power " + exponent
                    + "; cast to a floating dtype first");
        }
        long result = 1;
        long b = base;
        for (long e = exponent; e > 0; e >>= 1) {
            if ((e & 1) != 0) {
                result *= b;
            }
            b *= b;
        }
        return result;
    }

    enum UnaryOp {
        EXP(false), LOG(false), LOG2(false), SQRT(false), RSQRT(false), SIGMOID(false), TANH(false), ERF(false),
        ERFC(false), ABS(true), NEG(true), CEIL(true), FLOOR(true);

        /** Whether an integer input keeps its dtype (otherwise the result is f32). */
        final boolean keepsIntegers;

        UnaryOp(boolean keepsIntegers) {
            this.keepsIntegers = keepsIntegers;
        }

        double apply(double x) {
            return switch (this) {
                case EXP -> Math.exp(x);
                case LOG -> Math.log(x);
                case LOG2 -> SpecialFunctions.log2(x);
                case SQRT -> Math.sqrt(x);
                case RSQRT -> 1.0 / Math.sqrt(x);
                case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
                case TANH -> Math.tanh(x);
                case ERF -> SpecialFunctions.erf(x);
                case ERFC -> SpecialFunctions.erfc(x);
                case ABS -> Math.abs(x);
                case NEG -> -x;
                case CEIL -> Math.ceil(x);
                case FLOOR -> Math.floor(x);
            };
        }

        /** The ops that keep integers, on integers, exactly (two's complement: {@code -MIN == MIN}). */
        long applyLong(long x) {
            return switch (this) {
                case ABS -> Math.abs(x);
                case NEG -> -x;
                case CEIL, FLOOR -> x;
                default -> throw new IllegalStateException(this + " does not keep integers");
            };
        }
    }

    enum Reduction { SUM, MEAN, AMAX }

    // ---- gathering and scattering -------------------------------------------------------------------------

    /** The elements of {@code t} broadcast to {@code outShape}, row-major, as doubles. */
    static double[] gather(CpuTensor t, long[] outShape) {
        long n = CpuTensor.numel(outShape);
        double[] out = new double[Math.toIntExact(n)];
        long[] st = broadcastStrides(t, outShape);
        MemorySegment seg = t.segment();
        DType dt = t.dtype();
        if (t.isContiguous() && Arrays.equals(t.sizes(), outShape)) {
            long base = t.offset();
            if (dt == DType.F32) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, base + i);
                }
            } else {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Storage.load(seg, dt, base + i);
                }
            }
            return out;
        }
        forEachOffset(outShape, st, t.offset(), (i, off) -> out[(int) i] = Storage.load(seg, dt, off));
        return out;
    }

    /** The elements of an integer tensor in row-major order, exactly. */
    static long[] gatherLong(CpuTensor t) {
        return gatherLong(t, t.sizes());
    }

    /** The elements of an integer tensor broadcast to {@code outShape}, row-major, exactly. */
    static long[] gatherLong(CpuTensor t, long[] outShape) {
        long[] out = new long[Math.toIntExact(CpuTensor.numel(outShape))];
        MemorySegment seg = t.segment();
        DType dt = t.dtype();
        forEachOffset(outShape, broadcastStrides(t, outShape), t.offset(),
                (i, off) -> out[(int) i] = Storage.loadLong(seg, dt, off));
        return out;
    }

    /** A new contiguous tensor holding row-major integer {@code values}, stored exactly (wrapping to the dtype). */
    private static CpuTensor fromLongs(DType dtype, long[] shape, long[] values) {
        CpuTensor out = CpuTensor.empty(dtype, shape);
        for (int i = 0; i < values.length; i++) {
            Storage.storeLong(out.segment(), dtype, i, values[i]);
        }
        return out;
    }

    /** Writes row-major {@code values} into {@code dst}'s elements (which may be a strided view). */
    static void scatter(CpuTensor dst, double[] values) {
        MemorySegment seg = dst.segment();
        DType dt = dst.dtype();
        if (dst.isContiguous()) {
            long base = dst.offset();
            for (int i = 0; i < values.length; i++) {
                Storage.store(seg, dt, base + i, values[i]);
            }
            return;
        }
        forEachOffset(dst.sizes(), dst.strides(), dst.offset(), (i, off) -> Storage.store(seg, dt, off, values[(int) i]));
    }

    static CpuTensor fromDoubles(DType dtype, long[] shape, double[] values) {
        CpuTensor out = CpuTensor.empty(dtype, shape);
        scatter(out, values);
        return out;
    }

    private static long[] broadcastStrides(CpuTensor t, long[] outShape) {
        long[] ts = t.sizes();
        long[] tst = t.strides();
        if (ts.length > outShape.length) {
            throw new IllegalArgumentException("cannot broadcast " + t.meta() + " to " + Arrays.toString(outShape));
        }
        long[] st = new long[outShape.length];
        int lead = outShape.length - ts.length;
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] == outShape[lead + i]) {
                st[lead + i] = tst[i];
            } else if (ts[i] == 1) {
                st[lead + i] = 0;
            } else {
                throw new IllegalArgumentException("cannot broadcast " + t.meta() + " to " + Arrays.toString(outShape));
            }
        }
        return st;
    }

    @FunctionalInterface
    interface OffsetVisitor {
        void visit(long linear, long offset);
    }

    /** Visits every element of a strided layout in row-major order with its storage offset. */
    static void forEachOffset(long[] shape, long[] strides, long base, OffsetVisitor v) {
        long n = CpuTensor.numel(shape);
        if (n == 0) {
            return;
        }
        int rank = shape.length;
        if (rank == 0) {
            v.visit(0, base);
            return;
        }
        long[] idx = new long[rank];
        long inner = shape[rank - 1];
        long innerStride = strides[rank - 1];
        long off = base;
        for (long linear = 0; linear < n; linear += inner) {
            for (long j = 0; j < inner; j++) {
                v.visit(linear + j, off + j * innerStride);
            }
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                off -= idx[d] * strides[d];
                idx[d] = 0;
            }
        }
    }

    private static long[] sizesOf(Object v) {
        return v instanceof CpuTensor t ? t.sizes() : new long[0];
    }

    private static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast at dimension " + i);
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    private static double[] operand(Object v, long[] shape) {
        if (v instanceof CpuTensor t) {
            return gather(t, shape);
        }
        double s = v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
        double[] out = new double[Math.toIntExact(CpuTensor.numel(shape))];
        Arrays.fill(out, s);
        return out;
    }

    // ---- elementwise --------------------------------------------------------------------------------------

    static Object binary(BinaryOp op, List<Object> a) {
        Object x = a.get(0);
        Object y = a.get(1);
        long[] shape = broadcastShape(sizesOf(x), sizesOf(y));
        DType result = Prims.binaryResultType(metaOrScalar(x), metaOrScalar(y), op.comparison);
        DType operands = op.comparison ? operandType(x, y) : result;
        if (!operands.isFloatingPoint() && isIntegral(x) && isIntegral(y)) {
            long[] xs = longOperand(x, shape);
            long[] ys = longOperand(y, shape);
            CpuTensor out = CpuTensor.empty(result, shape);
            for (int i = 0; i < xs.length; i++) {
                Storage.storeLong(out.segment(), result, i, op.applyLong(xs[i], ys[i]));
            }
            return out;
        }
        double[] xs = operand(x, shape);
        double[] ys = operand(y, shape);
        for (int i = 0; i < xs.length; i++) {
            xs[i] = op.apply(xs[i], ys[i]);
        }
        return fromDoubles(result, shape, xs);
    }

    private static Object metaOrScalar(Object v) {
        return v instanceof CpuTensor t ? t.meta() : v;
    }

    private static DType operandType(Object x, Object y) {
        if (x instanceof CpuTensor a && y instanceof CpuTensor b) {
            return DType.promote(a.dtype(), b.dtype());
        }
        return Prims.binaryResultType(metaOrScalar(x), metaOrScalar(y), false);
    }

    private static boolean isIntegral(Object v) {
        return v instanceof CpuTensor t ? !t.dtype().isFloatingPoint() : v instanceof Long || v instanceof Boolean;
    }

    private static long[] longOperand(Object v, long[] shape) {
        if (v instanceof CpuTensor t) {
            return gatherLong(t, shape);
        }
        long[] out = new long[Math.toIntExact(CpuTensor.numel(shape))];
        Arrays.fill(out, v instanceof Boolean b ? (b ? 1 : 0) : (Long) v);
        return out;
    }

    static Object unary(UnaryOp op, List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        DType result = x.dtype().isFloatingPoint() || op.keepsIntegers ? x.dtype() : DType.F32;
        if (!result.isFloatingPoint()) {
            long[] v = gatherLong(x);
            for (int i = 0; i < v.length; i++) {
                v[i] = op.applyLong(v[i]);
            }
            return fromLongs(result, x.sizes(), v);
        }
        double[] v = gather(x, x.sizes());
        for (int i = 0; i < v.length; i++) {
            v[i] = op.apply(v[i]);
        }
        return fromDoubles(result, x.sizes(), v);
    }

    static Object clamp(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        Double lo = a.get(1) == null ? null : ((Number) a.get(1)).doubleValue();
        Double hi = a.get(2) == null ? null : ((Number) a.get(2)).doubleValue();
        if (!x.dtype().isFloatingPoint()) {
            // Integers clamp exactly: to the integers inside [lo, hi].
            long[] v = gatherLong(x);
            for (int i = 0; i < v.length; i++) {
                if (lo != null) {
                    v[i] = Math.max(v[i], (long) Math.ceil(lo));
                }
                if (hi != null) {
                    v[i] = Math.min(v[i], (long) Math.floor(hi));
                }
            }
            return fromLongs(x.dtype(), x.sizes(), v);
        }
        double[] v = gather(x, x.sizes());
        for (int i = 0; i < v.length; i++) {
            if (lo != null && v[i] < lo) {
                v[i] = lo;
            }
            if (hi != null && v[i] > hi) {
                v[i] = hi;
            }
        }
        return fromDoubles(x.dtype(), x.sizes(), v);
    }

    static Object where(List<Object> a) {
        CpuTensor c = (CpuTensor) a.get(0);
        TensorMeta m = (TensorMeta) Prims.WHERE.meta().infer(List.of(c.meta(), metaOrScalar(a.get(1)),
                metaOrScalar(a.get(2))));
        long[] shape = constantSizes(m.shape());
        if (!m.dtype().isFloatingPoint()) {
            long[] cl = gatherLong(c, shape);
            long[] xl = longOperand(a.get(1), shape);
            long[] yl = longOperand(a.get(2), shape);
            for (int i = 0; i < cl.length; i++) {
                cl[i] = cl[i] != 0 ? xl[i] : yl[i];
            }
            return fromLongs(m.dtype(), shape, cl);
        }
        double[] cv = gather(c, shape);
        double[] xv = operand(a.get(1), shape);
        double[] yv = operand(a.get(2), shape);
        for (int i = 0; i < cv.length; i++) {
            cv[i] = cv[i] != 0 ? xv[i] : yv[i];
        }
        return fromDoubles(m.dtype(), shape, cv);
    }

    static Object cast(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        DType to = (DType) a.get(1);
        if (!x.dtype().isFloatingPoint()) {
            return fromLongs(to, x.sizes(), gatherLong(x));
        }
        return fromDoubles(to, x.sizes(), gather(x, x.sizes()));
    }

    // ---- reductions ---------------------------------------------------------------------------------------

    static Object reduce(Reduction r, List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        boolean integral = !x.dtype().isFloatingPoint();
        if (r == Reduction.MEAN && integral) {
            throw new IllegalArgumentException("mean of a " + x.dtype() + " tensor; cast it to a floating dtype first");
        }
        int[] dims = ShapeRules.reductionDims(x.sizes().length, (List<?>) a.get(1));
        boolean keepdim = (Boolean) a.get(2);
        long[] sizes = x.sizes();
        long[] strides = x.strides();
        int rank = sizes.length;
        // Move the reduced dimensions last, then reduce contiguous rows of the gathered values.
        long[] pShape = new long[rank];
        long[] pStrides = new long[rank];
        List<Long> outShape = new ArrayList<>();
        int k = 0;
        long inner = 1;
        for (int d = 0; d < rank; d++) {
            if (Arrays.binarySearch(dims, d) < 0) {
                pShape[k] = sizes[d];
                pStrides[k++] = strides[d];
                outShape.add(sizes[d]);
            } else if (keepdim) {
                outShape.add(1L);
            }
        }
        for (int d : dims) {
            pShape[k] = sizes[d];
            pStrides[k++] = strides[d];
            inner *= sizes[d];
        }
        long[] out = outShape.stream().mapToLong(Long::longValue).toArray();
        int rows = Math.toIntExact(CpuTensor.numel(out));
        CpuTensor permuted = x.view(pShape, pStrides, x.offset());
        if (integral) {
            // Exact: sums wrap like Java longs, and i64 values above 2^53 keep every bit.
            long[] v = gatherLong(permuted, pShape);
            long[] acc = new long[rows];
            for (int row = 0; row < rows; row++) {
                long m = Long.MIN_VALUE;
                long sum = 0;
                for (long j = 0; j < inner; j++) {
                    long e = v[(int) (row * inner + j)];
                    sum += e;
                    m = Math.max(m, e);
                }
                acc[row] = r == Reduction.SUM ? sum : m;
            }
            return fromLongs(r == Reduction.SUM ? DType.I64 : x.dtype(), out, acc);
        }
        double[] v = gather(permuted, pShape);
        double[] acc = new double[rows];
        for (int row = 0; row < rows; row++) {
            double value = r == Reduction.AMAX ? Double.NEGATIVE_INFINITY : 0.0;
            for (long j = 0; j < inner; j++) {
                double e = v[(int) (row * inner + j)];
                value = r == Reduction.AMAX ? (Double.isNaN(e) || Double.isNaN(value) ? Double.NaN : Math.max(value, e))
                        : value + e;
            }
            acc[row] = r == Reduction.MEAN ? value / inner : value;
        }
        return fromDoubles(x.dtype(), out, acc);
    }

    // ---- linear algebra -----------------------------------------------------------------------------------

    static Object matmul(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        CpuTensor y = (CpuTensor) a.get(1);
        TensorMeta m = (TensorMeta) Prims.MATMUL.meta().infer(List.of(x.meta(), y.meta()));
        long[] outShape = constantSizes(m.shape());
        int rank = outShape.length;
        long mm = outShape[rank - 2];
        long nn = outShape[rank - 1];
        long kk = x.sizeAt(-1);
        long[] xShape = outShape.clone();
        xShape[rank - 1] = kk;
        long[] yShape = outShape.clone();
        yShape[rank - 2] = kk;
        double[] xv = gather(x, xShape);
        double[] yv = gather(y, yShape);
        long batch = CpuTensor.numel(Arrays.copyOf(outShape, rank - 2));
        double[] out = new double[Math.toIntExact(batch * mm * nn)];
        for (long b = 0; b < batch; b++) {
            int xo = (int) (b * mm * kk);
            int yo = (int) (b * kk * nn);
            int oo = (int) (b * mm * nn);
            for (int i = 0; i < mm; i++) {
                for (int p = 0; p < kk; p++) {
                    // No shortcut for xip == 0: 0 * inf and 0 * NaN must give NaN.
                    double xip = xv[xo + (int) (i * kk) + p];
                    int yr = yo + (int) (p * nn);
                    int or = oo + (int) (i * nn);
                    for (int j = 0; j < nn; j++) {
                        out[or + j] += xip * yv[yr + j];
                    }
                }
            }
        }
        return fromDoubles(m.dtype(), outShape, out);
    }

    // ---- views and layout ---------------------------------------------------------------------------------

    static Object reshape(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        long[] target = constantSizes(ShapeRules.reshapeTarget(x.meta().shape(), (List<?>) a.get(1)));
        CpuTensor src = x.isContiguous() ? x : (CpuTensor) cloneKernel(List.of(x));
        return src.view(target, CpuTensor.contiguousStrides(target), src.offset());
    }

    static Object permute(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        TensorMeta m = (TensorMeta) Prims.PERMUTE.meta().infer(List.of(x.meta(), a.get(1)));
        return x.view(constantSizes(m.shape()), constantSizes(m.strides()), x.offset());
    }

    static Object narrow(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        int d = x.meta().normalizeDim((int) (long) (Long) a.get(1));
        long start = (Long) a.get(2);
        long length = (Long) a.get(3);
        if (start < 0 || length < 0 || start + length > x.sizeAt(d)) {
            throw new IndexOutOfBoundsException("narrow of " + x.meta() + " at dimension " + d + ": [" + start + ", "
                    + (start + length) + ") is outside [0, " + x.sizeAt(d) + ")");
        }
        long[] shape = x.sizes();
        shape[d] = length;
        return x.view(shape, x.strides(), x.offset() + start * x.strideAt(d));
    }

    static Object expand(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        TensorMeta m = (TensorMeta) Prims.EXPAND.meta().infer(List.of(x.meta(), a.get(1)));
        return x.view(constantSizes(m.shape()), constantSizes(m.strides()), x.offset());
    }

    static Object cat(List<Object> a) {
        List<?> ts = (List<?>) a.get(0);
        List<Object> metas = new ArrayList<>();
        for (Object o : ts) {
            metas.add(((CpuTensor) o).meta());
        }
        TensorMeta m = (TensorMeta) Prims.CAT.meta().infer(List.of(metas, a.get(1)));
        int d = m.normalizeDim((int) (long) (Long) a.get(1));
        CpuTensor out = CpuTensor.empty(m.dtype(), constantSizes(m.shape()));
        long start = 0;
        for (Object o : ts) {
            CpuTensor t = (CpuTensor) o;
            CpuTensor part = (CpuTensor) narrow(List.of(out, (long) d, start, t.sizeAt(d)));
            copyElements(part, t);
            start += t.sizeAt(d);
        }
        return out;
    }

    static Object indexSelect(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        Prims.INDEX_SELECT.meta().infer(List.of(x.meta(), a.get(1), ((CpuTensor) a.get(2)).meta())); // checks the index
        int d = x.meta().normalizeDim((int) (long) (Long) a.get(1));
        long[] idx = gatherLong((CpuTensor) a.get(2));
        long[] shape = x.sizes();
        shape[d] = idx.length;
        CpuTensor out = CpuTensor.empty(x.dtype(), shape);
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= x.sizeAt(d)) {
                throw new IndexOutOfBoundsException("index_select: index " + idx[i] + " at position " + i
                        + " is outside [0, " + x.sizeAt(d) + ") of dimension " + d + " of " + x.meta());
            }
            CpuTensor src = (CpuTensor) narrow(List.of(x, (long) d, idx[i], 1L));
            CpuTensor dst = (CpuTensor) narrow(List.of(out, (long) d, (long) i, 1L));
            copyElements(dst, src);
        }
        return out;
    }

    // ---- creation and copies ------------------------------------------------------------------------------

    static Object full(List<Object> a) {
        long[] shape = constantSizes(ShapeRules.toDims((List<?>) a.get(0)));
        DType dt = (DType) a.get(2);
        requireCpu((String) a.get(3));
        double value = ((Number) a.get(1)).doubleValue();
        CpuTensor out = CpuTensor.zeros(dt, shape);
        if (Double.doubleToRawLongBits(value) != 0) { // zeros are already there, but -0.0 is not
            long n = out.numel();
            for (long i = 0; i < n; i++) {
                Storage.store(out.segment(), dt, i, value);
            }
        }
        return out;
    }

    static Object arange(List<Object> a) {
        long end = ShapeRules.toDim(a.get(0)).constant();
        DType dt = (DType) a.get(1);
        requireCpu((String) a.get(2));
        CpuTensor out = CpuTensor.empty(dt, end);
        for (long i = 0; i < end; i++) {
            Storage.storeLong(out.segment(), dt, i, i);
        }
        return out;
    }

    static Object cloneKernel(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        CpuTensor out = CpuTensor.empty(x.dtype(), x.sizes());
        copyElements(out, x);
        return out;
    }

    /**
     * The {@code copy_} kernel: writes {@code src} (broadcast, converted) into {@code dst} and returns {@code dst}.
     * A source that shares memory with the destination is read completely before anything is written.
     */
    static Object copyInto(List<Object> a) {
        CpuTensor dst = (CpuTensor) a.get(0);
        CpuTensor src = (CpuTensor) a.get(1);
        Prims.COPY_.meta().infer(List.of(dst.meta(), src.meta())); // checks that src broadcasts to dst
        if (src.segment().asOverlappingSlice(dst.segment()).isPresent()) {
            src = (CpuTensor) cloneKernel(List.of(src));
        }
        return copyElements(dst, src);
    }

    /** Writes {@code src} (broadcast to {@code dst}'s shape, converted) into {@code dst}; exact for equal dtypes. */
    private static CpuTensor copyElements(CpuTensor dst, CpuTensor src) {
        long[] shape = dst.sizes();
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous()
                && Arrays.equals(src.sizes(), shape)) {
            // The common case (clone, cat of contiguous parts): one bulk copy.
            int es = src.dtype().byteSize();
            MemorySegment.copy(src.segment(), src.offset() * es, dst.segment(), dst.offset() * es, src.numel() * es);
            return dst;
        }
        if (src.dtype() == dst.dtype()) {
            int es = src.dtype().byteSize();
            long[] st = broadcastStrides(src, shape);
            long[] srcOffsets = new long[Math.toIntExact(CpuTensor.numel(shape))];
            forEachOffset(shape, st, src.offset(), (i, off) -> srcOffsets[(int) i] = off);
            MemorySegment s = src.segment();
            MemorySegment d = dst.segment();
            forEachOffset(shape, dst.strides(), dst.offset(),
                    (i, off) -> MemorySegment.copy(s, srcOffsets[(int) i] * es, d, off * es, es));
            return dst;
        }
        if (!src.dtype().isFloatingPoint()) {
            long[] vals = gatherLong(src, shape);
            forEachOffset(shape, dst.strides(), dst.offset(),
                    (i, off) -> Storage.storeLong(dst.segment(), dst.dtype(), off, vals[(int) i]));
            return dst;
        }
        scatter(dst, gather(src, shape));
        return dst;
    }

    private static void requireCpu(String device) {
        if (!Device.parse(device).equals(Device.CPU)) {
            throw new IllegalArgumentException("the CPU kernels cannot allocate on " + device);
        }
    }

    static long[] constantSizes(List<Dim> dims) {
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dims.get(i).constant();
        }
        return out;
    }
}
