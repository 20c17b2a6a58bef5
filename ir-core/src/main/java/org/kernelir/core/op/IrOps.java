package org.kernelir.core.op;

import static org.kernelir.core.tensor.ParamType.BOOL;
import static org.kernelir.core.tensor.ParamType.DTYPE;
import static org.kernelir.core.tensor.ParamType.FLOAT;
import static org.kernelir.core.tensor.ParamType.INT;
import static org.kernelir.core.tensor.ParamType.INT_LIST;
import static org.kernelir.core.tensor.ParamType.OPTIONAL_FLOAT;
import static org.kernelir.core.tensor.ParamType.OPTIONAL_INT;
import static org.kernelir.core.tensor.ParamType.OPTIONAL_TENSOR;
import static org.kernelir.core.tensor.ParamType.STRING;
import static org.kernelir.core.tensor.ParamType.TENSOR;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.Samples.EdgeRow;
import org.kernelir.core.tensor.Tensor;

/**
 * The standard IR op set (vLLM's, in kernel-ir's types), each with its functional interface, its schema, its
 * native implementation ({@link NativeOps}), its conformance inputs and its tolerances.
 */
public final class IrOps {

    private IrOps() {
    }

    /** {@code rms_norm(x, weight?, epsilon, variance_size? = None) -> y}. */
    @FunctionalInterface
    public interface RmsNorm {
        Tensor apply(Tensor x, Tensor weight, double epsilon, Long varianceSize);
    }

    /** {@code fused_add_rms_norm(x, x_residual, weight?, epsilon, variance_size? = None) -> (y, residual)}. */
    @FunctionalInterface
    public interface FusedAddRmsNorm {
        TensorPair apply(Tensor x, Tensor residual, Tensor weight, double epsilon, Long varianceSize);
    }

    /** {@code silu_and_mul(x) -> y}. */
    @FunctionalInterface
    public interface SiluAndMul {
        Tensor apply(Tensor x);
    }

    /** {@code gelu_and_mul(x, approximate = "none") -> y}. */
    @FunctionalInterface
    public interface GeluAndMul {
        Tensor apply(Tensor x, String approximate);
    }

    /**
     * {@code rotary_embedding(positions, query, key?, head_size, rotary_dim, cos_sin_cache, is_neox_style)
     * -> (query, key)}.
     */
    @FunctionalInterface
    public interface RotaryEmbedding {
        TensorPair apply(Tensor positions, Tensor query, Tensor key, long headSize, long rotaryDim,
                Tensor cosSinCache, boolean isNeoxStyle);
    }

    /** {@code static_quant_fp8(x, scale, fp8_dtype = f8e4m3fn) -> q}. */
    @FunctionalInterface
    public interface StaticQuantFp8 {
        Tensor apply(Tensor x, Tensor scale, DType fp8);
    }

    /** {@code dynamic_quant_fp8(x, per_token, fp8_dtype = f8e4m3fn, scale_ub? = None) -> (q, scale)}. */
    @FunctionalInterface
    public interface DynamicQuantFp8 {
        TensorPair apply(Tensor x, boolean perToken, DType fp8, Double scaleUb);
    }

    /**
     * {@code dynamic_group_quant_fp8(x, group_shape, column_major = False, use_ue8m0 = False,
     * fp8_dtype = f8e4m3fn) -> (q, scales)}.
     */
    @FunctionalInterface
    public interface DynamicGroupQuantFp8 {
        TensorPair apply(Tensor x, List<Long> groupShape, boolean columnMajor, boolean useUe8m0, DType fp8);
    }

    private static final DType[] FLOATS = {DType.F32, DType.F16, DType.BF16};

