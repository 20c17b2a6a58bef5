package org.kernelir.core.tensor;

import static org.kernelir.core.tensor.ParamType.BOOL;
import static org.kernelir.core.tensor.ParamType.DTYPE;
import static org.kernelir.core.tensor.ParamType.INT;
import static org.kernelir.core.tensor.ParamType.INT_LIST;
import static org.kernelir.core.tensor.ParamType.OPTIONAL_FLOAT;
import static org.kernelir.core.tensor.ParamType.SHAPE;
import static org.kernelir.core.tensor.ParamType.SIZE;
import static org.kernelir.core.tensor.ParamType.STRING;
import static org.kernelir.core.tensor.ParamType.TENSOR;
import static org.kernelir.core.tensor.ParamType.TENSOR_LIST;
import static org.kernelir.core.tensor.ParamType.TENSOR_OR_SCALAR;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;

/**
 * The primitives of the {@link Tensor} API, namespace {@code prim}: each one's schema and meta function. They run
 * on any device: each device runtime brings its own body for every primitive (the CPU's are in
 * {@code org.kernelir.core.cpu.CpuPrims}). Every {@code Tensor} method is one of these calls (or a composition of them), so a traced graph
 * contains only {@code prim::} nodes, IR op nodes and provider kernel ops.
 */
public final class Prims {

    private Prims() {
    }

    /** The namespace of the primitives. */
    public static final String NAMESPACE = "prim";

    public static final KernelDef ADD = binary("add");
    public static final KernelDef SUB = binary("sub");
    public static final KernelDef MUL = binary("mul");
    public static final KernelDef DIV = binary("div");
    public static final KernelDef POW = binary("pow");
    public static final KernelDef MAXIMUM = binary("maximum");
    public static final KernelDef MINIMUM = binary("minimum");
    public static final KernelDef EQ = comparison("eq");
    public static final KernelDef NE = comparison("ne");
    public static final KernelDef LT = comparison("lt");
    public static final KernelDef LE = comparison("le");
    public static final KernelDef GT = comparison("gt");
    public static final KernelDef GE = comparison("ge");

    public static final KernelDef EXP = unary("exp");
    public static final KernelDef LOG = unary("log");
    public static final KernelDef LOG2 = unary("log2");
    public static final KernelDef SQRT = unary("sqrt");
    public static final KernelDef RSQRT = unary("rsqrt");
    public static final KernelDef SIGMOID = unary("sigmoid");
    public static final KernelDef TANH = unary("tanh");
    public static final KernelDef ERF = unary("erf");
    /** {@code erfc(x) = 1 - erf(x)}, accurate in its tail (where {@code 1 - erf} in f32 is 0). */
    public static final KernelDef ERFC = unary("erfc");
    public static final KernelDef ABS = unaryKeepingIntegers("abs");
    public static final KernelDef NEG = unaryKeepingIntegers("neg");
    public static final KernelDef CEIL = unaryKeepingIntegers("ceil");
    public static final KernelDef FLOOR = unaryKeepingIntegers("floor");

    /** {@code clamp(x, min?, max?)}. */
    public static final KernelDef CLAMP = def("clamp",
            schema(1, p("x", TENSOR), p("min", OPTIONAL_FLOAT), p("max", OPTIONAL_FLOAT)),
            a -> contiguousLike(t(a, 0)));

    /** {@code where(cond, a, b)}: {@code cond} is bool. */
    public static final KernelDef WHERE = def("where",
            schema(1, p("cond", TENSOR), p("a", TENSOR_OR_SCALAR), p("b", TENSOR_OR_SCALAR)),
            Prims::whereMeta);

    /** {@code cast(x, dtype)}. */
    public static final KernelDef CAST = def("cast", schema(1, p("x", TENSOR), p("dtype", DTYPE)),
            a -> t(a, 0).withDtype((DType) a.get(1)));

