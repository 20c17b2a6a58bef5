package com.example.wrong;

import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;

/** A provider whose rms_norm forgets the weight: lowering with it must be caught by verify and run --compare. */
public final class WrongProvider implements KernelProvider {
    @Override
    public String name() {
        return "wrong";
    }

    @Override
    public void register(ProviderContext context) {
        context.implement(Implementation.of(IrOps.RMS_NORM, (x, w, eps, vs) -> NativeOps.rmsNorm(x, null, eps, vs))
                .supports(a -> a.meta(0).dtype() == DType.F32 && !a.isNull(1) && a.isNull(3)));
    }
}
