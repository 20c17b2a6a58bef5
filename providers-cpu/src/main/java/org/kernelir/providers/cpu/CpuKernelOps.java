package org.kernelir.providers.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.MetaFunction;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;
import org.kernelir.providers.cpu.kernels.ActivationKernels;
import org.kernelir.providers.cpu.kernels.ElemType;
import org.kernelir.providers.cpu.kernels.QuantKernels;
import org.kernelir.providers.cpu.kernels.RmsNormKernels;
import org.kernelir.providers.cpu.kernels.RotaryKernels;

/**
 * The {@code cpu::} kernel ops: one graph node each, backed by the fused kernels of
 * {@link org.kernelir.providers.cpu.kernels}. The tensors they receive satisfy the {@code supports} rules of
 * {@link CpuProvider}: CPU, f32/f16/bf16, rows with a contiguous last dimension and a uniform row stride.
 */
final class CpuKernelOps {

    private CpuKernelOps() {
    }

    static final String NS = CpuProvider.NAME;

    /** {@code cpu::rms_norm(x, weight?, epsilon) -> y}. */
    static final KernelDef RMS_NORM = pure("rms_norm", 1,
            List.of(p("x", ParamType.TENSOR), p("weight", ParamType.OPTIONAL_TENSOR), p("epsilon", ParamType.FLOAT)),
            a -> meta(a, 0).contiguous(), CpuKernelOps::rmsNorm);

    /** {@code cpu::fused_add_rms_norm_(x, residual, weight?, epsilon) -> (x, residual)}: writes both inputs. */
    static final KernelDef FUSED_ADD_RMS_NORM_ = new KernelDef(Target.of(NS, "fused_add_rms_norm_"),
            new Schema(List.of(p("x", ParamType.TENSOR), p("residual", ParamType.TENSOR),
                    p("weight", ParamType.OPTIONAL_TENSOR), p("epsilon", ParamType.FLOAT)), 2),
            a -> new TupleMeta(List.of(meta(a, 0), meta(a, 1))), CpuKernelOps::fusedAddRmsNormInplace, Set.of(0, 1));

    /** {@code cpu::fused_add_rms_norm(x, residual, weight?, epsilon) -> (y, residual_out)}: fresh outputs. */
    static final KernelDef FUSED_ADD_RMS_NORM = pure("fused_add_rms_norm", 2,
            List.of(p("x", ParamType.TENSOR), p("residual", ParamType.TENSOR), p("weight", ParamType.OPTIONAL_TENSOR),
                    p("epsilon", ParamType.FLOAT)),
            a -> new TupleMeta(List.of(meta(a, 0).contiguous(), meta(a, 0).contiguous())),
            CpuKernelOps::fusedAddRmsNorm);

    /** {@code cpu::silu_and_mul(x) -> y}. */
    static final KernelDef SILU_AND_MUL = pure("silu_and_mul", 1, List.of(p("x", ParamType.TENSOR)),
            CpuKernelOps::halfWidth, a -> gated(a, 0));

    /** {@code cpu::gelu_and_mul(x, approximate) -> y}. */
    static final KernelDef GELU_AND_MUL = pure("gelu_and_mul", 1,
            List.of(p("x", ParamType.TENSOR), p("approximate", ParamType.STRING)),
            CpuKernelOps::halfWidth, a -> gated(a, "tanh".equals(a.get(1)) ? 2 : 1));

    /** {@code cpu::rotary_embedding_(positions, query, key?, head_size, rotary_dim, cache, neox) -> (query, key)}. */
    static final KernelDef ROTARY_EMBEDDING_ = new KernelDef(Target.of(NS, "rotary_embedding_"),
            new Schema(List.of(p("positions", ParamType.TENSOR), p("query", ParamType.TENSOR),
                    p("key", ParamType.OPTIONAL_TENSOR), p("head_size", ParamType.INT), p("rotary_dim", ParamType.INT),
                    p("cos_sin_cache", ParamType.TENSOR), p("is_neox_style", ParamType.BOOL)), 2),
            a -> new TupleMeta(Arrays.asList(meta(a, 1), meta(a, 2))), CpuKernelOps::rotaryInplace, Set.of(1, 2));