    public static final KernelDef SUM = reduction("sum");
    public static final KernelDef MEAN = reduction("mean");
    public static final KernelDef AMAX = reduction("amax");

    /** Batched matrix product over the last two dimensions. */
    public static final KernelDef MATMUL = def("matmul", schema(1, p("a", TENSOR), p("b", TENSOR)),
            Prims::matmulMeta);

    /** {@code reshape(x, shape)}, one size may be -1. */
    public static final KernelDef RESHAPE = def("reshape", schema(1, p("x", TENSOR), p("shape", SHAPE)),
            a -> t(a, 0).withShape(ShapeRules.reshapeTarget(t(a, 0).shape(), (List<?>) a.get(1))));

    /** {@code permute(x, dims)}: a view. */
    public static final KernelDef PERMUTE = def("permute", schema(1, p("x", TENSOR), p("dims", INT_LIST)),
            Prims::permuteMeta);

    /** {@code narrow(x, dim, start, length)}: a view. */
    public static final KernelDef NARROW = def("narrow",
            schema(1, p("x", TENSOR), p("dim", INT), p("start", SIZE), p("length", SIZE)),
            Prims::narrowMeta);

    /** {@code expand(x, shape)}: a broadcast view. */
    public static final KernelDef EXPAND = def("expand", schema(1, p("x", TENSOR), p("shape", SHAPE)),
            Prims::expandMeta);

    /** {@code cat(tensors, dim)}. */
    public static final KernelDef CAT = def("cat", schema(1, p("tensors", TENSOR_LIST), p("dim", INT)),
            Prims::catMeta);

    /** {@code index_select(x, dim, index)}: index is i64 or i32, rank 1. */
    public static final KernelDef INDEX_SELECT = def("index_select",
            schema(1, p("x", TENSOR), p("dim", INT), p("index", TENSOR)), Prims::indexSelectMeta);

    /** {@code full(shape, value, dtype, device)}. */
    public static final KernelDef FULL = def("full",
            new Schema(List.of(p("shape", SHAPE), p("value", ParamType.FLOAT), p("dtype", DTYPE),
                    Param.withDefault("device", STRING, "cpu")), 1),
            a -> new TensorMeta((DType) a.get(2), ShapeRules.toDims((List<?>) a.get(0)),
                    TensorMeta.contiguousStrides(ShapeRules.toDims((List<?>) a.get(0))),
                    Device.parse((String) a.get(3))));

    /** {@code arange(end, dtype, device)}: {@code [0, end)}. */
    public static final KernelDef ARANGE = def("arange",
            new Schema(List.of(p("end", SIZE), p("dtype", DTYPE), Param.withDefault("device", STRING, "cpu")), 1),
            a -> new TensorMeta((DType) a.get(1), List.of(ShapeRules.toDim(a.get(0))),
                    List.of(Dim.ONE), Device.parse((String) a.get(2))));

    /** {@code clone(x)}: a contiguous copy. */
    public static final KernelDef CLONE = def("clone", schema(1, p("x", TENSOR)),
            a -> contiguousLike(t(a, 0)));

    /** {@code copy_(dst, src)}: writes {@code src} into {@code dst} in place and returns {@code dst}. */
    public static final KernelDef COPY_ = KernelDef.signature(Target.of(NAMESPACE, "copy_"),
            schema(1, p("dst", TENSOR), p("src", TENSOR)), Prims::copyMeta, Set.of(0));

    /** {@code getitem(tuple, index)}: picks one result of a node that returns several. */
    public static final KernelDef GETITEM = def("getitem", schema(1, p("tuple", TENSOR), p("index", INT)),
            a -> {
                throw new IllegalStateException("getitem metadata comes from the tuple node");
            });

