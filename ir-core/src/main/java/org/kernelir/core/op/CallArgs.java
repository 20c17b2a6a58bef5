package org.kernelir.core.op;

import java.util.List;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.Tensor;

/**
 * The arguments of one call of an IR op, as {@code supports(args)} checks and implementations read them:
 * positional, defaults filled in, tensors seen through their metadata.
 *
 * <p>The same view serves eager calls (tensor arguments are {@link Tensor}s), lowering (graph {@link Node}s) and
 * signature building ({@link TensorMeta}s), so a {@code supports} rule is written once.
 */
public final class CallArgs {

    /** The most arguments held in fields; longer argument lists use an array. */
    private static final int FIELDS = 8;

    // Up to eight arguments live in fields rather than an array, so that a CallArgs made on the eager dispatch
    // path is a single object the JIT can keep in registers (no allocation at all once inlined).
    private final int size;
    private final Object v0, v1, v2, v3, v4, v5, v6, v7;
    private final Object[] rest;

    /** Wraps bound argument values (see {@link org.kernelir.core.tensor.Schema#bind}). */
    public CallArgs(List<Object> values) {
        this(values.toArray());
    }

    private CallArgs(Object[] a) {
        this(a.length, at(a, 0), at(a, 1), at(a, 2), at(a, 3), at(a, 4), at(a, 5), at(a, 6), at(a, 7),
                a.length > FIELDS ? a.clone() : null);
    }

    private CallArgs(int size, Object v0, Object v1, Object v2, Object v3, Object v4, Object v5, Object v6,
            Object v7, Object[] rest) {
        this.size = size;
        this.v0 = v0;
        this.v1 = v1;
        this.v2 = v2;
        this.v3 = v3;
        this.v4 = v4;
        this.v5 = v5;
        this.v6 = v6;
        this.v7 = v7;
        this.rest = rest;
    }

    private static Object at(Object[] a, int i) {
        return i < a.length ? a[i] : null;
    }

    /** Bound argument values, copied from {@code values}. */
    public static CallArgs wrap(Object[] values) {
        return new CallArgs(values);
    }

    /** One argument. */
    public static CallArgs of(Object a0) {
        return new CallArgs(1, a0, null, null, null, null, null, null, null, null);
    }

    /** Two arguments. */
    public static CallArgs of(Object a0, Object a1) {
        return new CallArgs(2, a0, a1, null, null, null, null, null, null, null);
    }

    /** Three arguments. */
    public static CallArgs of(Object a0, Object a1, Object a2) {
        return new CallArgs(3, a0, a1, a2, null, null, null, null, null, null);
    }

    /** Four arguments. */
    public static CallArgs of(Object a0, Object a1, Object a2, Object a3) {
        return new CallArgs(4, a0, a1, a2, a3, null, null, null, null, null);
    }

    /** Five arguments. */
    public static CallArgs of(Object a0, Object a1, Object a2, Object a3, Object a4) {
        return new CallArgs(5, a0, a1, a2, a3, a4, null, null, null, null);
    }

    /** Number of arguments. */
    public int size() {
        return size;
    }

    /** The raw value at {@code i}: a tensor ({@code Tensor}, {@code Node} or {@code TensorMeta}), a literal or null. */
    public Object value(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("argument " + i + " of " + size);
        }
        return switch (i) {
            case 0 -> v0;
            case 1 -> v1;
            case 2 -> v2;
            case 3 -> v3;
            case 4 -> v4;
            case 5 -> v5;
            case 6 -> v6;
            case 7 -> v7;
            default -> rest[i];
        };
    }

    /** All raw values, in order. */
    public List<Object> values() {
        Object[] out = new Object[size];
        for (int i = 0; i < size; i++) {
            out[i] = value(i);
        }
        return java.util.Collections.unmodifiableList(java.util.Arrays.asList(out));
    }

    /** The metadata of the tensor argument at {@code i}, or {@code null} when the argument is None. */
    public TensorMeta meta(int i) {
        // instanceof chains rather than a pattern switch: this runs inside supports() on the dispatch hot path.
        Object v = value(i);
        if (v instanceof Tensor t) {
            return t.meta();
        }
        if (v == null) {
            return null;
        }
        if (v instanceof TensorMeta m) {
            return m;
        }
        if (v instanceof Node n) {
            return (TensorMeta) n.meta();
        }
        throw new IllegalArgumentException("argument " + i + " is not a tensor: " + v);
    }

    /** The tensor at {@code i} (eager calls and traces only). */
    public Tensor tensor(int i) {
        return (Tensor) value(i);
    }

    /** Whether argument {@code i} is None. */
    public boolean isNull(int i) {
        return value(i) == null;
    }

    public double f64(int i) {
        return ((Number) value(i)).doubleValue();
    }

    /** A nullable float argument. */
    public Double optF64(int i) {
        Object v = value(i);
        return v == null ? null : ((Number) v).doubleValue();
    }

    public long i64(int i) {
        return (Long) value(i);
    }

    /** A nullable int argument. */
    public Long optI64(int i) {
        return (Long) value(i);
    }

    public boolean bool(int i) {
        return (Boolean) value(i);
    }

    public String str(int i) {
        return (String) value(i);
    }

    public DType dtype(int i) {
        return (DType) value(i);
    }

    /** An int-list argument. */
    @SuppressWarnings("unchecked")
    public List<Long> longs(int i) {
        return (List<Long>) value(i);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < size; i++) {
            Object v = value(i);
            sb.append(i == 0 ? "" : ", ");
            sb.append(v == null ? "None" : v instanceof Tensor || v instanceof Node || v instanceof TensorMeta ? meta(i) : v);
        }
        return sb.append(')').toString();
    }
}
