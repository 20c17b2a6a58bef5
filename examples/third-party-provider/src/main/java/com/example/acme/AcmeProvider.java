package com.example.acme;

import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.provider.Supports;
import org.kernelir.core.tensor.Tensor;

/**
 * Acme's kernels for kernel-ir: {@code rms_norm} of contiguous f32 activations with an f32 weight.
 *
 * <p>The implementation is one call of the kernel op {@code acme::rms_norm_f32} (see {@link AcmeKernels}), so a
 * lowered graph holds a single node where native has a dozen primitives. Everything else, other dtypes,
 * {@code weight=None}, {@code variance_size}, strided inputs, is left to the next provider in the priority list
 * by the {@code supports} rule.
 */
public final class AcmeProvider implements KernelProvider {

    /** The provider's name, as priority lists write it: {@code rms_norm=acme,native}. */
    public static final String NAME = "acme";

    /** ServiceLoader and the plugin host create it with this constructor; it does nothing else. */
    public AcmeProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void register(ProviderContext context) {
        context.kernel(AcmeKernels.RMS_NORM_F32);
        context.implement(Implementation.of(IrOps.RMS_NORM, AcmeProvider::rmsNorm).supports(SUPPORTS));
    }

    /** Matches {@link IrOps.RmsNorm}; called only for arguments {@link #supports} accepts. */
    static Tensor rmsNorm(Tensor x, Tensor weight, double epsilon, Long varianceSize) {
        return x.call(AcmeKernels.RMS_NORM_F32, x, weight, epsilon);
    }

    /**
     * rms_norm(x, weight, epsilon, variance_size): argument 0 is x, 1 the weight, 3 variance_size. Only metadata
     * is looked at, and never the token count. Each condition has a name, which {@code kir explain} shows when
     * the rule declines a node.
     */
    static final Supports SUPPORTS = Supports
            .when("x is float32, contiguous, on the cpu", a -> a.meta(0).dtype() == DType.F32 && a.meta(0).rank() >= 1
                    && a.meta(0).isContiguous() && a.meta(0).device().toString().equals("cpu"))
            .and("weight is given", a -> !a.isNull(1))
            .and("weight is a contiguous float32 vector on x's device", a -> {
                TensorMeta w = a.meta(1);
                return w.dtype() == DType.F32 && w.rank() == 1 && w.isContiguous()
                        && w.device().equals(a.meta(0).device());
            })
            .and("weight's size is x's last dimension", a -> a.meta(1).size(0).equals(a.meta(0).size(-1)))
            .and("variance_size is None", a -> a.isNull(3));

    /** Whether {@link #SUPPORTS} accepts {@code a}. */
    static boolean supports(CallArgs a) {
        return SUPPORTS.test(a);
    }
}
