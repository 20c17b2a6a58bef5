package org.kernelir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.kernelir.core.provider.KernelProvider;

/** Runs the kit on broken providers, through the JUnit launcher, and checks what an author would see. */
class ProviderConformanceTestTest {

    /** The outcome of every test, by display name: "SUCCESSFUL", "ABORTED: reason" or "FAILED: message". */
    private static Map<String, String> run(Class<?> testClass) {
        Map<String, String> outcomes = new TreeMap<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest()) {
                            outcomes.put(id.getDisplayName(), result.getStatus() + result.getThrowable()
                                    .map(t -> ": " + t.getMessage()).orElse(""));
                        }
                    }

                    @Override
                    public void executionSkipped(TestIdentifier id, String reason) {
                        outcomes.put(id.getDisplayName(), "SKIPPED: " + reason);
                    }
                });
        return outcomes;
    }

    private static String outcome(Map<String, String> outcomes, String test) {
        return outcomes.entrySet().stream().filter(e -> e.getKey().equals(test) || e.getKey().equals(test + "()")).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("no test " + test + " in " + outcomes));
    }

    static class Wrong extends ProviderConformanceTest {
        @Override
        protected KernelProvider provider() {
            return TestProviders.wrong();
        }

        @Override
        protected boolean expectsServiceFile() {
            return false;
        }
    }

    @Test
    void aWrongImplementationFailsWithTheSampleAndTheElement() {
        Map<String, String> o = run(Wrong.class);
        String conformance = outcome(o, "rms_norm@wrong");
        assertTrue(conformance.startsWith("FAILED: rms_norm@wrong: "), conformance);
        assertTrue(conformance.contains("sample f32 [3, 48] epsilon=0.1"), conformance);
        assertTrue(conformance.contains("but native gives"), conformance);
        assertEquals("SUCCESSFUL", outcome(o, "rms_norm@wrong traces"));
        assertEquals("SUCCESSFUL", outcome(o, "providerNameIsValid"));
    }

    static class ReadsData extends Wrong {
        @Override
        protected KernelProvider provider() {
            return TestProviders.readsData();
        }
    }

    @Test
    void anImplementationThatReadsDataPassesEagerlyButFailsToTrace() {
        Map<String, String> o = run(ReadsData.class);
        assertEquals("SUCCESSFUL", outcome(o, "rms_norm@peeker"));
        String trace = outcome(o, "rms_norm@peeker traces");
        assertTrue(trace.startsWith("FAILED: "), trace);
        assertTrue(trace.contains("must not read tensor data"), trace);
    }

    static class SupportsNothing extends Wrong {
        @Override
        protected KernelProvider provider() {
            return TestProviders.supportsNothing();
        }
    }

    @Test
    void anImplementationThatDeclinesEverySampleFails() {
        String r = outcome(run(SupportsNothing.class), "rms_norm@picky");
        assertTrue(r.contains("declines every sample input of op rms_norm"), r);
    }

    static class Unavailable extends Wrong {
        @Override
        protected KernelProvider provider() {
            return TestProviders.unavailable();
        }
    }

    @Test
    void anUnavailableProviderIsSkippedWithItsReason() {
        Map<String, String> o = run(Unavailable.class);
        String r = outcome(o, "rms_norm@faraway");
        assertTrue(r.startsWith("ABORTED: "), r);
        assertTrue(r.contains("no FarAway accelerator in this machine"), r);
        assertEquals("SUCCESSFUL", outcome(o, "unavailabilityHasAReason"));
    }

    static class BadName extends Wrong {
        @Override
        protected KernelProvider provider() {
            return TestProviders.of("Acme-Fast", org.kernelir.core.provider.Availability.AVAILABLE,
                    ctx -> { });
        }
    }

    @Test
    void aBadNameFailsWithTheRule() {
        Map<String, String> o = run(BadName.class);
        String r = outcome(o, "providerNameIsValid");
        assertTrue(r.contains("provider name 'Acme-Fast' must match [a-z_][a-z_0-9]*"), r);
        List<String> failed = new ArrayList<>(o.values());
        failed.removeIf(s -> !s.startsWith("FAILED"));
        assertTrue(failed.size() >= 2, "registration-based tests fail too: " + o);
    }

    static class NotListed extends ProviderConformanceTest {
        @Override
        protected KernelProvider provider() {
            return TestProviders.wrong();
        }
    }

    @Test
    void aProviderMissingFromTheServiceFileFailsWithTheLineToAdd() {
        String r = outcome(run(NotListed.class), "serviceFileListsTheProvider");
        assertTrue(r.startsWith("FAILED: "), r);
        assertTrue(r.contains("META-INF/services/org.kernelir.core.provider.KernelProvider"), r);
    }
}
