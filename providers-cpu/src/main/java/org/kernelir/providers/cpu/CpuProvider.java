package org.kernelir.providers.cpu;

import java.util.List;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.provider.Availability;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.tensor.Tensor;

/**
 * The {@code cpu} provider: fused, vectorized (Vector API), multi-threaded kernels for every IR op.
 *
 * <h2>What it supports</h2>
 * Every implementation takes CPU tensors of f32, f16 or bf16 whose rows are laid out evenly: the last dimension
 * contiguous, and either the whole tensor contiguous or a rank-2 tensor with any row stride. Hidden sizes must
 * be constants (token counts may be symbolic). Beyond that, per op:
 * <ul>
 *   <li>{@code rms_norm}, {@code fused_add_rms_norm}: no {@code variance_size}; weight absent or of x's dtype;
 *       the residual of x's dtype and shape. {@code fused_add_rms_norm} has both forms: its
 *       {@code maybe_inplace} overload writes y into x and the sum into the residual, its default overload
 *       writes two fresh outputs.</li>
 *   <li>{@code silu_and_mul}, {@code gelu_and_mul}: an even last dimension; gelu's approximate
 *       {@code "none"} or {@code "tanh"}.</li>
 *   <li>{@code rotary_embedding}: positions i64 of rank 1; query and key rank 2; the cache of query's dtype,
 *       contiguous; rotary_dim even and at most head_size. Works in place on query and key.</li>
 *   <li>the quantization ops: output dtype f8e4m3fn; static quant's scale a single f32; group quant on rank-2
 *       inputs with group_shape {@code [1, g]} and g dividing the hidden size.</li>
 * </ul>
 * Everything else (variance_size, f64, fp8 e5m2, other devices) goes to the next provider in priority.
 *
 * <h2>Threads</h2>
 * Rows are split across a small fixed pool of daemon threads above a size threshold (system properties
 * {@code kernelir.cpu.threads} and {@code kernelir.cpu.parallelThresholdBytes}).
 */
public final class CpuProvider implements KernelProvider {