    /** {@code cpu::static_quant_fp8(x, scale) -> q}. */
    static final KernelDef STATIC_QUANT_FP8 = pure("static_quant_fp8", 1,
            List.of(p("x", ParamType.TENSOR), p("scale", ParamType.TENSOR)),
            a -> meta(a, 0).withDtype(DType.F8E4M3FN), CpuKernelOps::staticQuant);

    /** {@code cpu::dynamic_quant_fp8(x, per_token, scale_ub?) -> (q, scale)}. */
    static final KernelDef DYNAMIC_QUANT_FP8 = pure("dynamic_quant_fp8", 2,
            List.of(p("x", ParamType.TENSOR), p("per_token", ParamType.BOOL), p("scale_ub", ParamType.OPTIONAL_FLOAT)),
            CpuKernelOps::dynamicQuantMeta, CpuKernelOps::dynamicQuant);

    /** {@code cpu::dynamic_group_quant_fp8(x, group_size, column_major, use_ue8m0) -> (q, scales)}. */
    static final KernelDef DYNAMIC_GROUP_QUANT_FP8 = pure("dynamic_group_quant_fp8", 2,
            List.of(p("x", ParamType.TENSOR), p("group_size", ParamType.INT), p("column_major", ParamType.BOOL),
                    p("use_ue8m0", ParamType.BOOL)),
            CpuKernelOps::groupQuantMeta, CpuKernelOps::groupQuant);

    static List<KernelDef> all() {
        return List.of(RMS_NORM, FUSED_ADD_RMS_NORM_, FUSED_ADD_RMS_NORM, SILU_AND_MUL, GELU_AND_MUL, ROTARY_EMBEDDING_, STATIC_QUANT_FP8,
                DYNAMIC_QUANT_FP8, DYNAMIC_GROUP_QUANT_FP8);
    }

    // ---- meta functions -----------------------------------------------------------------------------------

    private static TensorMeta meta(List<Object> a, int i) {
        return (TensorMeta) a.get(i);
    }

    private static TensorMeta halfWidth(List<Object> a) {
        TensorMeta x = meta(a, 0);
        List<Dim> shape = new ArrayList<>(x.shape());
        shape.set(shape.size() - 1, x.size(-1).exactDivide(Dim.of(2)).orElseThrow());
        return x.withShape(shape);
    }

    private static TupleMeta dynamicQuantMeta(List<Object> a) {
        TensorMeta x = meta(a, 0);
        TensorMeta scale;
        if ((Boolean) a.get(1)) {
            List<Dim> shape = new ArrayList<>(x.shape());
            shape.set(shape.size() - 1, Dim.ONE);
            scale = x.withShape(shape).withDtype(DType.F32);
        } else {
            scale = TensorMeta.of(DType.F32, 1);
        }
        return new TupleMeta(List.of(x.contiguous().withDtype(DType.F8E4M3FN), scale));
    }

    private static TupleMeta groupQuantMeta(List<Object> a) {
        TensorMeta x = meta(a, 0);
        long g = (Long) a.get(1);
        Dim rows = x.size(0);
        Dim groups = x.size(-1).exactDivide(Dim.of(g)).orElseThrow();
        TensorMeta scales = (Boolean) a.get(2)
                ? new TensorMeta(DType.F32, List.of(rows, groups), List.of(Dim.ONE, rows), x.device())
                : TensorMeta.of(DType.F32, List.of(rows, groups));
        return new TupleMeta(List.of(x.contiguous().withDtype(DType.F8E4M3FN), scales));
    }

    // ---- kernels ------------------------------------------------------------------------------------------

