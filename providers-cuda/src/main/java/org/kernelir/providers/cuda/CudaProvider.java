package org.kernelir.providers.cuda;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.providers.cuda.runtime.CudaDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cuda} provider: CUDA C++ kernels for every IR op, compiled ahead of time by nvcc into a fatbin inside
 * this JAR, loaded and launched through the CUDA driver API with the FFM API.
 *
 * <h2>Availability</h2>
 * Unavailable, with the reason, when the build had no nvcc, {@code libcuda.so.1} does not load, {@code cuInit}
 * fails (the error's name), there is no device, or device 0's compute capability has neither SASS nor PTX in the
 * fatbin (see {@link CudaAvailability}). The first time it finds itself unavailable it logs one warning; the
 * dispatcher then drops it from every priority list, so lowering goes on with the next provider.
 *
 * <h2>What it supports</h2>
 * Tensors on a {@code cuda} device, of f32, f16 or bf16, laid out as rows: the last dimension contiguous and a
 * constant multiple of the 16-byte chunk (4 elements for f32, 8 for f16/bf16), and either the whole tensor
 * contiguous or rank 2 with any constant row stride. Row kernels (the norms, per-token quant) stage a row in
 * shared memory: rows of at most {@value CudaOps#MAX_ROW} elements. Beyond that, per op:
 * <ul>
 *   <li>{@code rms_norm}, {@code fused_add_rms_norm}: no {@code variance_size}; weight absent or of x's dtype,
 *       contiguous, of the row's width; the residual of x's dtype and shape. Both forms of
 *       {@code fused_add_rms_norm}: in place (writes y into x, the sum into the residual) and functional.</li>
 *   <li>{@code silu_and_mul}, {@code gelu_and_mul}: the half width a multiple of the chunk; gelu's approximate
 *       {@code "none"} or {@code "tanh"}.</li>
 *   <li>{@code rotary_embedding}: positions i64 of rank 1, contiguous; query and key rank 2 of whole heads; the
 *       cache of query's dtype, contiguous, {@code [max_pos, rotary_dim]}; rotary_dim even and at most head_size.
 *       In place.</li>
 *   <li>the quantization ops: output f8e4m3fn; static quant's scale a single f32 on the device; group quant on
 *       rank-2 inputs with {@code group_shape = [1, g]}, g dividing the row and g / chunk a power of two of at most
 *       32 (g = 128 for every dtype).</li>
 * </ul>
 * Everything else (variance_size, f64, fp8 e5m2, CPU tensors) goes to the next provider in priority.
 *
 * <h2>Identity</h2>
 * The fatbin is a resource of this JAR and its SHA-256 is compiled into the class {@code KernelBuildInfo}, so the
 * provider's code fingerprint changes with the kernels, from a JAR or a class folder alike.
 */
public final class CudaProvider implements KernelProvider {

    /** The provider's name. */
    public static final String NAME = "cuda";

    private static final Logger LOG = LoggerFactory.getLogger(CudaProvider.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static volatile CudaAvailability probed;
    private static final Map<Integer, CudaDevice> DEVICES = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    /** The probe's result, computed once per class loader. */
    public static CudaAvailability probe() {
        CudaAvailability p = probed;
        if (p == null) {
            synchronized (CudaProvider.class) {
                p = probed;
                if (p == null) {
                    p = CudaAvailability.probe();
                    probed = p;
                }
            }
        }
        return p;
    }

    @Override
    public Availability availability() {
        CudaAvailability p = probe();
        if (!p.availability().available() && WARNED.compareAndSet(false, true)) {
            LOG.warn("cuda provider unavailable: {}; its ops go to the next provider in the priority list",
                    p.availability().reason());
        }
        if (p.availability().available()) {
            LOG.debug("cuda provider: {}", p.describe());
        }
        return p.availability();
    }

    /**
     * The runtime of device {@code cuda:ordinal}, opened on first use.
     *
     * @throws IllegalStateException with the reason when the provider is unavailable
     */
    public static CudaDevice device(int ordinal) {
        return DEVICES.computeIfAbsent(ordinal, o -> {
            CudaAvailability p = probe();
            if (!p.availability().available()) {
                throw new IllegalStateException("cuda provider unavailable: " + p.availability().reason());
            }
            CudaDevice d = CudaDevice.open(p.driver(), o, KernelImage.fromResources().fatbin());
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(d::close));
            return d;
        });
    }

    @Override
    public void register(ProviderContext ctx) {
        CudaKernelOps.all().forEach(ctx::kernel);
        ctx.implement(Implementation.of(IrOps.RMS_NORM, CudaProvider::rmsNorm).supports(CudaProvider::supportsRmsNorm));
        ctx.implement(Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM, CudaProvider::fusedAddRmsNormInplace)
                .supports(CudaProvider::supportsFusedAddRmsNorm));
        ctx.implement(Implementation.of(IrOps.FUSED_ADD_RMS_NORM, CudaProvider::fusedAddRmsNorm)
                .supports(CudaProvider::supportsFusedAddRmsNorm));
        ctx.implement(Implementation.of(IrOps.SILU_AND_MUL,
                        (IrOps.SiluAndMul) x -> x.call(CudaKernelOps.SILU_AND_MUL, x))
                .supports(a -> gatedFits(a.meta(0))));
        ctx.implement(Implementation.of(IrOps.GELU_AND_MUL,
                        (IrOps.GeluAndMul) (x, approx) -> x.call(CudaKernelOps.GELU_AND_MUL, x, approx))
                .supports(a -> gatedFits(a.meta(0)) && ("none".equals(a.str(1)) || "tanh".equals(a.str(1)))));
        ctx.implement(Implementation.inplace(IrOps.ROTARY_EMBEDDING, CudaProvider::rotary)
                .supports(CudaProvider::supportsRotary));
        ctx.implement(Implementation.of(IrOps.STATIC_QUANT_FP8,
                        (IrOps.StaticQuantFp8) (x, scale, fp8) -> x.call(CudaKernelOps.STATIC_QUANT_FP8, x, scale))
                .supports(CudaProvider::supportsStaticQuant));
        ctx.implement(Implementation.of(IrOps.DYNAMIC_QUANT_FP8, CudaProvider::dynamicQuant)
                .supports(CudaProvider::supportsDynamicQuant));
        ctx.implement(Implementation.of(IrOps.DYNAMIC_GROUP_QUANT_FP8, CudaProvider::groupQuant)
                .supports(CudaProvider::supportsGroupQuant));
    }

    // ---- implementations: each is one kernel op ---------------------------------------------------------------

    private static Tensor rmsNorm(Tensor x, Tensor weight, double eps, Long varianceSize) {
        return x.call(CudaKernelOps.RMS_NORM, x, weight, eps);
    }

    private static TensorPair fusedAddRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps, Long vs) {
        List<Tensor> out = x.callMulti(CudaKernelOps.FUSED_ADD_RMS_NORM, x, residual, weight, eps);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair fusedAddRmsNormInplace(Tensor x, Tensor residual, Tensor weight, double eps, Long vs) {
        List<Tensor> out = x.callMulti(CudaKernelOps.FUSED_ADD_RMS_NORM_, x, residual, weight, eps);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair rotary(Tensor positions, Tensor query, Tensor key, long headSize, long rotaryDim,
            Tensor cache, boolean neox) {
        List<Tensor> out = query.callMulti(CudaKernelOps.ROTARY_EMBEDDING_, positions, query, key, headSize,
                rotaryDim, cache, neox);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair dynamicQuant(Tensor x, boolean perToken, DType fp8, Double scaleUb) {
        List<Tensor> out = x.callMulti(CudaKernelOps.DYNAMIC_QUANT_FP8, x, perToken, scaleUb);
        return new TensorPair(out.get(0), out.get(1));
    }

    private static TensorPair groupQuant(Tensor x, List<Long> groupShape, boolean columnMajor, boolean ue8m0,
            DType fp8) {
        List<Tensor> out = x.callMulti(CudaKernelOps.DYNAMIC_GROUP_QUANT_FP8, x, groupShape.get(1), columnMajor,
                ue8m0);
        return new TensorPair(out.get(0), out.get(1));
    }

    // ---- supports rules ---------------------------------------------------------------------------------------

    static boolean onCuda(TensorMeta m) {
        return m != null && m.device().type().equals(Device.CUDA_TYPE);
    }

    /**
     * A cuda tensor of a kernel dtype laid out as rows of a constant width that is a positive multiple of the
     * 16-byte chunk: contiguous, or rank 2 with a constant row stride.
     */
    static boolean rows(TensorMeta m) {
        if (!onCuda(m) || m.rank() == 0) {
            return false;
        }
        if (m.dtype() != DType.F32 && m.dtype() != DType.F16 && m.dtype() != DType.BF16) {
            return false;
        }
        if (!m.size(-1).isConstant() || !m.isLastDimContiguous()) {
            return false;
        }
        long w = m.size(-1).constant();
        if (w <= 0 || w % CudaKernels.vec(m.dtype()) != 0) {
            return false;
        }
        return m.isContiguous() || (m.rank() == 2 && m.stride(0).isConstant());
    }

    private static boolean rowFitsSmem(TensorMeta m) {
        return m.size(-1).constant() <= CudaOps.MAX_ROW;
    }

    static boolean gatedFits(TensorMeta x) {
        return rows(x) && (x.size(-1).constant() / 2) % CudaKernels.vec(x.dtype()) == 0;
    }

    private static boolean weightFits(TensorMeta x, TensorMeta w) {
        return w == null || (w.dtype() == x.dtype() && w.rank() == 1 && w.isContiguous()
                && w.size(0).equals(x.size(-1)) && w.device().equals(x.device()));
    }

    static boolean supportsRmsNorm(CallArgs a) {
        TensorMeta x = a.meta(0);
        return rows(x) && rowFitsSmem(x) && weightFits(x, a.meta(1)) && a.isNull(3);
    }

    static boolean supportsFusedAddRmsNorm(CallArgs a) {
        TensorMeta x = a.meta(0);
        TensorMeta r = a.meta(1);
        return rows(x) && rowFitsSmem(x) && rows(r) && r.dtype() == x.dtype() && r.shape().equals(x.shape())
                && r.device().equals(x.device()) && weightFits(x, a.meta(2)) && a.isNull(4);
    }

    static boolean supportsRotary(CallArgs a) {
        TensorMeta pos = a.meta(0);
        TensorMeta q = a.meta(1);
        TensorMeta k = a.meta(2);
        TensorMeta cache = a.meta(5);
        long headSize = a.i64(3);
        long rotaryDim = a.i64(4);
        if (headSize <= 0 || rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > headSize) {
            return false;
        }
        return onCuda(pos) && pos.dtype() == DType.I64 && pos.rank() == 1 && pos.isContiguous()
                && rows(q) && q.rank() == 2 && q.size(-1).constant() % headSize == 0
                && (k == null || (rows(k) && k.rank() == 2 && k.dtype() == q.dtype() && k.device().equals(q.device())
                        && k.size(-1).constant() % headSize == 0))
                && onCuda(cache) && cache.isContiguous() && cache.dtype() == q.dtype() && cache.rank() == 2
                && cache.size(-1).equals(Dim.of(rotaryDim)) && cache.size(0).isConstant();
    }

    static boolean supportsStaticQuant(CallArgs a) {
        TensorMeta scale = a.meta(1);
        return rows(a.meta(0)) && a.dtype(2) == DType.F8E4M3FN && onCuda(scale) && scale.dtype() == DType.F32
                && scale.numel().equals(Dim.ONE);
    }

    static boolean supportsDynamicQuant(CallArgs a) {
        TensorMeta x = a.meta(0);
        return rows(x) && a.dtype(2) == DType.F8E4M3FN && (!a.bool(1) || rowFitsSmem(x));
    }

    static boolean supportsGroupQuant(CallArgs a) {
        TensorMeta x = a.meta(0);
        List<Long> group = a.longs(1);
        return rows(x) && x.rank() == 2 && a.dtype(4) == DType.F8E4M3FN && group.size() == 2 && group.get(0) == 1
                && x.size(-1).constant() % group.get(1) == 0 && CudaOps.groupFits(x.dtype(), group.get(1));
    }

    /** The fatbin's SHA-256 as the build recorded it (part of this class's code fingerprint). */
    public static String fatbinSha256() {
        return KernelBuildInfo.FATBIN_SHA256;
    }
}
