package org.kernelir.providers.cuda;

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
import org.kernelir.core.tensor.Tensor;
import org.kernelir.providers.cuda.runtime.CudaDevice;
import org.kernelir.providers.cuda.runtime.DeviceBuffer;

/**
 * The {@code cuda::} kernel ops: one graph node each, with a meta function (outputs on the inputs' device) and,
 * until ir-core executes on device tensors (issue 13), a host-staged kernel: it copies its CPU tensor arguments to
 * the GPU through the device runtime, launches the CUDA kernel, and copies the results back. Once device tensors
 * exist, the same {@link CudaOps} calls run on their device pointers with no copies.
 */
final class CudaKernelOps {

    private CudaKernelOps() {
    }

    static final String NS = CudaProvider.NAME;

    /** {@code cuda::rms_norm(x, weight?, epsilon) -> y}. */
    static final KernelDef RMS_NORM = pure("rms_norm", 1,
            List.of(p("x", ParamType.TENSOR), p("weight", ParamType.OPTIONAL_TENSOR), p("epsilon", ParamType.FLOAT)),
            a -> meta(a, 0).contiguous(), CudaKernelOps::rmsNorm);

    /** {@code cuda::fused_add_rms_norm_(x, residual, weight?, epsilon) -> (x, residual)}: writes both inputs. */
    static final KernelDef FUSED_ADD_RMS_NORM_ = new KernelDef(Target.of(NS, "fused_add_rms_norm_"),
            new Schema(List.of(p("x", ParamType.TENSOR), p("residual", ParamType.TENSOR),
                    p("weight", ParamType.OPTIONAL_TENSOR), p("epsilon", ParamType.FLOAT)), 2),
            a -> new TupleMeta(List.of(meta(a, 0), meta(a, 1))), a -> fusedAddRmsNorm(a, true), Set.of(0, 1));

    /** {@code cuda::fused_add_rms_norm(x, residual, weight?, epsilon) -> (y, residual_out)}: fresh outputs. */
    static final KernelDef FUSED_ADD_RMS_NORM = pure("fused_add_rms_norm", 2,
            List.of(p("x", ParamType.TENSOR), p("residual", ParamType.TENSOR), p("weight", ParamType.OPTIONAL_TENSOR),
                    p("epsilon", ParamType.FLOAT)),
            a -> new TupleMeta(List.of(meta(a, 0).contiguous(), meta(a, 0).contiguous())),
            a -> fusedAddRmsNorm(a, false));

    /** {@code cuda::silu_and_mul(x) -> y}. */
    static final KernelDef SILU_AND_MUL = pure("silu_and_mul", 1, List.of(p("x", ParamType.TENSOR)),
            CudaKernelOps::halfWidth, a -> gated(a, 0));

    /** {@code cuda::gelu_and_mul(x, approximate) -> y}. */
    static final KernelDef GELU_AND_MUL = pure("gelu_and_mul", 1,
            List.of(p("x", ParamType.TENSOR), p("approximate", ParamType.STRING)),
            CudaKernelOps::halfWidth, a -> gated(a, "tanh".equals(a.get(1)) ? 2 : 1));

    /** {@code cuda::rotary_embedding_(positions, query, key?, head_size, rotary_dim, cache, neox) -> (query, key)}. */
    static final KernelDef ROTARY_EMBEDDING_ = new KernelDef(Target.of(NS, "rotary_embedding_"),
            new Schema(List.of(p("positions", ParamType.TENSOR), p("query", ParamType.TENSOR),
                    p("key", ParamType.OPTIONAL_TENSOR), p("head_size", ParamType.INT), p("rotary_dim", ParamType.INT),
                    p("cos_sin_cache", ParamType.TENSOR), p("is_neox_style", ParamType.BOOL)), 2),
            a -> new TupleMeta(Arrays.asList(meta(a, 1), meta(a, 2))), CudaKernelOps::rotary, Set.of(1, 2));

    /** {@code cuda::static_quant_fp8(x, scale) -> q}. */
    static final KernelDef STATIC_QUANT_FP8 = pure("static_quant_fp8", 1,
            List.of(p("x", ParamType.TENSOR), p("scale", ParamType.TENSOR)),
            a -> meta(a, 0).contiguous().withDtype(DType.F8E4M3FN), CudaKernelOps::staticQuant);

    /** {@code cuda::dynamic_quant_fp8(x, per_token, scale_ub?) -> (q, scale)}. */
    static final KernelDef DYNAMIC_QUANT_FP8 = pure("dynamic_quant_fp8", 2,
            List.of(p("x", ParamType.TENSOR), p("per_token", ParamType.BOOL), p("scale_ub", ParamType.OPTIONAL_FLOAT)),
            CudaKernelOps::dynamicQuantMeta, CudaKernelOps::dynamicQuant);