    /** A tensor seen as rows: its last dimension contiguous, rows a uniform stride apart. */
    private record Rows(CpuTensor t, int rows, int cols, long rowStride) {
        static Rows of(CpuTensor t) {
            long[] sizes = t.sizes();
            int cols = sizes.length == 0 ? 1 : Math.toIntExact(sizes[sizes.length - 1]);
            long rows = cols == 0 ? 0 : t.numel() / cols;
            long stride = t.isContiguous() || sizes.length < 2 ? cols : t.strideAt(-2);
            return new Rows(t, Math.toIntExact(rows), cols, stride);
        }
    }

    static ElemType elem(DType d) {
        return switch (d) {
            case F32 -> ElemType.F32;
            case F16 -> ElemType.F16;
            case BF16 -> ElemType.BF16;
            default -> throw new IllegalArgumentException("the cpu kernels take f32, f16 or bf16, not " + d);
        };
    }

    private static Object rmsNorm(List<Object> a) {
        Rows x = Rows.of((CpuTensor) a.get(0));
        CpuTensor w = (CpuTensor) a.get(1);
        CpuTensor out = CpuTensor.empty(x.t.dtype(), x.t.sizes());
        RmsNormKernels.rmsNorm(elem(x.t.dtype()), x.t.segment(), x.t.offset(), x.rowStride,
                w == null ? null : w.segment(), w == null ? 0 : w.offset(), out.segment(), 0, x.cols, x.rows, x.cols,
                (float) ((Number) a.get(2)).doubleValue());
        return out;
    }

    private static Object fusedAddRmsNorm(List<Object> a) {
        Rows x = Rows.of((CpuTensor) a.get(0));
        Rows r = Rows.of((CpuTensor) a.get(1));
        CpuTensor w = (CpuTensor) a.get(2);
        // The kernel writes every element of both outputs.
        CpuTensor y = CpuTensor.empty(x.t.dtype(), x.t.sizes());
        CpuTensor sum = CpuTensor.empty(x.t.dtype(), x.t.sizes());
        RmsNormKernels.fusedAddRmsNorm(elem(x.t.dtype()), x.t.segment(), x.t.offset(), x.rowStride,
                r.t.segment(), r.t.offset(), r.rowStride, w == null ? null : w.segment(), w == null ? 0 : w.offset(),
                y.segment(), 0, x.cols, sum.segment(), 0, x.cols, x.rows, x.cols,
                (float) ((Number) a.get(3)).doubleValue());
        return List.of(y, sum);
    }

    private static Object fusedAddRmsNormInplace(List<Object> a) {
        Rows x = Rows.of((CpuTensor) a.get(0));
        Rows r = Rows.of((CpuTensor) a.get(1));
        CpuTensor w = (CpuTensor) a.get(2);
        RmsNormKernels.fusedAddRmsNorm(elem(x.t.dtype()), x.t.segment(), x.t.offset(), x.rowStride,
                r.t.segment(), r.t.offset(), r.rowStride, w == null ? null : w.segment(), w == null ? 0 : w.offset(),
                x.t.segment(), x.t.offset(), x.rowStride, r.t.segment(), r.t.offset(), r.rowStride, x.rows, x.cols,
                (float) ((Number) a.get(3)).doubleValue());
        return List.of(x.t, r.t);
    }

    private static Object gated(List<Object> a, int kind) {
        Rows x = Rows.of((CpuTensor) a.get(0));
        long[] shape = x.t.sizes();
        int d = x.cols / 2;
        shape[shape.length - 1] = d;
        CpuTensor out = CpuTensor.empty(x.t.dtype(), shape);
        ElemType t = elem(x.t.dtype());
        if (kind == 0) {
            ActivationKernels.siluAndMul(t, x.t.segment(), x.t.offset(), x.rowStride, out.segment(), 0, d, x.rows, d);
        } else {
            ActivationKernels.geluAndMul(t, kind == 2, x.t.segment(), x.t.offset(), x.rowStride, out.segment(), 0, d,
                    x.rows, d);
        }
        return out;
    }

