package org.kernelir.core.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.provider.Availability;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.tensor.Tensor;

/** Priorities, their filtering, eager dispatch, scoped overrides, in-place calls and the dispatch identity. */
class DispatchTest {

    // ---- test providers -------------------------------------------------------------------------------------

    /** Which provider implementations ran, in order (native is not recorded). */
    private final List<String> ran = new ArrayList<>();

    private ProviderRegistry registry;
    private Dispatcher dispatcher;

    /** rms_norm as {@code x / sqrt(mean(x^2) + eps) * w} in f32; variance_size is not handled (see supports). */
    static Tensor rmsNormByDivision(Tensor x, Tensor weight, double epsilon, Long varianceSize) {
        Tensor xf = x.to(DType.F32);
        Tensor y = xf.div(xf.mul(xf).mean(-1, true).add(epsilon).sqrt());
        return (weight == null ? y : y.mul(weight.to(DType.F32))).to(x.dtype());
    }

    private IrOps.RmsNorm recorded(String provider) {
        return (x, w, eps, vs) -> {
            ran.add(provider);
            return rmsNormByDivision(x, w, eps, vs);
        };
    }

    private static KernelProvider provider(String name, Availability availability,
            Consumer<ProviderContext> declarations) {
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
                declarations.accept(context);
            }
        };
    }

    /**
     * {@code f32only}: rms_norm for f32 without variance_size; {@code anydtype}: rms_norm for all args;
     * {@code offline}: rms_norm for all args, but unavailable; {@code picky}: a supports rule that throws;
     * {@code inplace}: an in-place fused_add_rms_norm.
     */
    @BeforeEach
    void setUp() {
        registry = new ProviderRegistry(OpRegistry.standard());
        registry.register(provider("f32only", Availability.AVAILABLE, ctx -> ctx.implement(
                Implementation.of(IrOps.RMS_NORM, recorded("f32only"))
                        .supports(a -> a.meta(0).dtype() == DType.F32 && a.isNull(3)))));
        registry.register(provider("anydtype", Availability.AVAILABLE, ctx -> ctx.implement(
                Implementation.of(IrOps.RMS_NORM, (x, w, eps, vs) -> {
                    ran.add("anydtype");
                    return NativeOps.rmsNorm(x, w, eps, vs);
                }))));
        registry.register(provider("offline", Availability.unavailable("no test accelerator attached"),
                ctx -> ctx.implement(Implementation.of(IrOps.RMS_NORM, recorded("offline")))));
        registry.register(provider("picky", Availability.AVAILABLE, ctx -> ctx.implement(
                Implementation.of(IrOps.RMS_NORM, recorded("picky")).supports(a -> {
                    throw new IllegalStateException("cannot read strides of " + a.meta(0));
                }))));
        registry.register(provider("inplace", Availability.AVAILABLE, ctx -> ctx.implement(
                Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM, (x, residual, w, eps, vs) -> {
                    ran.add("inplace");
                    TensorPair out = NativeOps.fusedAddRmsNorm(x, residual, w, eps, vs);
                    Tensor newResidual = residual.copy_(out.second());
                    return new TensorPair(x.copy_(out.first()), newResidual);
                }))));
        dispatcher = new Dispatcher(registry);
    }

    private static CpuTensor x(DType dtype) {
        return Samples.randn(11, dtype, 1.5, 2, 8);
    }

    private static CpuTensor w(DType dtype) {
        return Samples.randn(12, dtype, 0.5, 8);
    }

    private static CallArgs rmsArgs(DType dtype) {
        return new CallArgs(IrOps.RMS_NORM.schema().bind("test", Arrays.asList(x(dtype), w(dtype), 1e-6)));
    }

    private List<String> candidates() {
        return dispatcher.handle(IrOps.RMS_NORM).candidates().stream().map(Implementation::provider).toList();
    }

    private void setPriority(String text) {
        dispatcher.setPriority(Priority.parse(text));
    }

    private static double[] values(Tensor t) {
        return ((CpuTensor) t).toDoubleArray();
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol) {
        double[] e = values(expected);
        double[] a = values(actual);
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * (1 + Math.abs(e[i])), "element " + i);
        }
    }

    // ---- no priority ----------------------------------------------------------------------------------------

    @Test
    void withoutAPriorityEveryOpGoesToNativeWithOneWarningPerOp() {
        CpuTensor x = x(DType.F32);
        try (LogCapture log = LogCapture.of(Dispatcher.class)) {
            for (int i = 0; i < 20; i++) {
                Tensor y = dispatcher.call1(IrOps.RMS_NORM, x, w(DType.F32), 1e-6);
                assertArrayEquals(values(NativeOps.rmsNorm(x, w(DType.F32), 1e-6, null)), values(y));
                dispatcher.call1(IrOps.SILU_AND_MUL, x);
            }
            assertEquals(List.of("native"), candidates());
            assertEquals(List.of(), ran, "no provider ran");
            assertEquals(2, log.warnings().size(), log.warnings().toString());
            assertTrue(log.warnings().get(0).startsWith("no priority set for op rms_norm; dispatching to native"),
                    log.warnings().toString());
            assertTrue(log.warnings().get(1).startsWith("no priority set for op silu_and_mul; dispatching to native"),
                    log.warnings().toString());
        }
    }

    // ---- priority lists and their filtering -----------------------------------------------------------------

    @Test
    void thePriorityPicksTheFirstProviderThatSupportsTheArgs() {
        setPriority("rms_norm=f32only,native");
        try (LogCapture log = LogCapture.of(Dispatcher.class)) {
            Tensor y = dispatcher.call1(IrOps.RMS_NORM, x(DType.F32), w(DType.F32), 1e-6);
            assertEquals(List.of("f32only"), ran);
            assertClose(NativeOps.rmsNorm(x(DType.F32), w(DType.F32), 1e-6, null), y, 1e-6);
            assertEquals(List.of("f32only", "native"), candidates());
            assertEquals(List.of(), log.warnings(), "native is listed explicitly: nothing to warn about");
        }
        assertEquals("f32only", dispatcher.select(IrOps.RMS_NORM, rmsArgs(DType.F32)).provider());
    }

    @Test
    void anUnknownProviderInAPriorityIsAnErrorListingTheKnownOnes() {
        setPriority("rms_norm=f32only,native");
        Priority typo = Priority.parse("rms_norm=f32_only,native");
        var e = assertThrows(IllegalArgumentException.class, () -> dispatcher.setPriority(typo));
        assertEquals("unknown provider 'f32_only' in priority rms_norm=f32_only,native; known providers: "
                + "[native, f32only, anydtype, offline, picky, inplace]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> dispatcher.override(typo));
        assertTrue(e.getMessage().startsWith("unknown provider 'f32_only'"), e.getMessage());
        assertEquals("rms_norm=f32only,native", dispatcher.priority().toString(), "the rejected priority left no trace");

        e = assertThrows(IllegalArgumentException.class, () -> setPriority("rms_nrom=native"));
        assertTrue(e.getMessage().startsWith("unknown op 'rms_nrom'"), e.getMessage());
    }

    @Test
    void unavailableProvidersAreDroppedWithTheirReasonLoggedAtDebug() {
        setPriority("rms_norm=offline,f32only,native");
        try (LogCapture log = LogCapture.of(Dispatcher.class, Level.DEBUG)) {
            assertEquals(List.of("f32only", "native"), candidates());
            assertTrue(log.messages(Level.DEBUG).contains(
                    "op rms_norm: provider offline dropped: no test accelerator attached"), log.messages(Level.DEBUG)
                    .toString());
        }
        dispatcher.call1(IrOps.RMS_NORM, x(DType.F32), w(DType.F32), 1e-6);
        assertEquals(List.of("f32only"), ran);
    }

    @Test
    void theListIsCutAfterTheFirstImplementationThatSupportsAllArgs() {
        setPriority("rms_norm=f32only,anydtype,offline,native");
        assertEquals(List.of("f32only", "anydtype"), candidates());
        dispatcher.call1(IrOps.RMS_NORM, x(DType.F16), w(DType.F16), 1e-6);
        dispatcher.call1(IrOps.RMS_NORM, x(DType.F32), w(DType.F32), 1e-6);
        assertEquals(List.of("anydtype", "f32only"), ran);
    }

    @Test
    void aListWithoutAnAllArgsImplementationGetsNativeAppendedWithOneWarning() {
        try (LogCapture log = LogCapture.of(Dispatcher.class)) {
            setPriority("rms_norm=f32only");
            assertEquals(List.of("f32only", "native"), candidates());
            for (int i = 0; i < 5; i++) {
                dispatcher.call1(IrOps.RMS_NORM, x(DType.F16), w(DType.F16), 1e-6);
            }
            setPriority("rms_norm=picky,f32only");
            assertEquals(List.of("picky", "f32only", "native"), candidates());
            dispatcher.call1(IrOps.RMS_NORM, x(DType.F32), w(DType.F32), 1e-6);
            assertEquals(1, log.warnings().stream().filter(m -> m.contains("add native explicitly")).count(),
                    log.warnings().toString());
            String warning = log.warnings().getFirst();
            assertEquals("no implementation in the priority list [f32only] of op rms_norm supports all args; native is "
                    + "appended (add native explicitly to silence this)", warning);
        }
    }

    @Test
    void theDefaultListAppliesToOpsWithoutTheirOwn() {
        setPriority("default=anydtype,native silu_and_mul=native");
        assertEquals(List.of("anydtype"), candidates());
        assertEquals(List.of("native"), dispatcher.handle(IrOps.SILU_AND_MUL).candidates().stream()
                .map(Implementation::provider).toList());
        assertEquals(List.of("native"), dispatcher.handle(IrOps.GELU_AND_MUL).candidates().stream()
                .map(Implementation::provider).toList(), "anydtype has no gelu_and_mul: dropped");
    }

    @Test
    void aProviderRemovedAfterThePriorityWasSetIsSkipped() {
        setPriority("rms_norm=f32only,native");
        assertEquals(List.of("f32only", "native"), candidates());
        registry.unregister("f32only");
        try (LogCapture log = LogCapture.of(Dispatcher.class)) {
            assertEquals(List.of("native"), candidates());
            assertEquals(List.of("provider f32only in the priority list is no longer loaded; skipping it"),
                    log.warnings());
        }
    }

    // ---- per-call selection ---------------------------------------------------------------------------------

    @Test
    void supportsSendsF16ToNativeAndF32ToTheProvider() {
        setPriority("rms_norm=f32only,native");
        assertEquals("native", dispatcher.select(IrOps.RMS_NORM, rmsArgs(DType.F16)).provider());
        assertEquals("f32only", dispatcher.select(IrOps.RMS_NORM, rmsArgs(DType.F32)).provider());

        Tensor y16 = dispatcher.call1(IrOps.RMS_NORM, x(DType.F16), w(DType.F16), 1e-6);
        assertEquals(List.of(), ran);
        assertArrayEquals(values(NativeOps.rmsNorm(x(DType.F16), w(DType.F16), 1e-6, null)), values(y16));
        Tensor y32 = dispatcher.call1(IrOps.RMS_NORM, x(DType.F32), w(DType.F32), 1e-6);
        assertEquals(List.of("f32only"), ran);
        assertEquals(DType.F32, y32.dtype());
        // variance_size is outside f32only's rules as well
        dispatcher.call1(IrOps.RMS_NORM, x(DType.F32), w(DType.F32), 1e-6, 4L);
        assertEquals(List.of("f32only"), ran);
    }

    @Test
    void skipsAreLoggedAtDebugWithProviderOpAndArgumentMetadata() {
        setPriority("rms_norm=f32only,native");
        try (LogCapture log = LogCapture.of(OpHandle.class, Level.DEBUG)) {
            dispatcher.call1(IrOps.RMS_NORM, x(DType.BF16), null, 1e-6);
            List<String> debug = log.messages(Level.DEBUG);
            assertEquals(1, debug.size(), debug.toString());
            assertTrue(debug.getFirst().startsWith("op rms_norm: provider f32only does not support (bf16[2, 8], "),
                    debug.toString());
        }
        try (LogCapture log = LogCapture.of(OpHandle.class)) {
            dispatcher.call1(IrOps.RMS_NORM, x(DType.BF16), null, 1e-6);
            assertEquals(List.of(), log.messages(Level.DEBUG), "nothing is logged unless debug is enabled");
        }
    }

    @Test
    void aThrowingSupportsIsSkippedWithAWarningNamingTheProvider() {
        setPriority("rms_norm=picky,f32only,native");
        try (LogCapture log = LogCapture.of(Dispatcher.class)) {
            for (int i = 0; i < 3; i++) {
                Tensor y = dispatcher.call1(IrOps.RMS_NORM, x(DType.F32), w(DType.F32), 1e-6);
                assertClose(NativeOps.rmsNorm(x(DType.F32), w(DType.F32), 1e-6, null), y, 1e-6);
            }
            assertEquals(List.of("f32only", "f32only", "f32only"), ran);
            assertEquals(1, log.warnings().size(), log.warnings().toString());
            assertEquals("provider picky: supports() of op rms_norm threw java.lang.IllegalStateException: cannot read "
                    + "strides of f32[2, 8]; skipping it", log.warnings().getFirst());
        }
    }

    // ---- scoped overrides -----------------------------------------------------------------------------------

    private String selected(DType dtype) {
        return dispatcher.select(IrOps.RMS_NORM, rmsArgs(dtype)).provider();
    }

    @Test
    void scopedOverridesNestAndRestore() {
        setPriority("default=native");
        assertEquals("native", selected(DType.F32));
        try (var outer = dispatcher.override(Priority.parse("rms_norm=f32only,native"))) {
            assertEquals("f32only", selected(DType.F32));
            assertEquals("native", selected(DType.F16));
            try (var inner = dispatcher.override(Priority.parse("default=anydtype silu_and_mul=native"))) {
                assertEquals("f32only", selected(DType.F32), "the outer scope's rms_norm list still applies");
                assertEquals("default=anydtype rms_norm=f32only,native silu_and_mul=native",
                        dispatcher.priority().toString());
                try (var innermost = dispatcher.override(Priority.parse("rms_norm=anydtype"))) {
                    assertEquals("anydtype", selected(DType.F32));
                }
                assertEquals("f32only", selected(DType.F32));
            }
            assertEquals("default=native rms_norm=f32only,native", dispatcher.priority().toString());
        }
        assertEquals("default=native", dispatcher.priority().toString());
        assertEquals("native", selected(DType.F32));
    }

    @Test
    void aScopeIsRestoredWhenItsBodyThrows() {
        setPriority("rms_norm=native");
        var e = assertThrows(IllegalStateException.class, () -> {
            try (var scope = dispatcher.override(Priority.parse("rms_norm=f32only,native"))) {
                assertEquals("f32only", selected(DType.F32));
                throw new IllegalStateException("model failed");
            }
        });
        assertEquals("model failed", e.getMessage());
        assertEquals("rms_norm=native", dispatcher.priority().toString());
        assertEquals("native", selected(DType.F32));
    }

    @Test
    void closingScopesOutOfOrderIsAnErrorButRestoresThePriority() {
        setPriority("rms_norm=native");
        Dispatcher.Scope outer = dispatcher.override(Priority.parse("rms_norm=f32only,native"));
        Dispatcher.Scope inner = dispatcher.override(Priority.parse("silu_and_mul=native"));
        var e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("close scopes in reverse order"), e.getMessage());
        assertEquals("rms_norm=native silu_and_mul=native", dispatcher.priority().toString(),
                "the outer scope is gone, the inner one still applies");
        assertEquals("native", selected(DType.F32));
        inner.close();
        outer.close();
        assertEquals("rms_norm=native", dispatcher.priority().toString());
    }

    @Test
    void aScopedOverrideAppliesToHandlesTakenBeforeIt() {
        OpHandle<IrOps.RmsNorm> handle = dispatcher.handle(IrOps.RMS_NORM);
        setPriority("rms_norm=native");
        handle.call(x(DType.F32), w(DType.F32), 1e-6);
        try (var scope = dispatcher.override(Priority.parse("rms_norm=f32only,native"))) {
            handle.call(x(DType.F32), w(DType.F32), 1e-6);
        }
        handle.call(x(DType.F32), w(DType.F32), 1e-6);
        assertEquals(List.of("f32only"), ran);
    }

    // ---- the text form of priorities ------------------------------------------------------------------------

    @Nested
    class TextForm {

        @Test
        void parseAndPrintRoundTrip() {
            String text = "default=cpu,native rms_norm=cuda,cpu,native";
            Priority p = Priority.parse(text);
            assertEquals(List.of("cpu", "native"), p.defaults());
            assertEquals(Map.of("rms_norm", List.of("cuda", "cpu", "native")), p.perOp());
            assertEquals(text, p.toString());
            assertEquals(p, Priority.parse(p.toString()));
            assertEquals(p, Priority.parse("  rms_norm=cuda,cpu,native ;default=cpu,native;  "));
            assertEquals(List.of("cuda", "cpu", "native"), p.listFor("rms_norm"));
            assertEquals(List.of("cpu", "native"), p.listFor("silu_and_mul"));
            assertEquals(List.of("cpu", "native", "cuda"), p.providerNames());
            assertEquals(Priority.NONE, Priority.parse("   "));
            assertEquals(List.of(), Priority.NONE.listFor("rms_norm"));
        }

        @Test
        void builtPrioritiesPrintAsTheyParse() {
            Priority built = Priority.ofDefault("cpu", "native").with("rms_norm", "cuda", "native");
            assertEquals(Priority.parse("default=cpu,native rms_norm=cuda,native"), built);
            assertEquals("default=cuda rms_norm=cpu", built.overlay(Priority.parse("default=cuda rms_norm=cpu"))
                    .toString());
        }

        @ParameterizedTest(name = "[{0}]")
        @CsvSource(delimiter = '|', value = {
            "rms_norm                | priority entry 'rms_norm' must be OP=P1,P2,... (for example rms_norm=cuda,cpu,native or default=cpu,native)",
            "=cpu                    | priority entry '=cpu' must be OP=P1,P2,...",
            "rms_norm=               | priority entry 'rms_norm=' must be OP=P1,P2,...",
            "RmsNorm=cpu             | priority: op name 'RmsNorm' must match [a-z_][a-z_0-9]*",
            "rms_norm=cpu,,native    | priority for rms_norm: provider name '' must match [a-z_][a-z_0-9]*",
            "rms_norm=cpu,           | priority for rms_norm: provider name '' must match [a-z_][a-z_0-9]*",
            "rms_norm=Cuda           | priority for rms_norm: provider name 'Cuda' must match [a-z_][a-z_0-9]*",
            "rms_norm==cpu           | priority for rms_norm: provider name '=cpu' must match",
            "rms_norm=cpu,native,cpu | priority for rms_norm names a provider twice: [cpu, native, cpu]",
        })
        void malformedEntriesAreRejectedWithTheRule(String text, String message) {
            var e = assertThrows(IllegalArgumentException.class, () -> Priority.parse(text));
            assertTrue(e.getMessage().startsWith(message), e.getMessage());
        }
    }

    // ---- in-place implementations ---------------------------------------------------------------------------

    @Test
    void theFunctionalOverloadClonesActivationsForAnInplaceImplementation() {
        setPriority("fused_add_rms_norm=inplace");
        CpuTensor x = Samples.randn(21, DType.F32, 1.0, 3, 8);
        CpuTensor residual = Samples.randn(22, DType.F32, 1.0, 3, 8);
        CpuTensor w = w(DType.F32);
        double[] xBefore = x.toDoubleArray();
        double[] residualBefore = residual.toDoubleArray();

        TensorPair functional = dispatcher.call2(IrOps.FUSED_ADD_RMS_NORM, x, residual, w, 1e-6);
        assertEquals(List.of("inplace"), ran);
        assertArrayEquals(xBefore, x.toDoubleArray(), "x untouched");
        assertArrayEquals(residualBefore, residual.toDoubleArray(), "x_residual untouched");
        TensorPair expected = NativeOps.fusedAddRmsNorm(x, residual, w, 1e-6, null);
        assertArrayEquals(values(expected.first()), values(functional.first()));
        assertArrayEquals(values(expected.second()), values(functional.second()));

        TensorPair inplace = (TensorPair) dispatcher.handle(IrOps.FUSED_ADD_RMS_NORM)
                .callMaybeInplace(x, residual, w, 1e-6);
        assertEquals(List.of("inplace", "inplace"), ran);
        assertFalse(Arrays.equals(xBefore, x.toDoubleArray()), "maybe_inplace wrote into x");
        assertArrayEquals(values(functional.first()), x.toDoubleArray(), "x now holds y");
        assertArrayEquals(values(functional.second()), residual.toDoubleArray(), "x_residual now holds the sum");
        assertArrayEquals(values(functional.first()), values(inplace.first()), "inplace equals functional");
        assertArrayEquals(values(functional.second()), values(inplace.second()), "inplace equals functional");

        x.set(42.0, 1, 3);
        assertEquals(42.0, ((CpuTensor) inplace.first()).get(1, 3), "the result shares x's storage");
        residual.set(-7.0, 2, 0);
        assertEquals(-7.0, ((CpuTensor) inplace.second()).get(2, 0), "the residual shares x_residual's storage");
    }

    @Test
    void maybeInplaceWithAFunctionalImplementationLeavesInputsAlone() {
        setPriority("fused_add_rms_norm=native");
        CpuTensor x = Samples.randn(23, DType.F16, 1.0, 2, 8);
        CpuTensor residual = Samples.randn(24, DType.F16, 1.0, 2, 8);
        double[] xBefore = x.toDoubleArray();
        TensorPair r = (TensorPair) dispatcher.handle(IrOps.FUSED_ADD_RMS_NORM).callMaybeInplace(x, residual, null, 1e-6);
        assertArrayEquals(xBefore, x.toDoubleArray());
        assertArrayEquals(values(NativeOps.fusedAddRmsNorm(x, residual, null, 1e-6, null).first()), values(r.first()));

        var e = assertThrows(IllegalArgumentException.class,
                () -> dispatcher.handle(IrOps.RMS_NORM).callMaybeInplace(x, null, 1e-6));
        assertEquals("op rms_norm does not allow inplace; call its default overload", e.getMessage());
    }

    // ---- identity -------------------------------------------------------------------------------------------

    @Test
    void theIdentityIsStableForEqualSetupsAndFollowsPriorityAndProviderCode() {
        setPriority("rms_norm=f32only,native");
        String id = dispatcher.identity();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertEquals(id, dispatcher.identity());

        DispatchTest other = new DispatchTest();
        other.setUp();
        other.setPriority("rms_norm=f32only,native");
        assertEquals(id, other.dispatcher.identity(), "an equal, separately built setup");

        setPriority("rms_norm=anydtype,native");
        assertNotEquals(id, dispatcher.identity(), "another priority");
        try (var scope = dispatcher.override(Priority.parse("rms_norm=f32only,native"))) {
            assertEquals(id, dispatcher.identity(), "the priority in force is what counts");
        }
        setPriority("rms_norm=f32only,native");
        assertEquals(id, dispatcher.identity());

        registry.register(provider("unrelated", Availability.AVAILABLE, ctx -> { }));
        assertEquals(id, dispatcher.identity(), "a provider the priority does not name does not matter");

        registry.unregister("f32only");
        ProviderIdentity rebuilt = new ProviderIdentity("f32only", ProviderIdentity.Source.CLASSPATH, "", "",
                "/elsewhere/f32only.jar", "fe".repeat(32));
        registry.register(provider("f32only", Availability.AVAILABLE, ctx -> ctx.implement(
                Implementation.of(IrOps.RMS_NORM, recorded("f32only")))), rebuilt);
        assertNotEquals(id, dispatcher.identity(), "the same name with another fingerprint");
    }
}
