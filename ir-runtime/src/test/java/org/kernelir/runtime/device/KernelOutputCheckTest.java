package org.kernelir.runtime.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.interp.InterpreterException;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Target;
import org.kernelir.runtime.KernelIr;

/** Invariant 9: a kernel whose output contradicts its declared metadata fails at its node, naming its provider. */
class KernelOutputCheckTest {

    /** {@code liar::cast_quietly} declares f32 and returns bf16; {@code liar::transpose_quietly} declares [4, 6]. */
    static final class Liar implements KernelProvider {
        @Override
        public String name() {
            return "liar";
        }

        @Override
        public void register(ProviderContext context) {
            context.kernel(KernelDef.pure(Target.of("liar", "cast_quietly"), TestDeviceProvider.unary(),
                    a -> ((TensorMeta) a.get(0)).contiguous(),
                    args -> ((CpuTensor) args.get(0)).to(DType.BF16)));
            context.kernel(KernelDef.pure(Target.of("liar", "transpose_quietly"), TestDeviceProvider.unary(),
                    a -> ((TensorMeta) a.get(0)).contiguous(),
                    args -> ((CpuTensor) args.get(0)).reshape(6, 4)));
            context.kernel(KernelDef.pure(Target.of("liar", "honest"), TestDeviceProvider.unary(),
                    a -> ((TensorMeta) a.get(0)).contiguous(),
                    args -> ((CpuTensor) args.get(0)).mul(2.0)));
        }
    }

    private static Graph calling(String kernel) {
        TensorMeta m = TensorMeta.of(DType.F32, 4, 6);
        Graph.Builder b = Graph.builder("g_" + kernel);
        Node x = b.placeholder("x", m);
        Node k = b.call("lie", Target.of("liar", kernel), List.of(x), m);
        // a consumer that would go on with the wrong value (or fail without naming the liar)
        Node y = b.call("y", org.kernelir.core.tensor.Prims.MATMUL.target(), List.of(k,
                b.placeholder("w", TensorMeta.of(DType.F32, 6, 2))), TensorMeta.of(DType.F32, 4, 2));
        return b.output(List.of(y));
    }

    private static List<CpuTensor> inputs() {
        return List.of(CpuTensor.zeros(DType.F32, 4, 6), CpuTensor.zeros(DType.F32, 6, 2));
    }

    @Test
    void aKernelLyingAboutItsDtypeIsNamed() {
        try (KernelIr ir = KernelIr.builder().plugins(false).classpathProviders(false).provider(new Liar())
                .priority(Priority.parse("default=native")).build()) {
            for (Device on : List.of(Device.CPU)) {
                InterpreterException e = assertThrows(InterpreterException.class,
                        () -> ir.run(calling("cast_quietly"), inputs(), on));
                String msg = e.getMessage();
                assertTrue(msg.contains("node lie of graph g_cast_quietly") && msg.contains("kernel op "
                        + "liar::cast_quietly of provider liar") && msg.contains("has dtype bf16 but its metadata "
                        + "declares f32"), msg);
            }
            // the pooled run checks too, and gives its memory back
            try (TensorPool pool = new TensorPool()) {
                Interpreter interp = new Interpreter(ir.passManager().config().catalog());
                assertThrows(InterpreterException.class, () -> interp.run(calling("cast_quietly"), inputs(), pool));
                assertTrue(pool.stats().lentBlocks() == 0, pool::toString);
            }
        }
    }

    @Test
    void eagerCallsOfAProvidersKernelAreCheckedToo() {
        try (KernelIr ir = KernelIr.builder().plugins(false).classpathProviders(false).provider(new Liar())
                .priority(Priority.parse("default=native")).build()) {
            KernelDef lying = ir.registry().kernels().require(Target.of("liar", "cast_quietly"));
            KernelDef honest = ir.registry().kernels().require(Target.of("liar", "honest"));
            CpuTensor x = CpuTensor.zeros(DType.F32, 4, 6);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.call(lying, x));
            assertTrue(e.getMessage().contains("kernel op liar::cast_quietly of provider liar returned bf16[4, 6] "
                    + "where its metadata declares f32[4, 6]"), e::getMessage);
            assertArrayEquals(new long[] {4, 6}, ((CpuTensor) x.call(honest, x)).sizes());
        }
    }

    @Test
    void aKernelWhoseShapeContradictsItsMetaIsNamed() {
        try (KernelIr ir = KernelIr.builder().plugins(false).classpathProviders(false).provider(new Liar())
                .priority(Priority.parse("default=native")).build()) {
            InterpreterException e = assertThrows(InterpreterException.class,
                    () -> ir.run(calling("transpose_quietly"), inputs()));
            String msg = e.getMessage();
            assertTrue(msg.contains("node lie") && msg.contains("provider liar") && msg.contains("liar::transpose_"
                    + "quietly") && msg.contains("has shape [6, 4] but its metadata declares [4, 6]"), msg);
            // the honest kernel passes the same check
            assertArrayEquals(new long[] {4, 2}, ir.run(calling("honest"), inputs()).getFirst().sizes());
        }
    }
}