    /** {@code cuda::dynamic_group_quant_fp8(x, group_size, column_major, use_ue8m0) -> (q, scales)}. */
    static final KernelDef DYNAMIC_GROUP_QUANT_FP8 = pure("dynamic_group_quant_fp8", 2,
            List.of(p("x", ParamType.TENSOR), p("group_size", ParamType.INT), p("column_major", ParamType.BOOL),
                    p("use_ue8m0", ParamType.BOOL)),
            CudaKernelOps::groupQuantMeta, CudaKernelOps::groupQuant);

    static List<KernelDef> all() {
        return List.of(RMS_NORM, FUSED_ADD_RMS_NORM_, FUSED_ADD_RMS_NORM, SILU_AND_MUL, GELU_AND_MUL,
                ROTARY_EMBEDDING_, STATIC_QUANT_FP8, DYNAMIC_QUANT_FP8, DYNAMIC_GROUP_QUANT_FP8);
    }

    // ---- meta functions: outputs live on the inputs' device ------------------------------------------------------

    private static TensorMeta meta(List<Object> a, int i) {
        return (TensorMeta) a.get(i);
    }

    private static TensorMeta halfWidth(List<Object> a) {
        TensorMeta x = meta(a, 0);
        List<Dim> shape = new ArrayList<>(x.shape());
        shape.set(shape.size() - 1, x.size(-1).exactDivide(Dim.of(2)).orElseThrow());
        return x.withShape(shape).contiguous();
    }

