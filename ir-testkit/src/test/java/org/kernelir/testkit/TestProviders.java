package org.kernelir.testkit;

import java.util.function.Consumer;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.provider.Availability;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.tensor.Tensor;

/** Small providers, good and broken, that the kit is tried on. */
final class TestProviders {

    private TestProviders() {
    }

    /** rms_norm in f32 through the Tensor API, written independently of native; listed in META-INF/services. */
    public static final class Good implements KernelProvider {
        @Override
        public String name() {
            return "good";
        }

        @Override
        public void register(ProviderContext context) {
            context.implement(Implementation.of(IrOps.RMS_NORM, Good::rmsNorm)
                    .supports(a -> a.meta(0).dtype() == DType.F32 && a.isNull(3)));
        }

        static Tensor rmsNorm(Tensor x, Tensor weight, double eps, Long varianceSize) {
            Tensor y = x.mul(x.mul(x).mean(-1, true).add(eps).rsqrt());
            return weight == null ? y : y.mul(weight);
        }
    }

    /** A provider made of a name, an availability and a register body. */
    static KernelProvider of(String name, Availability availability, Consumer<ProviderContext> body) {
        return new KernelProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Availability availability() {
                return availability;
            }

            @Override
            public void register(ProviderContext context) {
                body.accept(context);
            }
        };
    }

    /** Forgets epsilon: wrong on the sample with epsilon=0.1. */
    static KernelProvider wrong() {
        return of("wrong", Availability.AVAILABLE, ctx -> ctx.implement(Implementation.of(IrOps.RMS_NORM,
                (x, w, eps, vs) -> Good.rmsNorm(x, w, 0.0, vs)).supports(a -> a.meta(0).dtype() == DType.F32
                && a.isNull(3))));
    }

    /** Correct eagerly, but reads the data, so it cannot be traced. */
    static KernelProvider readsData() {
        return of("peeker", Availability.AVAILABLE, ctx -> ctx.implement(Implementation.of(IrOps.RMS_NORM,
                (x, w, eps, vs) -> {
                    ((CpuTensor) x).toDoubleArray();
                    return Good.rmsNorm(x, w, eps, vs);
                }).supports(a -> a.meta(0).dtype() == DType.F32 && a.isNull(3))));
    }

    /** Declines every sample. */
    static KernelProvider supportsNothing() {
        return of("picky", Availability.AVAILABLE, ctx -> ctx.implement(Implementation.of(IrOps.RMS_NORM,
                Good::rmsNorm).supports(a -> false)));
    }

    /** Unavailable here (its implementation would be wrong: it must not be run). */
    static KernelProvider unavailable() {
        return of("faraway", Availability.unavailable("no FarAway accelerator in this machine"),
                ctx -> ctx.implement(Implementation.of(IrOps.RMS_NORM, (x, w, eps, vs) -> x)));
    }
}
