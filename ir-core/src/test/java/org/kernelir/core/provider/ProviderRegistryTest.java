package org.kernelir.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.LogCapture;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;

/** What provider registration accepts, what it rejects (and how it says so), and who hears about it. */
class ProviderRegistryTest {

    private final ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());

    /** A provider that declares whatever {@code declarations} does. */
    static KernelProvider provider(String name, Consumer<ProviderContext> declarations) {
        return new KernelProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void register(ProviderContext context) {
                declarations.accept(context);
            }
        };
    }

    private static void rmsNorm(ProviderContext ctx) {
        ctx.implement(Implementation.of(IrOps.RMS_NORM, NativeOps::rmsNorm));
    }

    private List<String> providerNames() {
        return registry.all().stream().map(RegisteredProvider::name).toList();
    }

    @Test
    void aNewRegistryHoldsOnlyNativeWithEveryOp() {
        assertEquals(List.of("native"), providerNames());
        RegisteredProvider nativeProvider = registry.find("native").orElseThrow();
        assertEquals(ProviderIdentity.Source.BUILTIN, nativeProvider.identity().source());
        assertEquals(registry.ops().names().stream().sorted().toList(), nativeProvider.opNames());
        assertEquals("native", registry.nativeImplementation(IrOps.SILU_AND_MUL).provider());
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "unfused"})
    void reservedNamesAreRejected(String name) {
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(provider(name,
                ProviderRegistryTest::rmsNorm)));
        assertTrue(e.getMessage().startsWith("provider " + name + " from "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + name + "' is reserved for kernel-ir's own implementations; "
                + "choose another provider name"), e.getMessage());
        assertEquals(List.of("native"), providerNames());
        // native still has its own implementation, not the impostor's
        assertEquals(ProviderIdentity.Source.BUILTIN, registry.find("native").orElseThrow().identity().source());
    }

    @Test
    void twoProvidersWithOneNameAreAnErrorNamingBothSources() {
        ProviderIdentity plugin = new ProviderIdentity("fast", ProviderIdentity.Source.PLUGIN, "acme-kernels", "1.2.0",
                "/opt/kir/plugins/acme-kernels-1.2.0.jar", "ab".repeat(32));
        registry.register(provider("fast", ProviderRegistryTest::rmsNorm), plugin);
        KernelProvider second = provider("fast", ProviderRegistryTest::rmsNorm);
        String secondLocation = Fingerprints.of(second.getClass()).location();

        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(second));
        String m = e.getMessage();
        assertTrue(m.startsWith("two providers are named fast: "), m);
        assertTrue(m.contains("fast (plugin acme-kernels@1.2.0, sha256:abababababab)"), m);
        assertTrue(m.contains("/opt/kir/plugins/acme-kernels-1.2.0.jar"), m);
        assertTrue(m.contains("fast (classpath, sha256:"), m);
        assertTrue(m.contains(secondLocation), m);
        assertTrue(m.contains("remove one of them"), m);
        assertSame(plugin, registry.find("fast").orElseThrow().identity(), "the first provider stays");
    }

    @Test
    void aSecondImplementationOfOneOpIsAnErrorNamingOpAndProvider() {
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(provider("twice", ctx -> {
            rmsNorm(ctx);
            ctx.implement(Implementation.of(IrOps.SILU_AND_MUL, NativeOps::siluAndMul));
            ctx.implement(Implementation.of(IrOps.RMS_NORM, NativeOps::rmsNorm)
                    .supports(a -> a.meta(0).dtype() == org.kernelir.core.dtype.DType.F16));
        })));
        assertTrue(e.getMessage().startsWith("provider twice from twice (classpath"), e.getMessage());
        assertTrue(e.getMessage().contains("implements op rms_norm twice; a provider has at most one implementation "
                + "per op"), e.getMessage());
        assertTrue(registry.find("twice").isEmpty(), "nothing of a rejected provider stays registered");
    }

    @Test
    void anInplaceImplementationNeedsAnOpThatAllowsInplace() {
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(provider("eager",
                ctx -> ctx.implement(Implementation.inplace(IrOps.RMS_NORM, NativeOps::rmsNorm)))));
        assertTrue(e.getMessage().contains("provider eager"), e.getMessage());
        assertTrue(e.getMessage().contains("inplace implementation of op rms_norm, which does not allow inplace; "
                + "register it with Implementation.of instead"), e.getMessage());

        RegisteredProvider ok = registry.register(provider("eager",
                ctx -> ctx.implement(Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM, NativeOps::fusedAddRmsNorm))));
        assertTrue(ok.implementations().get("fused_add_rms_norm").isInplace());
    }

    /** {@code twice(x) -> 2x}: an op no registry in this test knows. */
    @FunctionalInterface
    interface Twice {
        Tensor apply(Tensor x);
    }

    private static final OpDef<Twice> UNREGISTERED = OpDef.builder("twice", Twice.class)
            .param("x", ParamType.TENSOR)
            .invoker((f, a) -> f.apply(a.tensor(0)))
            .nativeImpl(x -> x.mul(2.0))
            .build();

    @Test
    void anImplementationOfAnOpOutsideTheRegistryIsAnErrorNamingOpAndProvider() {
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(provider("extra",
                ctx -> ctx.implement(Implementation.of(UNREGISTERED, x -> x.add(x))))));
        String m = e.getMessage();
        assertTrue(m.startsWith("provider extra from "), m);
        assertTrue(m.contains("implements op twice, which is not registered in this kernel-ir instance"), m);
        assertTrue(m.contains("rms_norm"), "lists the registered ops: " + m);
        assertTrue(registry.find("extra").isEmpty());

        OpRegistry withTwice = OpRegistry.standard();
        withTwice.register(UNREGISTERED);
        ProviderRegistry other = new ProviderRegistry(withTwice);
        other.register(provider("extra", ctx -> ctx.implement(Implementation.of(UNREGISTERED, x -> x.add(x)))));
        assertEquals("extra", other.implementation(UNREGISTERED, "extra").orElseThrow().provider());
        assertEquals("native", other.nativeImplementation(UNREGISTERED).provider());
    }

    private static KernelDef scaleKernel(Target target) {
        Schema schema = new Schema(List.of(Param.of("x", ParamType.TENSOR)), 1);
        return KernelDef.pure(target, schema, args -> (TensorMeta) args.getFirst(),
                args -> ((CpuTensor) args.getFirst()).mul(3.0));
    }

    @Test
    void kernelOpsMustLiveInTheProvidersNamespace() {
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(provider("fast",
                ctx -> ctx.kernel(scaleKernel(Target.of("vllm_c", "scale3"))))));
        assertTrue(e.getMessage().contains("provider fast"), e.getMessage());
        assertTrue(e.getMessage().contains("kernel op vllm_c::scale3 must be in the provider's namespace, "
                + "e.g. fast::scale3"), e.getMessage());
        assertTrue(registry.find("fast").isEmpty());

        Target own = Target.of("fast", "scale3");
        registry.register(provider("fast", ctx -> ctx.kernel(scaleKernel(own))));
        assertTrue(registry.kernels().find(own).isPresent(), "the provider's kernels are in the catalog");
        assertTrue(registry.kernels().find(Target.of("vllm_c", "scale3")).isEmpty());
    }

    @Test
    void aThrowingAvailabilityCheckMakesTheProviderUnavailableWithTheExceptionAsReason() {
        KernelProvider flaky = new KernelProvider() {
            @Override
            public String name() {
                return "flaky";
            }

            @Override
            public Availability availability() {
                throw new UnsatisfiedLinkError("no libflaky in java.library.path");
            }

            @Override
            public void register(ProviderContext ctx) {
                rmsNorm(ctx);
            }
        };
        RegisteredProvider rp;
        try (LogCapture log = LogCapture.of(ProviderRegistry.class)) {
            rp = registry.register(flaky);
            assertEquals(1, log.warnings().size(), log.warnings().toString());
            assertTrue(log.warnings().getFirst().contains("provider flaky"), log.warnings().toString());
        }
        assertFalse(rp.availability().available());
        assertTrue(rp.availability().reason().contains("UnsatisfiedLinkError"), rp.availability().reason());
        assertTrue(rp.availability().reason().contains("no libflaky in java.library.path"), rp.availability().reason());
        Implementation<?> impl = registry.implementation(IrOps.RMS_NORM, "flaky").orElseThrow();
        assertFalse(impl.availability().available(), "its implementations inherit the availability");
    }

    @Test
    void anUnavailableProviderIsRegisteredWithItsReason() {
        KernelProvider noGpu = new KernelProvider() {
            @Override
            public String name() {
                return "no_gpu";
            }

            @Override
            public Availability availability() {
                return Availability.unavailable("no CUDA driver: libcuda.so.1 not found");
            }

            @Override
            public void register(ProviderContext ctx) {
                rmsNorm(ctx);
            }
        };
        RegisteredProvider rp = registry.register(noGpu);
        assertEquals("unavailable: no CUDA driver: libcuda.so.1 not found", rp.availability().toString());
        assertThrows(IllegalArgumentException.class, () -> Availability.unavailable(" "),
                "an unavailable provider must say why");
    }

    @Test
    void aThrowingRegisterIsReportedNamingTheProvider() {
        List<String> heard = new ArrayList<>();
        registry.addListener(recorder(heard));
        IllegalStateException cause = new IllegalStateException("kernel table not initialised");
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(provider("broken", ctx -> {
            rmsNorm(ctx);
            throw cause;
        })));
        assertTrue(e.getMessage().startsWith("provider broken from broken (classpath"), e.getMessage());
        assertTrue(e.getMessage().contains("register() threw java.lang.IllegalStateException: kernel table not "
                + "initialised"), e.getMessage());
        assertSame(cause, e.getCause());
        assertTrue(registry.find("broken").isEmpty());
        assertEquals(List.of(), heard, "listeners hear nothing of a rejected provider");
    }

    @Test
    void aThrowingNameIsReportedNamingTheClass() {
        KernelProvider nameless = new KernelProvider() {
            @Override
            public String name() {
                throw new IllegalStateException("config missing");
            }

            @Override
            public void register(ProviderContext ctx) {
            }
        };
        var e = assertThrows(ProviderRegistrationException.class, () -> registry.register(nameless));
        assertTrue(e.getMessage().contains(nameless.getClass().getName()), e.getMessage());
        assertTrue(e.getMessage().contains("name() threw java.lang.IllegalStateException: config missing"),
                e.getMessage());
    }

    private static ProviderRegistry.Listener recorder(List<String> heard) {
        return new ProviderRegistry.Listener() {
            @Override
            public void registered(RegisteredProvider p) {
                heard.add("+" + p.name());
            }

            @Override
            public void unregistered(RegisteredProvider p) {
                heard.add("-" + p.name());
            }
        };
    }

    @Test
    void listenersHearRegistrationsAndRemovals() {
        List<String> heard = new ArrayList<>();
        ProviderRegistry.Listener listener = recorder(heard);
        registry.addListener(listener);
        long v0 = registry.version();

        registry.register(provider("a", ProviderRegistryTest::rmsNorm));
        registry.register(provider("b", ProviderRegistryTest::rmsNorm));
        long v1 = registry.version();
        assertTrue(v1 > v0, "registration changes the version");
        assertEquals(List.of("native", "a", "b"), providerNames());

        RegisteredProvider removed = registry.unregister("a").orElseThrow();
        assertEquals("a", removed.name());
        assertTrue(registry.unregister("a").isEmpty(), "removing twice is a no-op");
        assertTrue(registry.version() > v1, "removal changes the version");
        assertEquals(List.of("+a", "+b", "-a"), heard);

        registry.removeListener(listener);
        registry.unregister("b");
        assertEquals(List.of("+a", "+b", "-a"), heard, "a removed listener hears nothing");

        var e = assertThrows(IllegalArgumentException.class, () -> registry.unregister("native"));
        assertEquals("the native provider cannot be removed", e.getMessage());
    }

    @Test
    void registeredImplementationsKnowTheirProviderAndKeepTheirRules() {
        Supports f32Only = a -> a.meta(0).dtype() == org.kernelir.core.dtype.DType.F32;
        registry.register(provider("fast", ctx -> ctx.implement(Implementation.of(IrOps.RMS_NORM,
                NativeOps::rmsNorm).supports(f32Only))));
        Implementation<IrOps.RmsNorm> impl = registry.implementation(IrOps.RMS_NORM, "fast").orElseThrow();
        assertEquals("fast", impl.provider());
        assertSame(f32Only, impl.supportsRule());
        assertFalse(impl.supportsAll());
        assertTrue(impl.availability().available());
        assertTrue(registry.implementation(IrOps.SILU_AND_MUL, "fast").isEmpty());
        assertTrue(registry.implementation(IrOps.RMS_NORM, "missing").isEmpty());
    }
}
