package org.kernelir.bench;

import java.util.concurrent.TimeUnit;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.OpHandle;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Eager dispatch overhead: calling rms_norm through its {@link OpHandle} against calling the chosen
 * implementation directly, on a tiny tensor. The implementation returns its input, so what is measured is the
 * dispatch (argument binding, the priority walk and one {@code supports} rule), not arithmetic. Run with
 * {@code -prof gc} to see the allocation rate of each path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class DispatchBenchmark {

    private static final IrOps.RmsNorm IDENTITY = (x, w, eps, vs) -> x;

    private Tensor x;
    private Tensor w;
    private Double eps;
    private OpHandle<IrOps.RmsNorm> handle;
    private IrOps.RmsNorm direct;

    @Setup
    public void setUp() {
        OpRegistry ops = OpRegistry.standard();
        ProviderRegistry registry = new ProviderRegistry(ops);
        registry.register(new KernelProvider() {
            @Override
            public String name() {
                return "bench";
            }

            @Override
            public void register(ProviderContext ctx) {
                ctx.implement(Implementation.of(IrOps.RMS_NORM, IDENTITY)
                        .supports(a -> a.meta(0).dtype() == DType.F32 && a.isNull(3)));
            }
        });
        Dispatcher dispatcher = new Dispatcher(registry, Priority.parse("rms_norm=bench,native"));
        handle = dispatcher.handle(IrOps.RMS_NORM);
        direct = IDENTITY;
        x = CpuTensor.zeros(DType.F32, 1, 8);
        w = CpuTensor.zeros(DType.F32, 8);
        eps = 1e-6;
    }

    /** The baseline: the implementation called directly. */
    @Benchmark
    public Object direct() {
        return direct.apply(x, w, eps, null);
    }

    /** The same call through eager dispatch. */
    @Benchmark
    public Object dispatched() {
        return handle.call(x, w, eps, null);
    }
}
