package org.kernelir.core.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.core.provider.ProviderRegistryTest.provider;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.conformance.Conformance;
import org.kernelir.core.conformance.ConformanceResult;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Tensor;

/** A provider with a functional and an in-place implementation of one op: which form each overload runs. */
class BothFormsTest {

    private final ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
    private final List<String> calls = new ArrayList<>();

    /** In place: writes y into x and the sum into the residual. */
    private TensorPair inplace(Tensor x, Tensor r, Tensor w, double eps, Long vs) {
        calls.add("inplace");
        TensorPair p = NativeOps.fusedAddRmsNorm(x, r, w, eps, vs);
        return new TensorPair(x.copy_(p.first()), r.copy_(p.second()));
    }

    /** Functional, f32 only. */
    private TensorPair functional(Tensor x, Tensor r, Tensor w, double eps, Long vs) {
        calls.add("functional");
        return NativeOps.fusedAddRmsNorm(x, r, w, eps, vs);
    }

    private RegisteredProvider registerBoth() {
        return registry.register(provider("both", ctx -> {
            ctx.implement(Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM, this::inplace));
            ctx.implement(Implementation.of(IrOps.FUSED_ADD_RMS_NORM, this::functional)
                    .supports(a -> a.meta(0).dtype() == DType.F32));
        }));
    }

    private static CpuTensor randn(long seed, DType d, long... shape) {
        return Samples.randn(seed, d, 1.0, shape);
    }

    @Test
    void theRegistryHoldsOneImplementationWithBothForms() {
        Implementation<?> impl = registerBoth().implementations().get("fused_add_rms_norm");
        assertTrue(impl.isInplace());
        assertEquals("both", impl.functionalForm().orElseThrow().provider());
        assertFalse(impl.functionalForm().orElseThrow().isInplace());
        assertEquals("fused_add_rms_norm@both (inplace + functional)", impl.toString());
        assertTrue(impl.ownForm().functionalForm().isEmpty());
    }

    @Test
    void theDefaultOverloadRunsTheFunctionalFormWhereItApplies() {
        registerBoth();
        Dispatcher d = new Dispatcher(registry, Priority.parse("fused_add_rms_norm=both,native"));
        CpuTensor x = randn(1, DType.F32, 3, 8);
        CpuTensor r = randn(2, DType.F32, 3, 8);
        double[] x0 = x.toDoubleArray();
        TensorPair out = d.call2(IrOps.FUSED_ADD_RMS_NORM, x, r, null, 1e-6);
        assertEquals(List.of("functional"), calls);
        assertArrayEquals(x0, x.toDoubleArray(), "the input is untouched");
        TensorPair expected = NativeOps.fusedAddRmsNorm(x, r, null, 1e-6, null);
        assertArrayEquals(((CpuTensor) expected.first()).toDoubleArray(), ((CpuTensor) out.first()).toDoubleArray());

        // f16: only the in-place form applies, on clones.
        CpuTensor x16 = randn(3, DType.F16, 3, 8);
        double[] x16before = x16.toDoubleArray();
        d.call2(IrOps.FUSED_ADD_RMS_NORM, x16, randn(4, DType.F16, 3, 8), null, 1e-6);
        assertEquals(List.of("functional", "inplace"), calls);
        assertArrayEquals(x16before, x16.toDoubleArray());

        // maybe_inplace prefers the in-place form.
        d.handle(IrOps.FUSED_ADD_RMS_NORM).callMaybeInplace(x, r, null, 1e-6);
        assertEquals(List.of("functional", "inplace", "inplace"), calls);
        assertFalse(Arrays.equals(x0, x.toDoubleArray()), "maybe_inplace wrote x");
    }

    @Test
    void tracingTheDefaultOverloadNeedsNoClones() {
        Implementation<IrOps.FusedAddRmsNorm> impl = registry.implementation(IrOps.FUSED_ADD_RMS_NORM, registerBoth()
                .name()).orElseThrow();
        List<Object> f32 = Arrays.asList(randn(1, DType.F32, 3, 8).meta(), randn(1, DType.F32, 3, 8).meta(), null,
                1e-6, null);
        Graph functional = ImplementationTracer.trace(impl, f32, true);
        assertTrue(functional.calls().stream().noneMatch(n -> n.calls(Prims.CLONE.target())), functional.toString());
        Graph inplace = ImplementationTracer.trace(impl, f32, false);
        assertTrue(inplace.calls().stream().anyMatch(n -> n.calls(Prims.COPY_.target())), inplace.toString());
        List<Object> f16 = Arrays.asList(randn(1, DType.F16, 3, 8).meta(), randn(1, DType.F16, 3, 8).meta(), null,
                1e-6, null);
        Graph cloned = ImplementationTracer.trace(impl, f16, true);
        assertTrue(cloned.calls().stream().anyMatch(n -> n.calls(Prims.CLONE.target())), cloned.toString());
    }

    @Test
    void conformanceChecksBothForms() {
        Implementation<?> impl = registerBoth().implementations().get("fused_add_rms_norm");
        ConformanceResult result = Conformance.check(impl);
        assertTrue(result.passed(), result.failures());
        int samples = IrOps.FUSED_ADD_RMS_NORM.sampleInputs().size();
        assertEquals(2 * samples, result.samples().size());
        assertTrue(result.samples().stream().anyMatch(s -> s.description().endsWith(" (functional form)")));
    }

    @Test
    void twoImplementationsOfOneFormAreStillAnError() {
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(provider("dup", ctx -> {
            ctx.implement(Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM, this::inplace));
            ctx.implement(Implementation.of(IrOps.FUSED_ADD_RMS_NORM, this::functional));
            ctx.implement(Implementation.of(IrOps.FUSED_ADD_RMS_NORM, this::functional));
        })));
        assertTrue(e.getMessage().contains("implements op fused_add_rms_norm twice; a provider has at most one "
                + "implementation per op and form (one functional, one inplace)"), e.getMessage());
    }
}
