package org.kernelir.passes;

import java.util.List;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;

/**
 * A provider for tests, named {@code test}: correct implementations of rms_norm (through its own fused kernel op
 * {@code test::rms_norm}), fused_add_rms_norm (in place: it writes its results into x and the residual) and
 * silu_and_mul, each computed differently from native, and each supporting only some arguments:
 * <ul>
 *   <li>rms_norm and fused_add_rms_norm: f32, no variance_size, hidden size a multiple of 32;</li>
 *   <li>silu_and_mul: last dimension a multiple of 512.</li>
 * </ul>
 */
final class TestProvider implements KernelProvider {

    /** {@code test::rms_norm(x, weight?, epsilon)}: row-wise RMS normalization in double precision. */
    static final KernelDef RMS_NORM_KERNEL = KernelDef.pure(Target.of("test", "rms_norm"),
            new Schema(List.of(Param.of("x", ParamType.TENSOR), Param.of("weight", ParamType.OPTIONAL_TENSOR),
                    Param.of("epsilon", ParamType.FLOAT)), 1),
            a -> ((TensorMeta) a.get(0)).withShape(((TensorMeta) a.get(0)).shape()),
            TestProvider::rmsNormKernel);

    @Override
    public String name() {
        return "test";
    }

    @Override
    public void register(ProviderContext context) {
        context.kernel(RMS_NORM_KERNEL);
        context.implement(Implementation.of(IrOps.RMS_NORM,
                        (x, weight, epsilon, varianceSize) -> x.call(RMS_NORM_KERNEL, x, weight, epsilon))
                .supports(TestProvider::normSupported));
        context.implement(Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM,
                (x, residual, weight, epsilon, varianceSize) -> {
                    Tensor sum = x.add(residual);
                    Tensor y = x.call(RMS_NORM_KERNEL, sum, weight, epsilon);
                    return new TensorPair(x.copy_(y), residual.copy_(sum));
                }).supports(TestProvider::normSupported));
        context.implement(Implementation.of(IrOps.SILU_AND_MUL, x -> {
            long d = x.size(-1).constant() / 2;
            Tensor a = x.narrow(-1, 0, d);
            return a.div(a.neg().exp().add(1.0)).mul(x.narrow(-1, d, d));
        }).supports(a -> a.meta(0).size(-1).isConstant() && a.meta(0).size(-1).constant() % 512 == 0));
    }

    private static boolean normSupported(CallArgs a) {
        TensorMeta x = a.meta(0);
        return x.dtype() == DType.F32 && a.isNull(a.size() - 1) && x.size(-1).isConstant()
                && x.size(-1).constant() % 32 == 0;
    }

    private static Object rmsNormKernel(List<Object> a) {
        CpuTensor x = (CpuTensor) a.get(0);
        CpuTensor w = (CpuTensor) a.get(1);
        double epsilon = ((Number) a.get(2)).doubleValue();
        double[] v = x.toDoubleArray();
        double[] weight = w == null ? null : w.toDoubleArray();
        int hidden = (int) x.sizeAt(-1);
        for (int row = 0; row < v.length / hidden; row++) {
            double squares = 0;
            for (int i = 0; i < hidden; i++) {
                squares += v[row * hidden + i] * v[row * hidden + i];
            }
            double scale = 1.0 / Math.sqrt(squares / hidden + epsilon);
            for (int i = 0; i < hidden; i++) {
                v[row * hidden + i] *= scale * (weight == null ? 1.0 : weight[i]);
            }
        }
        return CpuTensor.of(x.dtype(), v, x.sizes());
    }
}
