package org.kernelir.core.op;

import java.util.List;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Node;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.tensor.TensorMeta;

/**
 * The arguments of one call of an IR op, as {@code supports(args)} checks and implementations read them:
 * positional, defaults filled in, tensors seen through their metadata.
 *
 * <p>The same view serves eager calls (tensor arguments are {@link Tensor}s), lowering (graph {@link Node}s) and
 * signature building ({@link TensorMeta}s), so a {@code supports} rule is written once.
 */
public final class CallArgs {

    private final List<Object> values;

    /** Wraps bound argument values (see {@link org.kernelir.core.kernel.Schema#bind}). */
    public CallArgs(List<Object> values) {
        this.values = values;
    }

    /** Number of arguments. */
    public int size() {
        return values.size();
    }

    /** The raw value at {@code i}: a tensor ({@code Tensor}, {@code Node} or {@code TensorMeta}), a literal or null. */
    public Object value(int i) {
        return values.get(i);
    }

    /** All raw values. */
    public List<Object> values() {
        return values;
    }

    /** The metadata of the tensor argument at {@code i}, or {@code null} when the argument is None. */
    public TensorMeta meta(int i) {
        return switch (values.get(i)) {
            case null -> null;
            case Tensor t -> t.meta();
            case Node n -> (TensorMeta) n.meta();
            case TensorMeta m -> m;
            default -> throw new IllegalArgumentException("argument " + i + " is not a tensor: " + values.get(i));
        };
    }

    /** The tensor at {@code i} (eager calls and traces only). */
    public Tensor tensor(int i) {
        return (Tensor) values.get(i);
    }

    /** Whether argument {@code i} is None. */
    public boolean isNull(int i) {
        return values.get(i) == null;
    }

    public double f64(int i) {
        return ((Number) values.get(i)).doubleValue();
    }

    /** A nullable float argument. */
    public Double optF64(int i) {
        Object v = values.get(i);
        return v == null ? null : ((Number) v).doubleValue();
    }

    public long i64(int i) {
        return (Long) values.get(i);
    }

    /** A nullable int argument. */
    public Long optI64(int i) {
        return (Long) values.get(i);
    }

    public boolean bool(int i) {
        return (Boolean) values.get(i);
    }

    public String str(int i) {
        return (String) values.get(i);
    }

    public DType dtype(int i) {
        return (DType) values.get(i);
    }

    /** An int-list argument. */
    @SuppressWarnings("unchecked")
    public List<Long> longs(int i) {
        return (List<Long>) values.get(i);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            sb.append(i == 0 ? "" : ", ");
            sb.append(v instanceof Tensor || v instanceof Node || v instanceof TensorMeta ? meta(i) : v);
        }
        return sb.append(')').toString();
    }
}
