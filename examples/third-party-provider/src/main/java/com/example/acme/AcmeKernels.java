package com.example.acme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;

/**
 * Acme's kernel ops. A kernel op is what a lowered graph calls: a target in the provider's namespace, a schema, a
 * meta function (what it produces, from metadata alone, so it can be traced and verified) and a CPU kernel (what
 * the interpreter runs).
 */
public final class AcmeKernels {

    private AcmeKernels() {
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** {@code acme::rms_norm_f32(x: f32[..., h] contiguous, weight: f32[h], epsilon) -> f32[..., h]}. */
    public static final KernelDef RMS_NORM_F32 = KernelDef.pure(Target.of(AcmeProvider.NAME, "rms_norm_f32"),
            new Schema(List.of(Param.of("x", ParamType.TENSOR), Param.of("weight", ParamType.TENSOR),
                    Param.of("epsilon", ParamType.FLOAT)), 1),
            args -> {
                TensorMeta x = (TensorMeta) args.get(0);
                TensorMeta w = (TensorMeta) args.get(1);
                if (x.dtype() != DType.F32 || w.dtype() != DType.F32 || !w.size(0).equals(x.size(-1))) {
                    throw new IllegalArgumentException("acme::rms_norm_f32 takes f32[..., h] and f32[h], got " + x
                            + " and " + w);
                }
                return TensorMeta.of(DType.F32, x.shape());
            },
            args -> rmsNorm((CpuTensor) args.get(0), (CpuTensor) args.get(1), ((Number) args.get(2)).doubleValue()));

    /** One pass for the sum of squares (in double), one for the scaled output, row by row. */
    static CpuTensor rmsNorm(CpuTensor x, CpuTensor weight, double epsilon) {
        CpuTensor xc = (CpuTensor) x.contiguous();
        CpuTensor wc = (CpuTensor) weight.contiguous();
        int h = (int) xc.sizeAt(-1);
        long rows = h == 0 ? 0 : xc.numel() / h;
        CpuTensor y = CpuTensor.zeros(DType.F32, xc.sizes());
        MemorySegment in = xc.segment();
        MemorySegment w = wc.segment();
        MemorySegment out = y.segment();
        long xo = xc.offset();
        long wo = wc.offset();
        for (long r = 0; r < rows; r++) {
            long base = xo + r * h;
            double sum = 0;
            for (int i = 0; i < h; i++) {
                double v = in.getAtIndex(F32, base + i);
                sum += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt((float) (sum / h) + epsilon));
            for (int i = 0; i < h; i++) {
                float v = in.getAtIndex(F32, base + i) * inv;
                out.setAtIndex(F32, r * h + i, v * w.getAtIndex(F32, wo + i));
            }
        }
        return y;
    }
}
