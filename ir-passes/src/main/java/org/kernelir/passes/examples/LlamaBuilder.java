package org.kernelir.passes.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

/**
 * Builds the graph of a Llama-style decoder (as vLLM runs it: one flat sequence of {@code n} tokens) by
 * tracing its forward function. IR ops appear as {@code ir::} nodes, everything else as primitives.
 *
 * <p>Inputs, in order: {@code input_ids} and {@code positions} ({@code i64[n]}, where {@code n} is the symbolic
 * token count, {@code s0} unless set), {@code embed_tokens [vocab, hidden]}, {@code cos_sin_cache
 * [max_positions, head_size]} (cosines then sines), then for each layer {@code i}:
 * {@code layers_i_input_norm [hidden]}, {@code layers_i_wq [hidden, heads*head_size]}, {@code layers_i_wk} and
 * {@code layers_i_wv [hidden, kv_heads*head_size]}, {@code layers_i_wo [heads*head_size, hidden]},
 * {@code layers_i_post_attention_norm [hidden]}, {@code layers_i_w_gate} and {@code layers_i_w_up
 * [hidden, intermediate]}, {@code layers_i_w_down [intermediate, hidden]}; last {@code final_norm [hidden]}.
 * Weights are graph inputs, so a graph of any size needs no weight data to be lowered. Projection weights are
 * laid out {@code [in, out]}.
 *
 * <p>Per layer: the input norm ({@code ir::rms_norm} in the first layer, {@code ir::fused_add_rms_norm} with the
 * residual after), q/k/v projections, {@code ir::rotary_embedding} (neox style, rotary dim = head size), causal
 * grouped-query attention, the output projection, the post-attention {@code ir::fused_add_rms_norm}, gate and up
 * projections, {@code ir::silu_and_mul} of the concatenated gate|up, the down projection. A final
 * {@code ir::fused_add_rms_norm} gives the result, the normalized hidden states {@code [n, hidden]}. The fused
 * norms and the rotary embedding are called through their {@code maybe_inplace} overloads, as a model does when
 * it no longer needs the inputs.
 *
 * <p>The setters name the model's sizes and return this builder; each rejects a size that is not positive at once.
 * {@link #build()} may be called any number of times.
 */
public final class LlamaBuilder {

    /** How attention appears in the graph. */
    public enum AttentionStyle {
        /** Written with primitives: the graph is self-contained. */
        PRIMITIVES,
        /** One {@code model::attention} node ({@link Attention#KERNEL}): where a piecewise model is cut. */
        OPAQUE
    }

    private String name = "llama";
    private int layers = 2;
    private long hidden = 64;
    private long heads = 4;
    private long kvHeads = 2;
    private long headSize = 16;
    private long intermediate = 128;
    private long vocab = 128;
    private long maxPositions = 128;
    private double rmsEpsilon = 1e-5;
    private DType dtype = DType.F32;
    private String tokenSymbol = "s0";
    private AttentionStyle attention = AttentionStyle.PRIMITIVES;
    private IrOpCalls ir = IrOpCalls.standard();

    /** A builder with the {@link #tiny()} sizes. */
    public LlamaBuilder() {
    }

    /** 2 layers, hidden 64, 4 heads, 2 kv heads, head size 16, intermediate 128, vocab 128, f32. */
    public static LlamaBuilder tiny() {
        return new LlamaBuilder().name("tiny");
    }

    /**
     * The shapes of Llama 3 70B: 80 layers, hidden 8192, 64 heads, 8 kv heads, head size 128, intermediate 28672,
     * vocab 128256, 8192 positions, bf16.
     */
    public static LlamaBuilder llama70bShaped() {
        return new LlamaBuilder().name("llama-70b-shaped").layers(80).hidden(8192).heads(64).kvHeads(8)
                .headSize(128).intermediate(28672).vocab(128256).maxPositions(8192).dtype(DType.BF16);
    }

    /** The graph's name (default {@code llama}). */
    public LlamaBuilder name(String graphName) {
        this.name = Objects.requireNonNull(graphName, "name");
        return this;
    }

    public LlamaBuilder layers(int count) {
        this.layers = positive("layers", count);
        return this;
    }

    public LlamaBuilder hidden(long size) {
        this.hidden = positive("hidden", size);
        return this;
    }

    public LlamaBuilder heads(long count) {
        this.heads = positive("heads", count);
        return this;
    }

    public LlamaBuilder kvHeads(long count) {
        this.kvHeads = positive("kv heads", count);
        return this;
    }

    public LlamaBuilder headSize(long size) {
        this.headSize = positive("head size", size);
        return this;
    }

    public LlamaBuilder intermediate(long size) {
        this.intermediate = positive("intermediate", size);
        return this;
    }

    public LlamaBuilder vocab(long size) {
        this.vocab = positive("vocab", size);
        return this;
    }

    public LlamaBuilder maxPositions(long count) {
        this.maxPositions = positive("max positions", count);
        return this;
    }

    /** The epsilon of every RMS norm (default 1e-5). */
    public LlamaBuilder rmsEpsilon(double epsilon) {
        this.rmsEpsilon = epsilon;
        return this;
    }

    /** The dtype of weights and activations (default f32); floating point. */
    public LlamaBuilder dtype(DType type) {
        if (!type.isFloatingPoint()) {
            throw new IllegalArgumentException("a model's dtype must be floating point, got " + type);
        }
        this.dtype = type;
        return this;
    }

    /** The name of the symbolic token count (default {@code s0}). */
    public LlamaBuilder tokenSymbol(String symbol) {
        Dim.sym(symbol); // checks the name
        this.tokenSymbol = symbol;
        return this;
    }