    private static final Map<Target, KernelDef> ALL = Stream.of(ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE,
                    LT, LE, GT, GE, EXP, LOG, LOG2, SQRT, RSQRT, SIGMOID, TANH, ERF, ERFC, ABS, NEG, CEIL, FLOOR, CLAMP,
                    WHERE, CAST, SUM, MEAN, AMAX, MATMUL, RESHAPE, PERMUTE, NARROW, EXPAND, CAT, INDEX_SELECT, FULL,
                    ARANGE, CLONE, COPY_, GETITEM)
            .collect(Collectors.toUnmodifiableMap(KernelDef::target, Function.identity()));

    /** Every primitive by target. */
    public static Map<Target, KernelDef> all() {
        return ALL;
    }

    /** Whether {@code k} is one of the view primitives whose result shares storage with its input. */
    public static boolean isView(KernelDef k) {
        return k == RESHAPE || k == PERMUTE || k == NARROW || k == EXPAND;
    }

    // ---- meta functions -----------------------------------------------------------------------------------

    private static TensorMeta t(List<Object> a, int i) {
        return (TensorMeta) a.get(i);
    }

    /** Packed row-major strides, as the CPU kernels allocate (even for size-1 dimensions, which any stride fits). */
    private static TensorMeta contiguousLike(TensorMeta m) {
        return m.withShape(m.shape());
    }

    /**
     * The dtype of an elementwise binary primitive's result: bool for comparisons; otherwise the promoted dtype of
     * the operands, where a number never changes a floating tensor's dtype.
     */
    public static DType binaryResultType(Object x, Object y, boolean comparison) {
        if (comparison) {
            return DType.BOOL;
        }
        if (x instanceof TensorMeta a && y instanceof TensorMeta b) {
            return DType.promote(a.dtype(), b.dtype());
        }
        TensorMeta tm = x instanceof TensorMeta a ? a : (TensorMeta) y;
        Object scalar = x instanceof TensorMeta ? y : x;
        if (!tm.dtype().isFloatingPoint() && scalar instanceof Double) {
            return DType.F32;
        }
        return tm.dtype();
    }

    private static List<Dim> shapeOf(Object v) {
        return v instanceof TensorMeta m ? m.shape() : List.of();
    }

    private static Device deviceOf(Object x, Object y) {
        Device dx = x instanceof TensorMeta m ? m.device() : null;
        Device dy = y instanceof TensorMeta m ? m.device() : null;
        if (dx != null && dy != null && !dx.equals(dy)) {
            throw new IllegalArgumentException("operands on different devices: " + dx + " and " + dy);
        }
        return dx != null ? dx : dy;
    }

    private static KernelDef binary(String name) {
        return elementwise(name, false);
    }

    private static KernelDef comparison(String name) {
        return elementwise(name, true);
    }

    private static KernelDef elementwise(String name, boolean comparison) {
        MetaFunction meta = a -> {
            Object x = a.get(0);
            Object y = a.get(1);
            if (!(x instanceof TensorMeta) && !(y instanceof TensorMeta)) {
                throw new IllegalArgumentException(name + " needs at least one tensor operand");
            }
            List<Dim> shape = ShapeRules.broadcast(shapeOf(x), shapeOf(y));
            return new TensorMeta(binaryResultType(x, y, comparison), shape, TensorMeta.contiguousStrides(shape),
                    deviceOf(x, y));
        };
        return def(name, schema(1, p("x", TENSOR_OR_SCALAR), p("y", TENSOR_OR_SCALAR)), meta);
    }

    /** A unary function whose integer inputs give f32 results. */
    private static KernelDef unary(String name) {
        return unary(name, false);
    }

    /** A unary function whose integer inputs keep their dtype. */
    private static KernelDef unaryKeepingIntegers(String name) {
        return unary(name, true);
    }

    private static KernelDef unary(String name, boolean keepsIntegers) {
        MetaFunction meta = a -> {
            TensorMeta x = t(a, 0);
            DType d = x.dtype().isFloatingPoint() || keepsIntegers ? x.dtype() : DType.F32;
            return x.withDtype(d);
        };
        return def(name, schema(1, p("x", TENSOR)), meta);
    }