    /** The provider's name. */
    public static final String NAME = "cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability availability() {
        try {
            Class.forName("jdk.incubator.vector.FloatVector");
            int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
            return lanes >= 4 ? Availability.AVAILABLE
                    : Availability.unavailable("the CPU's preferred float vector has only " + lanes + " lanes");
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.unavailable("the Vector API is not enabled: start the JVM with "
                    + "--add-modules jdk.incubator.vector");
        }
    }

    @Override
    public void register(ProviderContext ctx) {
        CpuKernelOps.all().forEach(ctx::kernel);
        ctx.implement(Implementation.of(IrOps.RMS_NORM, CpuProvider::rmsNorm).supports(CpuProvider::supportsRmsNorm));
        ctx.implement(Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM, CpuProvider::fusedAddRmsNormInplace)
                .supports(CpuProvider::supportsFusedAddRmsNorm));
        // The default overload writes fresh outputs directly, instead of cloning x and residual first.
        ctx.implement(Implementation.of(IrOps.FUSED_ADD_RMS_NORM, CpuProvider::fusedAddRmsNorm)
                .supports(CpuProvider::supportsFusedAddRmsNorm));
        ctx.implement(Implementation.of(IrOps.SILU_AND_MUL, (IrOps.SiluAndMul) x -> x.call(CpuKernelOps.SILU_AND_MUL, x))
                .supports(a -> rows(a.meta(0)) && evenLastDim(a.meta(0))));
        ctx.implement(Implementation.of(IrOps.GELU_AND_MUL,
                        (IrOps.GeluAndMul) (x, approx) -> x.call(CpuKernelOps.GELU_AND_MUL, x, approx))
                .supports(a -> rows(a.meta(0)) && evenLastDim(a.meta(0))
                        && ("none".equals(a.str(1)) || "tanh".equals(a.str(1)))));
        ctx.implement(Implementation.inplace(IrOps.ROTARY_EMBEDDING, CpuProvider::rotary)
                .supports(CpuProvider::supportsRotary));
        ctx.implement(Implementation.of(IrOps.STATIC_QUANT_FP8,
                        (IrOps.StaticQuantFp8) (x, scale, fp8) -> x.call(CpuKernelOps.STATIC_QUANT_FP8, x, scale))
                .supports(a -> rows(a.meta(0)) && a.dtype(2) == DType.F8E4M3FN && a.meta(1).dtype() == DType.F32
                        && a.meta(1).numel().equals(org.kernelir.core.shape.Dim.ONE)));
        ctx.implement(Implementation.of(IrOps.DYNAMIC_QUANT_FP8, CpuProvider::dynamicQuant)
                .supports(a -> rows(a.meta(0)) && a.dtype(2) == DType.F8E4M3FN));
        ctx.implement(Implementation.of(IrOps.DYNAMIC_GROUP_QUANT_FP8, CpuProvider::groupQuant)
                .supports(CpuProvider::supportsGroupQuant));
    }

    // ---- implementations: each is one kernel op ---------------------------------------------------------------

    private static Tensor rmsNorm(Tensor x, Tensor weight, double eps, Long varianceSize) {
        return x.call(CpuKernelOps.RMS_NORM, x, weight, eps);
    }

    private static TensorPair fusedAddRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps, Long vs) {
        List<Tensor> out = x.callMulti(CpuKernelOps.FUSED_ADD_RMS_NORM, x, residual, weight, eps);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair fusedAddRmsNormInplace(Tensor x, Tensor residual, Tensor weight, double eps, Long vs) {
        List<Tensor> out = x.callMulti(CpuKernelOps.FUSED_ADD_RMS_NORM_, x, residual, weight, eps);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair rotary(Tensor positions, Tensor query, Tensor key, long headSize, long rotaryDim,
            Tensor cache, boolean neox) {
        List<Tensor> out = query.callMulti(CpuKernelOps.ROTARY_EMBEDDING_, positions, query, key, headSize, rotaryDim,
                cache, neox);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair dynamicQuant(Tensor x, boolean perToken, DType fp8, Double scaleUb) {
        List<Tensor> out = x.callMulti(CpuKernelOps.DYNAMIC_QUANT_FP8, x, perToken, scaleUb);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair groupQuant(Tensor x, List<Long> groupShape, boolean columnMajor, boolean ue8m0,
            DType fp8) {
        List<Tensor> out = x.callMulti(CpuKernelOps.DYNAMIC_GROUP_QUANT_FP8, x, groupShape.get(1), columnMajor, ue8m0);
        return new TensorPair(out.get(0), out.get(1));
    }

    // ---- supports rules ---------------------------------------------------------------------------------------

    /** A CPU tensor of a kernel dtype whose rows are evenly laid out, with a constant row width. */
    static boolean rows(TensorMeta m) {
        if (m == null || !m.device().equals(Device.CPU) || m.rank() == 0) {
            return false;
        }
        if (m.dtype() != DType.F32 && m.dtype() != DType.F16 && m.dtype() != DType.BF16) {
            return false;
        }
        if (!m.size(-1).isConstant() || !m.isLastDimContiguous()) {
            return false;
        }
        return m.isContiguous() || m.rank() == 2;
    }

    private static boolean evenLastDim(TensorMeta m) {
        return m.size(-1).constant() % 2 == 0;
    }

    private static boolean weightFits(TensorMeta x, TensorMeta w) {
        return w == null || (w.dtype() == x.dtype() && w.rank() == 1 && w.isContiguous()
                && w.size(0).equals(x.size(-1)) && w.device().equals(Device.CPU));
    }

    private static boolean supportsRmsNorm(CallArgs a) {
        TensorMeta x = a.meta(0);
        return rows(x) && weightFits(x, a.meta(1)) && a.isNull(3);
    }

    private static boolean supportsFusedAddRmsNorm(CallArgs a) {
        TensorMeta x = a.meta(0);
        TensorMeta r = a.meta(1);
        return rows(x) && rows(r) && r.dtype() == x.dtype() && r.shape().equals(x.shape()) && weightFits(x, a.meta(2))
                && a.isNull(4);
    }

    private static boolean supportsRotary(CallArgs a) {
        TensorMeta pos = a.meta(0);
        TensorMeta q = a.meta(1);
        TensorMeta k = a.meta(2);
        TensorMeta cache = a.meta(5);
        long headSize = a.i64(3);
        long rotaryDim = a.i64(4);
        return pos.dtype() == DType.I64 && pos.rank() == 1 && pos.isContiguous() && pos.device().equals(Device.CPU)
                && rows(q) && q.rank() == 2 && q.size(-1).constant() % headSize == 0
                && (k == null || (rows(k) && k.rank() == 2 && k.dtype() == q.dtype()
                        && k.size(-1).constant() % headSize == 0))
                && rows(cache) && cache.isContiguous() && cache.dtype() == q.dtype() && cache.rank() == 2
                && cache.size(-1).equals(org.kernelir.core.shape.Dim.of(rotaryDim))
                && rotaryDim > 0 && rotaryDim % 2 == 0 && rotaryDim <= headSize;
    }

    private static boolean supportsGroupQuant(CallArgs a) {
        TensorMeta x = a.meta(0);
        List<Long> group = a.longs(1);
        return rows(x) && x.rank() == 2 && a.dtype(4) == DType.F8E4M3FN && group.size() == 2 && group.get(0) == 1
                && group.get(1) > 0 && x.size(-1).constant() % group.get(1) == 0;
    }
}
