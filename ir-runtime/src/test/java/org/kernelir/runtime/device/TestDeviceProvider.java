package org.kernelir.runtime.device;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.kernelir.core.cpu.CpuPrims;
import org.kernelir.core.device.DeviceTensor;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;

/**
 * The provider {@code test}: brings the {@link TestDeviceRuntime} through {@link ProviderContext#deviceRuntime} and
 * one kernel op for it, {@code test::twice(x) = x + x}, which only takes tensors of the test device.
 */
public final class TestDeviceProvider implements KernelProvider {

    public static final Target TWICE = Target.of("test", "twice");

    public final TestDeviceRuntime runtime = new TestDeviceRuntime();
    /** How often {@code test::twice} ran. */
    public final AtomicLong twiceRuns = new AtomicLong();

    @Override
    public String name() {
        return "test";
    }

    @Override
    public void register(ProviderContext context) {
        context.deviceRuntime(runtime);
        var add = runtime.onDevice(Prims.ADD.target(), CpuPrims.body(Prims.ADD.target()).orElseThrow());
        context.kernel(KernelDef.on(TestDeviceRuntime.TYPE, TWICE, unary(), a -> ((TensorMeta) a.get(0)).contiguous(),
                args -> {
                    if (!(args.get(0) instanceof DeviceTensor t) || !t.buffer().device().equals(TestDeviceRuntime.DEVICE)) {
                        throw new IllegalStateException("test::twice ran on " + args.get(0) + ", not on test:0");
                    }
                    twiceRuns.incrementAndGet();
                    return add.run(List.of(t, t));
                }));
    }

    static Schema unary() {
        return new Schema(List.of(Param.of("x", ParamType.TENSOR)), 1);
    }
}