    /** How attention appears (default {@link AttentionStyle#PRIMITIVES}). */
    public LlamaBuilder attention(AttentionStyle style) {
        this.attention = Objects.requireNonNull(style, "attention");
        return this;
    }

    /** How IR ops are called (default: {@link IrOpCalls#standard()}). */
    public LlamaBuilder irOps(IrOpCalls calls) {
        this.ir = Objects.requireNonNull(calls, "calls");
        return this;
    }

    /** The vocabulary size: token ids are below it. */
    public long vocab() {
        return vocab;
    }

    /** The rows of {@code cos_sin_cache}: positions are below it. */
    public long maxPositions() {
        return maxPositions;
    }

    /** The graph inputs, in order (see the class comment). */
    public List<Tracer.Input> inputs() {
        Dim n = Dim.sym(tokenSymbol);
        List<Tracer.Input> in = new ArrayList<>();
        in.add(Tracer.input("input_ids", TensorMeta.of(DType.I64, List.of(n))));
        in.add(Tracer.input("positions", TensorMeta.of(DType.I64, List.of(n))));
        in.add(Tracer.input("embed_tokens", TensorMeta.of(dtype, vocab, hidden)));
        in.add(Tracer.input("cos_sin_cache", TensorMeta.of(dtype, maxPositions, headSize)));
        for (int i = 0; i < layers; i++) {
            String p = "layers_" + i + "_";
            in.add(Tracer.input(p + "input_norm", TensorMeta.of(dtype, hidden)));
            in.add(Tracer.input(p + "wq", TensorMeta.of(dtype, hidden, heads * headSize)));
            in.add(Tracer.input(p + "wk", TensorMeta.of(dtype, hidden, kvHeads * headSize)));
            in.add(Tracer.input(p + "wv", TensorMeta.of(dtype, hidden, kvHeads * headSize)));
            in.add(Tracer.input(p + "wo", TensorMeta.of(dtype, heads * headSize, hidden)));
            in.add(Tracer.input(p + "post_attention_norm", TensorMeta.of(dtype, hidden)));
            in.add(Tracer.input(p + "w_gate", TensorMeta.of(dtype, hidden, intermediate)));
            in.add(Tracer.input(p + "w_up", TensorMeta.of(dtype, hidden, intermediate)));
            in.add(Tracer.input(p + "w_down", TensorMeta.of(dtype, intermediate, hidden)));
        }
        in.add(Tracer.input("final_norm", TensorMeta.of(dtype, hidden)));
        return in;
    }

    /**
     * Traces the model.
     *
     * @throws IllegalArgumentException when the sizes do not fit together (heads not a multiple of kv heads, odd
     *                                  head size), naming them
     */
    public Graph build() {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kv heads (" + kvHeads + ")");
        }
        if (headSize % 2 != 0) {
            throw new IllegalArgumentException("head size (" + headSize + ") must be even for rotary embeddings");
        }
        return Tracer.trace(name, inputs(), this::forward);
    }

    /** The forward pass; the arguments are in the order of {@link #inputs()}. */
    private Tensor forward(List<Tensor> in) {
        Tensor positions = in.get(1);
        Tensor cosSin = in.get(3);
        Tensor hidden = in.get(2).indexSelect(0, in.get(0));
        Tensor residual = null;
        int w = 4;
        for (int i = 0; i < layers; i++, w += 9) {
            Tensor x;
            if (residual == null) {
                x = ir.call(IrOps.RMS_NORM, hidden, in.get(w), rmsEpsilon);
                residual = hidden;
            } else {
                List<Tensor> r = ir.callMaybeInplace(IrOps.FUSED_ADD_RMS_NORM, hidden, residual, in.get(w), rmsEpsilon);
                x = r.get(0);
                residual = r.get(1);
            }
            hidden = selfAttention(x, positions, cosSin, in.get(w + 1), in.get(w + 2), in.get(w + 3), in.get(w + 4));
            List<Tensor> r = ir.callMaybeInplace(IrOps.FUSED_ADD_RMS_NORM, hidden, residual, in.get(w + 5), rmsEpsilon);
            residual = r.get(1);
            hidden = mlp(r.get(0), in.get(w + 6), in.get(w + 7), in.get(w + 8));
        }
        return ir.callMaybeInplace(IrOps.FUSED_ADD_RMS_NORM, hidden, residual, in.get(w), rmsEpsilon).get(0);
    }

    private Tensor selfAttention(Tensor x, Tensor positions, Tensor cosSin, Tensor wq, Tensor wk, Tensor wv,
            Tensor wo) {
        Tensor q = x.matmul(wq);
        Tensor k = x.matmul(wk);
        Tensor v = x.matmul(wv);
        List<Tensor> rotated = ir.callMaybeInplace(IrOps.ROTARY_EMBEDDING, positions, q, k, headSize, headSize,
                cosSin, true);
        double scale = 1.0 / Math.sqrt(headSize);
        Tensor attended = switch (attention) {
            case PRIMITIVES -> Attention.causal(rotated.get(0), rotated.get(1), v, heads, kvHeads, headSize, scale);
            case OPAQUE -> Attention.opaque(rotated.get(0), rotated.get(1), v, heads, kvHeads, headSize, scale);
        };
        return attended.matmul(wo);
    }

    private Tensor mlp(Tensor x, Tensor wGate, Tensor wUp, Tensor wDown) {
        Tensor gateUp = Tensor.cat(List.of(x.matmul(wGate), x.matmul(wUp)), -1);
        return ir.call(IrOps.SILU_AND_MUL, gateUp).matmul(wDown);
    }

    private static <T extends Number> T positive(String what, T value) {
        if (value.longValue() <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
        return value;
    }
}
