package org.kernelir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.kernelir.core.conformance.Conformance;
import org.kernelir.core.conformance.ConformanceResult;
import org.kernelir.core.conformance.SampleResult;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphVerifier;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.SampleInput;
import org.kernelir.core.provider.Availability;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;

/**
 * The conformance kit for provider authors: subclass it in your provider's test sources, return your provider from
 * {@link #provider()}, and JUnit 5 checks every implementation it declares against kernel-ir's native
 * implementation of the op, on every sample input the op defines, within the op's per-dtype tolerances.
 *
 * <pre>{@code
 * class AcmeProviderConformanceTest extends ProviderConformanceTest {
 *     @Override
 *     protected KernelProvider provider() {
 *         return new AcmeProvider();
 *     }
 * }
 * }</pre>
 *
 * <p>What runs, each in a fresh {@link OpRegistry} and {@link ProviderRegistry} (tests never share registries):
 * <ul>
 *   <li>{@link #implementationsMatchNative()}: one dynamic test per implementation, named {@code op@provider},
 *       running {@link Conformance#check}; it fails with every failing sample's message (which op, which sample,
 *       which element, by how much). Samples the implementation's {@code supports} rule declines are not failures,
 *       but an implementation that supports none of them fails: it would never be tested.</li>
 *   <li>{@link #implementationsTraceIntoVerifiableGraphs()}: one dynamic test per implementation, named
 *       {@code op@provider traces}, tracing it (as the lowering pass does) on the metadata of each supported sample and
 *       verifying the graph. This catches implementations that read tensor data, which works eagerly but not when
 *       lowered.</li>
 *   <li>{@link #providerNameIsValid()}, {@link #unavailabilityHasAReason()}, {@link #registersSomething()} and
 *       {@link #serviceFileListsTheProvider()}: the rules and packaging mistakes that otherwise show up only when
 *       the JAR is loaded.</li>
 * </ul>
 *
 * <p>When the provider (or one implementation) is unavailable on the machine running the tests, for example a GPU
 * provider on a machine without a GPU, its conformance tests are skipped (aborted, with the availability reason),
 * not failed.
 *
 * <p>Override {@link #ops()} when the provider implements ops beyond the standard set, and
 * {@link #expectsServiceFile()} when the provider under test is not meant to be found by {@link ServiceLoader}.
 */
public abstract class ProviderConformanceTest {

    /** Creates a new instance of the provider under test. Called once per test; it must be cheap. */
    protected abstract KernelProvider provider();

    /**
     * The ops the provider is registered against: a new {@link OpRegistry#standard()} by default. Override to add
     * the provider's own op definitions; return a new registry on every call.
     */
    protected OpRegistry ops() {
        return OpRegistry.standard();
    }

    /**
     * Whether the provider's class must be listed in {@code META-INF/services/org.kernelir.core.provider.KernelProvider}
     * on the test class path (it must be for the JAR to be found on the class path or in the plugins folder);
     * default {@code true}.
     */
    protected boolean expectsServiceFile() {
        return true;
    }

    private record Registered(ProviderRegistry registry, RegisteredProvider provider) {
    }

    /** Registers a fresh provider in a fresh registry; a rejected provider fails with the registry's message. */
    private Registered registeredWithRegistry() {
        ProviderRegistry registry = new ProviderRegistry(ops());
        try {
            return new Registered(registry, registry.register(provider()));
        } catch (RuntimeException e) {
            return fail("the provider could not be registered: " + e.getMessage(), e);
        }
    }

    private RegisteredProvider registered() {
        return registeredWithRegistry().provider();
    }

    /** One dynamic test per implementation ({@code op@provider}): it must match native on the op's samples. */
    @TestFactory
    protected Stream<DynamicTest> implementationsMatchNative() {
        RegisteredProvider rp = registered();
        return implementationsOf(rp).stream().map(impl -> DynamicTest.dynamicTest(impl.op().name() + "@" + rp.name(),
                () -> {
                    assumeAvailable(impl);
                    ConformanceResult result = Conformance.check(impl);
                    if (!result.passed()) {
                        fail(result.summary() + "\n" + result.failures());
                    }
                    if (result.count(SampleResult.Status.PASSED) == 0 && !result.samples().isEmpty()) {
                        fail(result.summary() + ": its supports rule declines every sample input of op "
                                + impl.op().name() + ", so nothing was compared with native; widen the rule, or check "
                                + "that it tests the right argument indices (" + impl.op().schema() + ")");
                    }
                }));
    }