    private static KernelDef reduction(String name) {
        MetaFunction meta = a -> {
            TensorMeta x = t(a, 0);
            int[] dims = ShapeRules.reductionDims(x.rank(), (List<?>) a.get(1));
            DType d = x.dtype();
            if (name.equals("sum") && !d.isFloatingPoint()) {
                d = DType.I64;
            }
            if (name.equals("mean") && !d.isFloatingPoint()) {
                throw new IllegalArgumentException("mean of a " + d + " tensor; cast it to a floating dtype first");
            }
            return x.withShape(ShapeRules.reduced(x.shape(), dims, (Boolean) a.get(2))).withDtype(d);
        };
        return def(name, schema(1, p("x", TENSOR), p("dims", INT_LIST), p("keepdim", BOOL)), meta);
    }

    private static TensorMeta whereMeta(List<Object> a) {
        TensorMeta c = t(a, 0);
        if (c.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: the condition must be bool, got " + c);
        }
        List<Dim> shape = ShapeRules.broadcast(c.shape(), ShapeRules.broadcast(shapeOf(a.get(1)), shapeOf(a.get(2))));
        DType d;
        if (a.get(1) instanceof TensorMeta x && a.get(2) instanceof TensorMeta y) {
            d = DType.promote(x.dtype(), y.dtype());
        } else if (a.get(1) instanceof TensorMeta || a.get(2) instanceof TensorMeta) {
            d = binaryResultType(a.get(1), a.get(2), false);
        } else {
            d = DType.F32;
        }
        return new TensorMeta(d, shape, TensorMeta.contiguousStrides(shape), c.device());
    }

    private static TensorMeta matmulMeta(List<Object> a) {
        TensorMeta x = t(a, 0);
        TensorMeta y = t(a, 1);
        if (x.rank() < 2 || y.rank() < 2) {
            throw new IllegalArgumentException("matmul needs rank >= 2 operands, got " + x + " and " + y);
        }
        if (!x.size(-1).equals(y.size(-2))) {
            throw new IllegalArgumentException("matmul of " + x + " and " + y + ": inner sizes " + x.size(-1) + " and "
                    + y.size(-2) + " differ");
        }
        List<Dim> batch = ShapeRules.broadcast(x.shape().subList(0, x.rank() - 2), y.shape().subList(0, y.rank() - 2));
        List<Dim> shape = new ArrayList<>(batch);
        shape.add(x.size(-2));
        shape.add(y.size(-1));
        return new TensorMeta(DType.promote(x.dtype(), y.dtype()), shape, TensorMeta.contiguousStrides(shape),
                deviceOf(x, y));
    }

    private static TensorMeta permuteMeta(List<Object> a) {
        TensorMeta x = t(a, 0);
        List<?> dims = (List<?>) a.get(1);
        if (dims.size() != x.rank()) {
            throw new IllegalArgumentException("permute of " + x + " needs " + x.rank() + " dims, got " + dims);
        }
        List<Dim> shape = new ArrayList<>();
        List<Dim> strides = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (Object o : dims) {
            int d = x.normalizeDim((int) (long) (Long) o);
            if (!seen.add(d)) {
                throw new IllegalArgumentException("permute of " + x + ": dimension " + d + " repeated in " + dims);
            }
            shape.add(x.shape().get(d));
            strides.add(x.strides().get(d));
        }
        return new TensorMeta(x.dtype(), shape, strides, x.device());
    }

    private static TensorMeta narrowMeta(List<Object> a) {
        TensorMeta x = t(a, 0);
        int d = x.normalizeDim((int) (long) (Long) a.get(1));
        Dim start = ShapeRules.toDim(a.get(2));
        Dim length = ShapeRules.toDim(a.get(3));
        Dim size = x.shape().get(d);
        if (start.isConstant() && length.isConstant() && size.isConstant()
                && (start.constant() < 0 || length.constant() < 0 || start.constant() + length.constant() > size.constant())) {
            throw new IndexOutOfBoundsException("narrow of " + x + " at dimension " + d + ": [" + start + ", " + start
                    + "+" + length + ") is outside [0, " + size + ")");
        }
        List<Dim> shape = new ArrayList<>(x.shape());
        shape.set(d, length);
        return new TensorMeta(x.dtype(), shape, x.strides(), x.device());
    }