    private static TupleMeta dynamicQuantMeta(List<Object> a) {
        TensorMeta x = meta(a, 0);
        TensorMeta scale;
        if ((Boolean) a.get(1)) {
            List<Dim> shape = new ArrayList<>(x.shape());
            shape.set(shape.size() - 1, Dim.ONE);
            scale = x.withShape(shape).contiguous().withDtype(DType.F32);
        } else {
            scale = new TensorMeta(DType.F32, List.of(Dim.ONE), List.of(Dim.ONE), x.device());
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
                : new TensorMeta(DType.F32, List.of(rows, groups), List.of(groups, Dim.ONE), x.device());
        return new TupleMeta(List.of(x.contiguous().withDtype(DType.F8E4M3FN), scales));
    }

    // ---- host-staged kernels ---------------------------------------------------------------------------------------

    /** Device copies of the host arguments of one call, freed (stream-ordered) when the call is done. */
    private static final class Staging implements AutoCloseable {
        final CudaDevice dev = CudaProvider.device(0);
        final List<DeviceBuffer> buffers = new ArrayList<>();

        long upload(CpuTensor t) {
            if (t == null) {
                return 0L;
            }
            CpuTensor c = (CpuTensor) t.contiguous();
            long bytes = c.numel() * c.dtype().byteSize();
            DeviceBuffer b = alloc(bytes);
            if (bytes > 0) {
                dev.copyToDevice(c.segment().asSlice(c.offset() * c.dtype().byteSize(), bytes), b);
            }
            return b.pointer();
        }

        long alloc(CpuTensor shapeOf) {
            return alloc(shapeOf.numel() * shapeOf.dtype().byteSize()).pointer();
        }

        DeviceBuffer alloc(long bytes) {
            DeviceBuffer b = dev.allocate(Math.max(bytes, 16));
            buffers.add(b);
            return b;
        }

        /** Copies a device result into a fresh contiguous host tensor of {@code like}'s dtype and shape. */
        CpuTensor download(long pointer, DType dtype, long... shape) {
            CpuTensor out = CpuTensor.empty(dtype, shape);
            long bytes = out.numel() * dtype.byteSize();
            if (bytes > 0) {
                DeviceBuffer src = buffers.stream().filter(b -> b.pointer() == pointer).findFirst().orElseThrow();
                dev.copyToHost(src, out.segment().asSlice(0, bytes));
            }
            return out;
        }

        @Override
        public void close() {
            buffers.forEach(dev::free);
        }
    }

    private static long rowsOf(CpuTensor t) {
        long[] s = t.sizes();
        long cols = s.length == 0 ? 1 : s[s.length - 1];
        return cols == 0 ? 0 : t.numel() / cols;
    }

    private static int cols(CpuTensor t) {
        long[] s = t.sizes();
        return Math.toIntExact(s.length == 0 ? 1 : s[s.length - 1]);
    }

    private static float f32(Object o) {
        return (float) ((Number) o).doubleValue();
    }

    private static Object rmsNorm(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        try (Staging s = new Staging()) {
            long dx = s.upload(x);
            long dw = s.upload((CpuTensor) a.get(1));
            long out = s.alloc(x);
            CudaOps.rmsNorm(s.dev, x.dtype(), out, dx, cols(x), dw, rowsOf(x), cols(x), f32(a.get(2)));
            return s.download(out, x.dtype(), x.sizes());
        }
    }

    private static Object fusedAddRmsNorm(List<Object> a, boolean inplace) {
        CpuTensor x = (CpuTensor) a.get(0);
        CpuTensor res = (CpuTensor) a.get(1);
        try (Staging s = new Staging()) {
            long dx = s.upload(x);
            long dr = s.upload(res);
            long dw = s.upload((CpuTensor) a.get(2));
            int h = cols(x);
            // On the device the in-place kernel writes into the copies of x and residual; the fresh-output kernel
            // into new buffers. Either way the results come back into new host tensors.
            long y = inplace ? dx : s.alloc(x);
            long r = inplace ? dr : s.alloc(x);
            CudaOps.fusedAddRmsNorm(s.dev, x.dtype(), y, h, r, h, dx, h, dr, h, dw, rowsOf(x), h, f32(a.get(3)));
            CpuTensor yh = s.download(y, x.dtype(), x.sizes());
            CpuTensor rh = s.download(r, x.dtype(), x.sizes());
            if (inplace) {
                x.copy_(yh);
                res.copy_(rh);
                return List.of(x, res);
            }
            return List.of(yh, rh);
        }
    }

    private static Object gated(List<Object> a, int mode) {
        CpuTensor x = (CpuTensor) a.get(0);
        long[] shape = x.sizes();
        int d = cols(x) / 2;
        shape[shape.length - 1] = d;
        try (Staging s = new Staging()) {
            long dx = s.upload(x);
            long out = s.alloc(rowsOf(x) * d * x.dtype().byteSize()).pointer();
            CudaOps.actAndMul(s.dev, x.dtype(), out, dx, cols(x), rowsOf(x), d, mode);
            return s.download(out, x.dtype(), shape);
        }
    }

    private static Object rotary(List<Object> a) {
        CpuTensor pos = (CpuTensor) a.get(0);
        CpuTensor q = (CpuTensor) a.get(1);
        CpuTensor k = (CpuTensor) a.get(2);
        int headSize = Math.toIntExact((Long) a.get(3));
        int rotaryDim = Math.toIntExact((Long) a.get(4));
        CpuTensor cache = (CpuTensor) a.get(5);
        long maxPos = cache.sizes()[0];
        for (long p : pos.toLongArray()) {
            if (p < 0 || p >= maxPos) {
                throw new IllegalArgumentException("cuda::rotary_embedding_: position " + p + " is outside the cache's "
                        + maxPos + " rows");
            }
        }
        try (Staging s = new Staging()) {
            long dp = s.upload(pos);
            long dq = s.upload(q);
            long dk = s.upload(k);
            long dc = s.upload(cache);
            CudaOps.rotary(s.dev, q.dtype(), dp, dq, cols(q), cols(q) / headSize, dk, k == null ? 0 : cols(k),
                    k == null ? 0 : cols(k) / headSize, headSize, rotaryDim, dc, maxPos, (Boolean) a.get(6),
                    rowsOf(q));
            q.copy_(s.download(dq, q.dtype(), q.sizes()));
            if (k != null) {
                k.copy_(s.download(dk, k.dtype(), k.sizes()));
            }
            return Arrays.asList(q, k);
        }
    }

    private static Object staticQuant(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        try (Staging s = new Staging()) {
            long dx = s.upload(x);
            long sc = s.upload((CpuTensor) a.get(1));
            long out = s.alloc(x.numel()).pointer();
            CudaOps.quantFp8(s.dev, x.dtype(), out, dx, cols(x), rowsOf(x), cols(x), sc);
            return s.download(out, DType.F8E4M3FN, x.sizes());
        }
    }

    private static Object dynamicQuant(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        boolean perToken = (Boolean) a.get(1);
        Float ub = a.get(2) == null ? null : f32(a.get(2));
        try (Staging s = new Staging()) {
            long dx = s.upload(x);
            long out = s.alloc(x.numel()).pointer();
            long rows = rowsOf(x);
            long sc = s.alloc(4 * Math.max(rows, 1)).pointer();
            if (perToken) {
                CudaOps.perTokenQuant(s.dev, x.dtype(), out, sc, dx, cols(x), rows, cols(x), ub);
                long[] shape = x.sizes();
                shape[shape.length - 1] = 1;
                return List.of(s.download(out, DType.F8E4M3FN, x.sizes()), s.download(sc, DType.F32, shape));
            }
            CudaOps.perTensorQuant(s.dev, x.dtype(), out, sc, dx, cols(x), rows, cols(x), ub);
            return List.of(s.download(out, DType.F8E4M3FN, x.sizes()), s.download(sc, DType.F32, 1));
        }
    }

    private static Object groupQuant(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        int g = Math.toIntExact((Long) a.get(1));
        boolean columnMajor = (Boolean) a.get(2);
        long rows = rowsOf(x);
        int groups = cols(x) / g;
        try (Staging s = new Staging()) {
            long dx = s.upload(x);
            long out = s.alloc(x.numel()).pointer();
            long sc = s.alloc(4L * rows * groups).pointer();
            CudaOps.groupQuant(s.dev, x.dtype(), out, sc, dx, cols(x), rows, cols(x), g, columnMajor,
                    (Boolean) a.get(3));
            CpuTensor q = s.download(out, DType.F8E4M3FN, x.sizes());
            if (columnMajor) {
                Tensor storage = s.download(sc, DType.F32, groups, rows);
                return List.of(q, storage.transpose(0, 1));
            }
            return List.of(q, s.download(sc, DType.F32, rows, groups));
        }
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