    public static final OpDef<RmsNorm> RMS_NORM = OpDef.builder("rms_norm", RmsNorm.class)
            .param("x", TENSOR).param("weight", OPTIONAL_TENSOR).param("epsilon", FLOAT)
            .param("variance_size", OPTIONAL_INT, null)
            .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.f64(2), a.optI64(3)))
            .nativeImpl(NativeOps::rmsNorm)
            .inputs(() -> withEdges(rmsNormInputs(), rmsNormEdges()))
            .tolerance(DType.F16, 1e-2, 2e-3)
            .build();

    public static final OpDef<FusedAddRmsNorm> FUSED_ADD_RMS_NORM = OpDef.builder("fused_add_rms_norm", FusedAddRmsNorm.class)
            .param("x", TENSOR).param("x_residual", TENSOR).param("weight", OPTIONAL_TENSOR).param("epsilon", FLOAT)
            .param("variance_size", OPTIONAL_INT, null)
            .returns(2).allowInplace()
            .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.tensor(2), a.f64(3), a.optI64(4)))
            .nativeImpl(NativeOps::fusedAddRmsNorm)
            .inputs(() -> withEdges(fusedAddRmsNormInputs(), fusedAddRmsNormEdges()))
            .tolerance(DType.F16, 1e-2, 2e-3)
            .build();

    public static final OpDef<SiluAndMul> SILU_AND_MUL = OpDef.builder("silu_and_mul", SiluAndMul.class)
            .param("x", TENSOR)
            .invoker((f, a) -> f.apply(a.tensor(0)))
            .nativeImpl(NativeOps::siluAndMul)
            .inputs(() -> withEdges(activationInputs(false), activationEdges(false)))
            .build();

    public static final OpDef<GeluAndMul> GELU_AND_MUL = OpDef.builder("gelu_and_mul", GeluAndMul.class)
            .param("x", TENSOR).param("approximate", STRING, "none")
            .invoker((f, a) -> f.apply(a.tensor(0), a.str(1)))
            .nativeImpl(NativeOps::geluAndMul)
            .inputs(() -> withEdges(activationInputs(true), activationEdges(true)))
            .build();

    public static final OpDef<RotaryEmbedding> ROTARY_EMBEDDING = OpDef.builder("rotary_embedding", RotaryEmbedding.class)
            .param("positions", TENSOR).param("query", TENSOR).param("key", OPTIONAL_TENSOR)
            .param("head_size", INT).param("rotary_dim", INT).param("cos_sin_cache", TENSOR)
            .param("is_neox_style", BOOL)
            .returns(2).activations("query", "key").allowInplace()
            .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.tensor(2), a.i64(3), a.i64(4), a.tensor(5), a.bool(6)))
            .nativeImpl(NativeOps::rotaryEmbedding)
            .inputs(() -> withEdges(rotaryInputs(), rotaryEdges()))
            .build();

    public static final OpDef<StaticQuantFp8> STATIC_QUANT_FP8 = OpDef.builder("static_quant_fp8", StaticQuantFp8.class)
            .param("x", TENSOR).param("scale", TENSOR).param("fp8_dtype", DTYPE, DType.F8E4M3FN)
            .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.dtype(2)))
            .nativeImpl(NativeOps::staticQuantFp8)
            .inputs(() -> withEdges(staticQuantInputs(), staticQuantEdges()))
            .build();

    public static final OpDef<DynamicQuantFp8> DYNAMIC_QUANT_FP8 = OpDef.builder("dynamic_quant_fp8", DynamicQuantFp8.class)
            .param("x", TENSOR).param("per_token", BOOL).param("fp8_dtype", DTYPE, DType.F8E4M3FN)
            .param("scale_ub", OPTIONAL_FLOAT, null)
            .returns(2)
            .invoker((f, a) -> f.apply(a.tensor(0), a.bool(1), a.dtype(2), a.optF64(3)))
            .nativeImpl(NativeOps::dynamicQuantFp8)
            .inputs(() -> withEdges(dynamicQuantInputs(), dynamicQuantEdges()))
            .build();

    public static final OpDef<DynamicGroupQuantFp8> DYNAMIC_GROUP_QUANT_FP8 = OpDef
            .builder("dynamic_group_quant_fp8", DynamicGroupQuantFp8.class)
            .param("x", TENSOR).param("group_shape", INT_LIST).param("column_major", BOOL, false)
            .param("use_ue8m0", BOOL, false).param("fp8_dtype", DTYPE, DType.F8E4M3FN)
            .returns(2)
            .invoker((f, a) -> f.apply(a.tensor(0), a.longs(1), a.bool(2), a.bool(3), a.dtype(4)))
            .nativeImpl(NativeOps::dynamicGroupQuantFp8)
            .inputs(() -> withEdges(groupQuantInputs(), groupQuantEdges()))
            .build();

    /** Every standard op, in a stable order. */
    public static List<OpDef<?>> all() {
        return List.of(RMS_NORM, FUSED_ADD_RMS_NORM, SILU_AND_MUL, GELU_AND_MUL, ROTARY_EMBEDDING, STATIC_QUANT_FP8,
                DYNAMIC_QUANT_FP8, DYNAMIC_GROUP_QUANT_FP8);
    }

    // ---- conformance inputs ---------------------------------------------------------------------------------
    // Shapes cover one token, several tokens, hidden sizes with vector tails (odd sizes), and many tokens (above
    // a provider's parallel threshold); every float dtype; every option of each op.

    private static final long[][] TOKENS_HIDDEN = {{1, 64}, {7, 97}, {33, 256}, {2, 4099}, {300, 1024}};

    private static List<SampleInput> rmsNormInputs() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 1;
        for (DType d : FLOATS) {
            for (long[] s : TOKENS_HIDDEN) {
                CpuTensor x = Samples.randn(seed++, d, 1.0, s[0], s[1]);
                CpuTensor w = Samples.randn(seed++, d, 0.5, s[1]);
                out.add(new SampleInput(d + " " + shape(s), List.of(x, w, 1e-6)));
            }
            out.add(new SampleInput(d + " [5, 128] weight=None",
                    args(Samples.randn(seed++, d, 2.0, 5, 128), null, 1e-5, null)));
            out.add(new SampleInput(d + " [4, 96] variance_size=64",
                    args(Samples.randn(seed++, d, 1.0, 4, 96), Samples.randn(seed++, d, 1.0, 96), 1e-6, 64L)));
            out.add(new SampleInput(d + " [3, 48] epsilon=0.1",
                    args(Samples.randn(seed++, d, 0.1, 3, 48), Samples.randn(seed++, d, 1.0, 48), 0.1, null)));
        }
        return out;
    }

    private static List<SampleInput> fusedAddRmsNormInputs() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 101;
        for (DType d : FLOATS) {
            for (long[] s : TOKENS_HIDDEN) {
                out.add(new SampleInput(d + " " + shape(s), List.of(Samples.randn(seed++, d, 1.0, s[0], s[1]),
                        Samples.randn(seed++, d, 1.0, s[0], s[1]), Samples.randn(seed++, d, 0.5, s[1]), 1e-6)));
            }
            out.add(new SampleInput(d + " [6, 80] weight=None", args(Samples.randn(seed++, d, 1.0, 6, 80),
                    Samples.randn(seed++, d, 1.0, 6, 80), null, 1e-6, null)));
            out.add(new SampleInput(d + " [4, 96] variance_size=32", args(Samples.randn(seed++, d, 1.0, 4, 96),
                    Samples.randn(seed++, d, 1.0, 4, 96), Samples.randn(seed++, d, 1.0, 96), 1e-6, 32L)));
        }
        return out;
    }

    private static List<SampleInput> activationInputs(boolean gelu) {
        List<SampleInput> out = new ArrayList<>();
        long seed = gelu ? 301 : 201;
        long[][] shapes = {{1, 128}, {5, 2 * 97}, {16, 2 * 1024}, {300, 2 * 515}};
        for (DType d : FLOATS) {
            for (long[] s : shapes) {
                CpuTensor x = Samples.randn(seed++, d, 3.0, s[0], s[1]);
                if (gelu) {
                    out.add(new SampleInput(d + " " + shape(s) + " none", List.of(x, "none")));
                    out.add(new SampleInput(d + " " + shape(s) + " tanh", List.of(x, "tanh")));
                } else {
                    out.add(new SampleInput(d + " " + shape(s), List.of(x)));
                }
            }
        }
        return out;
    }

    private static List<SampleInput> rotaryInputs() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 401;
        int maxPos = 64;
        // (tokens, query heads, key heads, head size, rotary dim)
        long[][] cases = {{1, 4, 2, 16, 16}, {9, 4, 1, 32, 16}, {33, 8, 8, 64, 64}, {5, 2, 2, 24, 8}};
        for (DType d : FLOATS) {
            for (long[] c : cases) {
                for (boolean neox : new boolean[] {true, false}) {
                    for (boolean withKey : new boolean[] {true, false}) {
                        if (!withKey && c[0] != 9) {
                            continue;
                        }
                        CpuTensor pos = Samples.randint(seed++, maxPos, c[0]);
                        CpuTensor q = Samples.randn(seed++, d, 1.0, c[0], c[1] * c[3]);
                        CpuTensor k = withKey ? Samples.randn(seed++, d, 1.0, c[0], c[2] * c[3]) : null;
                        CpuTensor cache = Samples.randn(seed++, d, 1.0, maxPos, c[4]);
                        out.add(new SampleInput(d + " tokens=" + c[0] + " heads=" + c[1] + "/" + c[2] + " head_size="
                                + c[3] + " rotary_dim=" + c[4] + (neox ? " neox" : " gptj") + (withKey ? "" : " key=None"),
                                args(pos, q, k, c[3], c[4], cache, neox)));
                    }
                }
            }
        }
        return out;
    }

    private static List<SampleInput> staticQuantInputs() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 501;
        for (DType d : FLOATS) {
            for (long[] s : TOKENS_HIDDEN) {
                out.add(new SampleInput(d + " " + shape(s) + " scale=0.05", List.of(Samples.randn(seed++, d, 10.0, s[0], s[1]),
                        CpuTensor.scalar(DType.F32, 0.05), DType.F8E4M3FN)));
            }
        }
        return out;
    }

    private static List<SampleInput> dynamicQuantInputs() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 601;
        for (DType d : FLOATS) {
            for (long[] s : TOKENS_HIDDEN) {
                for (boolean perToken : new boolean[] {true, false}) {
                    out.add(new SampleInput(d + " " + shape(s) + (perToken ? " per_token" : " per_tensor"),
                            args(Samples.randn(seed++, d, 4.0, s[0], s[1]), perToken, DType.F8E4M3FN, null)));
                }
            }
            out.add(new SampleInput(d + " [8, 256] per_token scale_ub=2.0",
                    args(Samples.randn(seed++, d, 4.0, 8, 256), true, DType.F8E4M3FN, 2.0)));
            out.add(new SampleInput(d + " [4, 64] per_token zeros", args(CpuTensor.zeros(d, 4, 64), true,
                    DType.F8E4M3FN, null)));
        }
        return out;
    }

    private static List<SampleInput> groupQuantInputs() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 701;
        long[][] shapes = {{1, 128}, {7, 256}, {33, 512}, {300, 1024}};
        for (DType d : FLOATS) {
            for (long[] s : shapes) {
                for (boolean colMajor : new boolean[] {false, true}) {
                    for (boolean ue8m0 : new boolean[] {false, true}) {
                        out.add(new SampleInput(d + " " + shape(s) + " group=[1, 128]" + (colMajor ? " column_major" : "")
                                + (ue8m0 ? " ue8m0" : ""), args(Samples.randn(seed++, d, 3.0, s[0], s[1]),
                                List.of(1L, 128L), colMajor, ue8m0, DType.F8E4M3FN)));
                    }
                }
            }
            out.add(new SampleInput(d + " [4, 256] group=[1, 64]", args(Samples.randn(seed++, d, 3.0, 4, 256),
                    List.of(1L, 64L), false, false, DType.F8E4M3FN)));
        }
        return out;
    }

    // ---- edge rows -------------------------------------------------------------------------------------------
    // Every op also gets samples whose rows sit at the edges of the dtype's range (see Samples.EdgeRow), at every
    // width from 33 to 64: that is every remainder modulo 32, so every scalar tail of a kernel that works on 4, 8
    // or 16 lanes at a time, unrolled up to twice. An op's javadoc in NativeOps states what it promises there.

    /** Edge widths: every remainder modulo 32. */
    private static final int EDGE_WIDTH_FROM = 33;
    private static final int EDGE_WIDTH_TO = 64;

    /** Every kind of edge row that applies to a whole row, the infinities and NaN included. */
    private static final List<EdgeRow> ALL_EDGES = List.of(EdgeRow.MAGNITUDES, EdgeRow.LARGE, EdgeRow.SPIKE,
            EdgeRow.ZEROS, EdgeRow.SUBNORMALS, EdgeRow.SPECIALS);
    /** The gated activations also get gates beyond 1e19 (whose squares overflow f32), times ordinary values. */
    private static final List<EdgeRow> GATED_EDGES = List.of(EdgeRow.MAGNITUDES, EdgeRow.LARGE, EdgeRow.SPIKE,
            EdgeRow.ZEROS, EdgeRow.SUBNORMALS, EdgeRow.SPECIALS, EdgeRow.HUGE);
    /** Every kind but the infinities and NaN. */
    private static final List<EdgeRow> FINITE_EDGES = List.of(EdgeRow.MAGNITUDES, EdgeRow.LARGE, EdgeRow.SPIKE,
            EdgeRow.ZEROS, EdgeRow.SUBNORMALS);

    private static List<SampleInput> withEdges(List<SampleInput> ordinary, List<SampleInput> edges) {
        List<SampleInput> out = new ArrayList<>(ordinary);
        out.addAll(edges);
        return out;
    }

    private static String edgeName(DType d, long rows, long width) {
        return d + " [" + rows + ", " + width + "] edge rows";
    }

    private static List<SampleInput> rmsNormEdges() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 1001;
        for (DType d : FLOATS) {
            for (int w = EDGE_WIDTH_FROM; w <= EDGE_WIDTH_TO; w++) {
                CpuTensor x = Samples.edgeRows(seed++, d, w, ALL_EDGES);
                boolean noWeight = w % 4 == 0;
                out.add(new SampleInput(edgeName(d, ALL_EDGES.size(), w) + (noWeight ? " weight=None" : ""),
                        args(x, noWeight ? null : Samples.randn(seed++, d, 0.5, w), 1e-6, null),
                        Samples.labels(ALL_EDGES)));
            }
        }
        return out;
    }

    private static List<SampleInput> fusedAddRmsNormEdges() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 1101;
        // The residual has the same kinds of rows as x, except under x's large row, where it is zero: there the
        // sum keeps squares that are finite while their f32 sum is not.
        List<EdgeRow> residualRows = ALL_EDGES.stream().map(r -> r == EdgeRow.LARGE ? EdgeRow.ZEROS : r).toList();
        for (DType d : FLOATS) {
            for (int w = EDGE_WIDTH_FROM; w <= EDGE_WIDTH_TO; w++) {
                boolean noWeight = w % 4 == 0;
                out.add(new SampleInput(edgeName(d, ALL_EDGES.size(), w) + (noWeight ? " weight=None" : ""),
                        args(Samples.edgeRows(seed++, d, w, ALL_EDGES), Samples.edgeRows(seed++, d, w, residualRows),
                                noWeight ? null : Samples.randn(seed++, d, 0.5, w), 1e-6, null),
                        Samples.labels(ALL_EDGES)));
            }
        }
        return out;
    }

    private static List<SampleInput> activationEdges(boolean gelu) {
        List<SampleInput> out = new ArrayList<>();
        long seed = gelu ? 1301 : 1201;
        for (DType d : FLOATS) {
            for (int w = EDGE_WIDTH_FROM; w <= EDGE_WIDTH_TO; w++) {
                CpuTensor x = Samples.gatedEdgeRows(seed, seed + 1, d, w, GATED_EDGES);
                seed += 2;
                String name = edgeName(d, GATED_EDGES.size(), 2L * w);
                if (gelu) {
                    out.add(new SampleInput(name + " none", List.of(x, "none"), Samples.labels(GATED_EDGES)));
                    out.add(new SampleInput(name + " tanh", List.of(x, "tanh"), Samples.labels(GATED_EDGES)));
                } else {
                    out.add(new SampleInput(name, List.of(x), Samples.labels(GATED_EDGES)));
                }
            }
        }
        return out;
    }

    private static List<SampleInput> rotaryEdges() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 1401;
        int maxPos = 16;
        // (query heads, key heads, head size, rotary dim): rotary halves of 4 to 32, with and without pass-through
        long[][] cases = {{2, 1, 64, 64}, {1, 2, 40, 24}, {3, 1, 66, 66}, {2, 2, 36, 34}};
        int rows = FINITE_EDGES.size();
        for (DType d : FLOATS) {
            for (long[] c : cases) {
                for (boolean neox : new boolean[] {true, false}) {
                    CpuTensor pos = Samples.randint(seed++, maxPos, rows);
                    CpuTensor q = Samples.edgeRows(seed++, d, c[0] * c[2], FINITE_EDGES);
                    CpuTensor k = Samples.edgeRows(seed++, d, c[1] * c[2], FINITE_EDGES);
                    CpuTensor cache = Samples.randn(seed++, d, 1.0, maxPos, c[3]);
                    out.add(new SampleInput(edgeName(d, rows, c[0] * c[2]) + " heads=" + c[0] + "/" + c[1]
                            + " head_size=" + c[2] + " rotary_dim=" + c[3] + (neox ? " neox" : " gptj"),
                            args(pos, q, k, c[2], c[3], cache, neox), Samples.labels(FINITE_EDGES)));
                }
            }
        }
        return out;
    }

    private static List<SampleInput> staticQuantEdges() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 1501;
        for (DType d : FLOATS) {
            for (int w = EDGE_WIDTH_FROM; w <= EDGE_WIDTH_TO; w++) {
                out.add(new SampleInput(edgeName(d, ALL_EDGES.size(), w) + " scale=0.05",
                        List.of(Samples.edgeRows(seed++, d, w, ALL_EDGES), CpuTensor.scalar(DType.F32, 0.05),
                                DType.F8E4M3FN), Samples.labels(ALL_EDGES)));
            }
        }
        return out;
    }

    private static List<SampleInput> dynamicQuantEdges() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 1601;
        for (DType d : FLOATS) {
            for (int w = EDGE_WIDTH_FROM; w <= EDGE_WIDTH_TO; w++) {
                // Per tensor, one NaN makes every code NaN; the finite rows say more there.
                boolean perToken = w % 2 == 1;
                List<EdgeRow> kinds = perToken ? ALL_EDGES : FINITE_EDGES;
                out.add(new SampleInput(edgeName(d, kinds.size(), w) + (perToken ? " per_token" : " per_tensor"),
                        args(Samples.edgeRows(seed++, d, w, kinds), perToken, DType.F8E4M3FN, null),
                        Samples.labels(kinds)));
            }
        }
        return out;
    }

    private static List<SampleInput> groupQuantEdges() {
        List<SampleInput> out = new ArrayList<>();
        long seed = 1701;
        for (DType d : FLOATS) {
            for (int g = EDGE_WIDTH_FROM; g <= EDGE_WIDTH_TO; g++) {
                boolean colMajor = g % 2 == 0;
                boolean ue8m0 = g % 4 < 2;
                out.add(new SampleInput(edgeName(d, ALL_EDGES.size(), 2L * g) + " group=[1, " + g + "]"
                        + (colMajor ? " column_major" : "") + (ue8m0 ? " ue8m0" : ""),
                        args(Samples.edgeRows(seed++, d, 2L * g, ALL_EDGES), List.of(1L, (long) g), colMajor, ue8m0,
                                DType.F8E4M3FN), Samples.labels(ALL_EDGES)));
            }
        }
        return out;
    }

    private static String shape(long[] s) {
        return java.util.Arrays.toString(s);
    }

    /** A list that may hold nulls. */
    private static List<Object> args(Object... values) {
        return java.util.Arrays.asList(values);
    }
}
