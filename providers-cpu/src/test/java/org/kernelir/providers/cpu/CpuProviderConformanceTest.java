package org.kernelir.providers.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.kernelir.core.conformance.Conformance;
import org.kernelir.core.conformance.ConformanceResult;
import org.kernelir.core.conformance.SampleResult;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;

/** Every cpu implementation matches native on every input its op's generator yields. */
class CpuProviderConformanceTest {

    private final ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
    private final RegisteredProvider cpu = registry.register(new CpuProvider());

    @TestFactory
    Stream<DynamicTest> everyImplementationMatchesNative() {
        return cpu.implementations().values().stream().map(impl -> DynamicTest.dynamicTest(impl.toString(), () -> {
            ConformanceResult r = Conformance.check(impl);
            assertTrue(r.passed(), r.summary() + "\n" + r.failures());
            assertTrue(r.count(SampleResult.Status.PASSED) > 0, "no sample was supported: " + r.summary());
        }));
    }

    @Test
    void implementsEveryOpAndIsAvailable() {
        assertTrue(cpu.availability().available(), cpu.availability().toString());
        assertEquals(OpRegistry.standard().names().stream().sorted().toList(), cpu.opNames());
    }

    @Test
    void declinesWhatItDoesNotHandle() {
        Dispatcher d = new Dispatcher(registry, Priority.parse("default=cpu,native"));
        CpuTensor x = Samples.randn(1, DType.F32, 1.0, 4, 96);
        CpuTensor w = Samples.randn(2, DType.F32, 1.0, 96);
        var handle = d.handle(IrOps.RMS_NORM);
        assertEquals("cpu", handle.select(new org.kernelir.core.op.CallArgs(java.util.Arrays.asList(x, w, 1e-6, null)))
                .provider());
        assertEquals("native", handle.select(new org.kernelir.core.op.CallArgs(java.util.Arrays.asList(x, w, 1e-6, 64L)))
                .provider(), "variance_size goes to native");
        CpuTensor x64 = Samples.randn(3, DType.F64, 1.0, 4, 96);
        assertEquals("native", handle.select(new org.kernelir.core.op.CallArgs(java.util.Arrays.asList(x64, null, 1e-6,
                null))).provider(), "f64 goes to native");
    }

    @Test
    void maybeInplaceWritesIntoTheActivations() {
        Dispatcher d = new Dispatcher(registry, Priority.parse("default=cpu,native"));
        CpuTensor x = Samples.randn(4, DType.F32, 1.0, 8, 64);
        CpuTensor r = Samples.randn(5, DType.F32, 1.0, 8, 64);
        CpuTensor w = Samples.randn(6, DType.F32, 1.0, 64);
        TensorPair expected = (TensorPair) d.handle(IrOps.FUSED_ADD_RMS_NORM).call(x, r, w, 1e-6, null);
        double[] xBefore = x.toDoubleArray();
        TensorPair out = (TensorPair) d.handle(IrOps.FUSED_ADD_RMS_NORM).callMaybeInplace(x, r, w, 1e-6, null);
        assertTrue(out.first() == x && out.second() == r, "results are the activation inputs");
        assertTrue(!java.util.Arrays.equals(xBefore, x.toDoubleArray()), "x was overwritten");
        assertEquals(java.util.Arrays.toString(((CpuTensor) expected.first()).toDoubleArray()),
                java.util.Arrays.toString(x.toDoubleArray()));
    }
}