    /**
     * One dynamic test per implementation ({@code op@provider traces}): tracing it on the metadata of every sample it
     * supports gives a graph that verifies against the primitives and the provider's kernel ops, with the op's
     * result arity.
     */
    @TestFactory
    protected Stream<DynamicTest> implementationsTraceIntoVerifiableGraphs() {
        Registered r = registeredWithRegistry();
        KernelCatalog kernels = KernelCatalog.chain(KernelCatalog.of(Prims.all()), r.registry().kernels());
        return implementationsOf(r.provider()).stream().map(impl -> DynamicTest.dynamicTest(
                impl.op().name() + "@" + r.provider().name() + " traces", () -> {
                    assumeAvailable(impl);
                    List<String> problems = new ArrayList<>();
                    for (SampleInput sample : impl.op().sampleInputs()) {
                        traceOne(impl, sample, kernels, problems);
                    }
                    if (!problems.isEmpty()) {
                        fail(problems.size() + " sample(s) of " + impl + " do not trace:\n"
                                + String.join("\n", problems.subList(0, Math.min(3, problems.size())))
                                + (problems.size() > 3 ? "\n... and " + (problems.size() - 3) + " more" : ""));
                    }
                }));
    }

    private static <F> void traceOne(Implementation<F> impl, SampleInput sample, KernelCatalog kernels,
            List<String> problems) {
        OpDef<F> op = impl.op();
        List<Object> values = new ArrayList<>();
        for (Object v : sample.args()) {
            values.add(v instanceof Tensor t ? t.meta() : Literals.normalize(v));
        }
        List<Object> metaArgs = op.schema().bind("op " + op.name(), values);
        String where = "op " + op.name() + ", provider " + impl.provider() + ", sample " + sample.description();
        try {
            if (!impl.supportsRule().test(new CallArgs(metaArgs))) {
                return;
            }
        } catch (RuntimeException e) {
            problems.add(where + ": supports() threw " + e + " on argument metadata; a supports rule may look only at "
                    + "metadata (dtype, shape, strides, device) and scalar arguments");
            return;
        }
        try {
            Graph g = ImplementationTracer.trace(impl, metaArgs, true);
            List<String> found = GraphVerifier.problems(g, kernels);
            if (!found.isEmpty()) {
                problems.add(where + ": the traced graph does not verify: " + found);
            }
        } catch (RuntimeException e) {
            problems.add(where + ": tracing threw " + e + "; an implementation must not read tensor data (work in "
                    + "a kernel op declared with ProviderContext.kernel, called through Tensor.call)");
        }
    }

    /** The provider's name follows the naming rule and is not reserved. */
    @Test
    protected void providerNameIsValid() {
        String name = provider().name();
        assertNotNull(name, "name() returned null");
        assertTrue(Target.NAME.matcher(name).matches(), "provider name '" + name + "' must match "
                + Target.NAME.pattern() + " (lower-case letters, digits and underscores, not starting with a digit)");
        assertFalse(name.equals(ProviderRegistry.NATIVE) || name.equals(ProviderRegistry.UNFUSED),
                "provider name '" + name + "' is reserved for kernel-ir's own implementations; choose another");
    }

    /** An unavailable provider or implementation says why, and availability() does not throw. */
    @Test
    protected void unavailabilityHasAReason() {
        Availability a;
        try {
            a = provider().availability();
        } catch (RuntimeException | LinkageError e) {
            fail("availability() threw " + e + "; return Availability.unavailable(\"why\") instead", e);
            return;
        }
        assertNotNull(a, "availability() returned null; return Availability.AVAILABLE or Availability.unavailable(\"why\")");
        assertTrue(a.available() || !a.reason().isBlank(), "the provider is unavailable without a reason");
        for (Implementation<?> impl : implementationsOf(registered())) {
            Availability ia = impl.availability();
            assertTrue(ia.available() || !ia.reason().isBlank(), impl + " is unavailable without a reason");
        }
    }

    /** A provider that declares nothing is almost certainly a mistake. */
    @Test
    protected void registersSomething() {
        RegisteredProvider rp = registered();
        assertFalse(rp.implementations().isEmpty() && rp.kernels().isEmpty(), "provider " + rp.name()
                + " declares no implementation and no kernel op; call context.implement(...) in register()");
    }

    /** The provider can be found by ServiceLoader, as kernel-ir finds it on the class path and in plugin JARs. */
    @Test
    protected void serviceFileListsTheProvider() {
        Assumptions.assumeTrue(expectsServiceFile(), "expectsServiceFile() is false");
        Class<?> cls = provider().getClass();
        boolean listed = ServiceLoader.load(KernelProvider.class, cls.getClassLoader()).stream()
                .anyMatch(p -> p.type().equals(cls));
        assertTrue(listed, cls.getName() + " is not listed in META-INF/services/" + KernelProvider.class.getName()
                + "; create that file (in src/main/resources) with the line " + cls.getName()
                + ", or override expectsServiceFile() if the provider is not meant to be discovered");
    }

    private static List<Implementation<?>> implementationsOf(RegisteredProvider rp) {
        List<Implementation<?>> out = new ArrayList<>();
        rp.opNames().forEach(op -> out.add(rp.implementations().get(op)));
        assertEquals(rp.implementations().size(), out.size());
        return out;
    }

    private static void assumeAvailable(Implementation<?> impl) {
        Assumptions.assumeTrue(impl.availability().available(), () -> impl + " is unavailable here: "
                + impl.availability().reason());
    }
}