    private static TensorMeta expandMeta(List<Object> a) {
        TensorMeta x = t(a, 0);
        List<Dim> target = ShapeRules.expandTarget(x.shape(), (List<?>) a.get(1));
        List<Dim> strides = new ArrayList<>();
        int lead = target.size() - x.rank();
        for (int i = 0; i < target.size(); i++) {
            if (i < lead || (x.shape().get(i - lead).equals(Dim.ONE) && !target.get(i).equals(Dim.ONE))) {
                strides.add(Dim.ZERO);
            } else {
                strides.add(x.strides().get(i - lead));
            }
        }
        return new TensorMeta(x.dtype(), target, strides, x.device());
    }

    private static TensorMeta catMeta(List<Object> a) {
        List<?> ts = (List<?>) a.get(0);
        if (ts.isEmpty()) {
            throw new IllegalArgumentException("cat of no tensors");
        }
        TensorMeta first = (TensorMeta) ts.getFirst();
        int d = first.normalizeDim((int) (long) (Long) a.get(1));
        Dim total = Dim.ZERO;
        DType dtype = first.dtype();
        for (Object o : ts) {
            TensorMeta m = (TensorMeta) o;
            if (m.rank() != first.rank()) {
                throw new IllegalArgumentException("cat of tensors of different ranks: " + first + " and " + m);
            }
            for (int i = 0; i < m.rank(); i++) {
                if (i != d && !m.shape().get(i).equals(first.shape().get(i))) {
                    throw new IllegalArgumentException("cat along " + d + " of " + first + " and " + m
                            + ": dimension " + i + " differs");
                }
            }
            total = total.plus(m.shape().get(d));
            dtype = DType.promote(dtype, m.dtype());
        }
        List<Dim> shape = new ArrayList<>(first.shape());
        shape.set(d, total);
        return new TensorMeta(dtype, shape, TensorMeta.contiguousStrides(shape), first.device());
    }

    private static TensorMeta indexSelectMeta(List<Object> a) {
        TensorMeta x = t(a, 0);
        TensorMeta idx = t(a, 2);
        if (idx.rank() != 1 || (idx.dtype() != DType.I64 && idx.dtype() != DType.I32)) {
            throw new IllegalArgumentException("index_select needs a rank-1 i64 or i32 index, got " + idx);
        }
        int d = x.normalizeDim((int) (long) (Long) a.get(1));
        List<Dim> shape = new ArrayList<>(x.shape());
        shape.set(d, idx.size(0));
        return x.withShape(shape);
    }

    private static TensorMeta copyMeta(List<Object> a) {
        TensorMeta dst = t(a, 0);
        TensorMeta src = t(a, 1);
        List<Dim> b = ShapeRules.broadcast(dst.shape(), src.shape());
        if (!b.equals(dst.shape())) {
            throw new IllegalArgumentException("copy_ of " + src + " into " + dst + ": source does not broadcast to the "
                    + "destination's shape");
        }
        return dst;
    }

    // ---- definition helpers -------------------------------------------------------------------------------

    private static Param p(String name, ParamType type) {
        return Param.of(name, type);
    }

    private static Schema schema(int returns, Param... params) {
        return new Schema(List.of(params), returns);
    }

    private static KernelDef def(String name, Schema schema, MetaFunction meta) {
        return KernelDef.signature(Target.of(NAMESPACE, name), schema, meta);
    }

    /** Metadata of a tuple result, for kernels that return several tensors. */
    static TupleMeta tuple(List<TensorMeta> elements) {
        return new TupleMeta(elements);
    }
}
