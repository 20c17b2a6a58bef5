package org.kernelir.passes.examples;

import java.util.List;
import java.util.Map;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;

/**
 * Causal grouped-query self-attention over one sequence, written with Tensor API primitives, and the same
 * computation as one opaque graph node, {@code model::attention}, where a piecewise model is cut.
 */
public final class Attention {

    private Attention() {
    }

    /**
     * {@code model::attention(q, k, v, num_heads, num_kv_heads, head_size, scale)}: q is
     * {@code [n, num_heads*head_size]}, k and v are {@code [n, num_kv_heads*head_size]}; the result has q's
     * shape and dtype. Its CPU kernel runs {@link #causal} eagerly.
     */
    public static final KernelDef KERNEL = KernelDef.pure(Target.of("model", "attention"),
            new Schema(List.of(Param.of("q", ParamType.TENSOR), Param.of("k", ParamType.TENSOR),
                    Param.of("v", ParamType.TENSOR), Param.of("num_heads", ParamType.INT),
                    Param.of("num_kv_heads", ParamType.INT), Param.of("head_size", ParamType.INT),
                    Param.of("scale", ParamType.FLOAT)), 1),
            Attention::meta,
            a -> causal((CpuTensor) a.get(0), (CpuTensor) a.get(1), (CpuTensor) a.get(2), (Long) a.get(3),
                    (Long) a.get(4), (Long) a.get(5), ((Number) a.get(6)).doubleValue()));

    /** The catalog that knows {@link #KERNEL}, for interpreters and passes. */
    public static KernelCatalog catalog() {
        return KernelCatalog.of(Map.of(KERNEL.target(), KERNEL));
    }

    /** Calls {@link #KERNEL}: one node when traced, {@link #causal} on CPU tensors. */
    public static Tensor opaque(Tensor q, Tensor k, Tensor v, long heads, long kvHeads, long headSize, double scale) {
        return q.call(KERNEL, q, k, v, heads, kvHeads, headSize, scale);
    }

    /**
     * Softmax attention of every token to itself and the tokens before it, in f32, cast back to q's dtype. Key and
     * value heads are shared by groups of {@code heads / kvHeads} query heads.
     */
    public static Tensor causal(Tensor q, Tensor k, Tensor v, long heads, long kvHeads, long headSize,
            double scale) {
        Dim n = q.size(0);
        Tensor qh = q.to(DType.F32).reshape(n, heads, headSize).permute(1, 0, 2);   // [heads, n, head_size]
        Tensor kh = repeatKv(k.to(DType.F32), n, kvHeads, heads / kvHeads, headSize);
        Tensor vh = repeatKv(v.to(DType.F32), n, kvHeads, heads / kvHeads, headSize);
        Tensor scores = qh.matmul(kh.transpose(1, 2)).mul(scale);                  // [heads, n, n]
        Tensor position = q.newArange(n);
        Tensor visible = position.reshape(1L, n).le(position.reshape(n, 1L));      // key <= query
        scores = visible.where(scores, Double.NEGATIVE_INFINITY);
        Tensor e = scores.sub(scores.amax(-1, true)).exp();
        Tensor probabilities = e.div(e.sum(-1, true));
        return probabilities.matmul(vh).permute(1, 0, 2).reshape(n, heads * headSize).to(q.dtype());
    }

    /** {@code [n, kv*hs]} to {@code [kv*group, n, hs]}: each key/value head repeated for its query heads. */
    private static Tensor repeatKv(Tensor x, Dim n, long kvHeads, long group, long headSize) {
        return x.reshape(n, kvHeads, 1L, headSize).expand(n, kvHeads, group, headSize)
                .reshape(n, kvHeads * group, headSize).permute(1, 0, 2);
    }

    private static TensorMeta meta(List<Object> a) {
        TensorMeta q = (TensorMeta) a.get(0);
        TensorMeta k = (TensorMeta) a.get(1);
        TensorMeta v = (TensorMeta) a.get(2);
        long heads = (Long) a.get(3);
        long kvHeads = (Long) a.get(4);
        long headSize = (Long) a.get(5);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: num_heads " + heads + " must be a positive multiple of "
                    + "num_kv_heads " + kvHeads);
        }
        if (q.rank() != 2 || !q.size(1).equals(Dim.of(heads * headSize))) {
            throw new IllegalArgumentException("attention: q must be [n, " + heads * headSize + "], got " + q);
        }
        for (TensorMeta kv : List.of(k, v)) {
            if (kv.rank() != 2 || !kv.size(0).equals(q.size(0)) || !kv.size(1).equals(Dim.of(kvHeads * headSize))) {
                throw new IllegalArgumentException("attention: k and v must be [" + q.size(0) + ", "
                        + kvHeads * headSize + "], got " + kv);
            }
        }
        return new TensorMeta(q.dtype(), q.shape(), TensorMeta.contiguousStrides(q.shape()), q.device());
    }
}