    private static Object rotaryInplace(List<Object> a) {
        CpuTensor pos = (CpuTensor) a.get(0);
        Rows q = Rows.of((CpuTensor) a.get(1));
        CpuTensor keyT = (CpuTensor) a.get(2);
        Rows k = keyT == null ? null : Rows.of(keyT);
        int headSize = Math.toIntExact((Long) a.get(3));
        int rotaryDim = Math.toIntExact((Long) a.get(4));
        Rows cache = Rows.of((CpuTensor) a.get(5));
        RotaryKernels.rotary(elem(q.t.dtype()), pos.segment(), pos.offset(), q.t.segment(), q.t.offset(), q.rowStride,
                q.cols / headSize, k == null ? null : k.t.segment(), k == null ? 0 : k.t.offset(),
                k == null ? 0 : k.rowStride, k == null ? 0 : k.cols / headSize, headSize, rotaryDim,
                cache.t.segment(), cache.t.offset(), cache.rowStride, (Boolean) a.get(6), q.rows);
        return Arrays.asList(q.t, keyT);
    }

    private static Object staticQuant(List<Object> a) {
        Rows x = Rows.of((CpuTensor) a.get(0));
        float scale = (float) ((CpuTensor) a.get(1)).toDoubleArray()[0];
        CpuTensor out = CpuTensor.empty(DType.F8E4M3FN, x.t.sizes());
        QuantKernels.staticQuantFp8(elem(x.t.dtype()), x.t.segment(), x.t.offset(), x.rowStride, scale,
                out.segment(), 0, x.cols, x.rows, x.cols);
        return out;
    }

    private static Object dynamicQuant(List<Object> a) {
        Rows x = Rows.of((CpuTensor) a.get(0));
        boolean perToken = (Boolean) a.get(1);
        float ub = a.get(2) == null ? Float.NaN : (float) ((Number) a.get(2)).doubleValue();
        CpuTensor q = CpuTensor.empty(DType.F8E4M3FN, x.t.sizes());
        CpuTensor scale;
        ElemType t = elem(x.t.dtype());
        if (perToken) {
            long[] s = x.t.sizes();
            s[s.length - 1] = 1;
            scale = CpuTensor.zeros(DType.F32, s);
            QuantKernels.dynamicPerTokenQuantFp8(t, x.t.segment(), x.t.offset(), x.rowStride, x.rows, x.cols, ub,
                    q.segment(), 0, x.cols, scale.segment(), 0);
        } else {
            scale = CpuTensor.zeros(DType.F32, 1);
            QuantKernels.dynamicPerTensorQuantFp8(t, x.t.segment(), x.t.offset(), x.rowStride, x.rows, x.cols, ub,
                    q.segment(), 0, x.cols, scale.segment(), 0);
        }
        return List.of(q, scale);
    }

    private static Object groupQuant(List<Object> a) {
        Rows x = Rows.of((CpuTensor) a.get(0));
        int g = Math.toIntExact((Long) a.get(1));
        boolean columnMajor = (Boolean) a.get(2);
        CpuTensor q = CpuTensor.empty(DType.F8E4M3FN, x.t.sizes());
        int groups = x.cols / g;
        CpuTensor storage = CpuTensor.zeros(DType.F32, columnMajor ? new long[] {groups, x.rows}
                : new long[] {x.rows, groups});
        QuantKernels.dynamicGroupQuantFp8(elem(x.t.dtype()), x.t.segment(), x.t.offset(), x.rowStride, x.rows, x.cols,
                g, columnMajor, (Boolean) a.get(3), q.segment(), 0, x.cols, storage.segment(), 0);
        // Column-major scales are the transposed storage seen as [rows, groups] with strides [1, rows].
        CpuTensor scales = columnMajor ? (CpuTensor) storage.transpose(0, 1) : storage;
        return List.of(q, scales);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static Param p(String name, ParamType type) {
        return Param.of(name, type);
    }

    private static KernelDef pure(String name, int returns, List<Param> params, MetaFunction meta,
            org.kernelir.core.tensor.KernelBody kernel) {
        return KernelDef.pure(Target.of(NS, name), new Schema(params, returns), meta, kernel);
    }
}
