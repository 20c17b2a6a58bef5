package org.kernelir.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.trace.Tracer;
import org.kernelir.passes.NativeFallbackException;
import org.kernelir.passes.examples.IrOpCalls;
import org.kernelir.runtime.plugins.FixtureJars;

/** The builder's plugin folders, the default priority policy, native fallbacks and explain, with real plugin JARs. */
class KernelIrFoldersAndPolicyTest {

    @TempDir
    Path dir;

    private static Graph norm() {
        return Tracer.trace("norm", List.of(
                Tracer.input("x", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(4)))),
                Tracer.input("w", TensorMeta.of(DType.F32, List.of(Dim.of(4))))),
                t -> IrOpCalls.standard().call(IrOps.RMS_NORM, t.get(0), t.get(1), 1e-6));
    }

    @Test
    void pluginFoldersAddToTheDefaultOneUnlessItIsTurnedOff() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home/plugins"));
        Path extra = Files.createDirectories(dir.resolve("extra"));
        FixtureJars.provider("good", "homed").plugin("homed-plugin", "1.0.0").write(home.resolve("homed.jar"));
        FixtureJars.provider("good", "good").plugin("good-plugin", "1.0.0").write(extra.resolve("good.jar"));
        String before = System.getProperty(KernelIr.HOME_PROPERTY);
        System.setProperty(KernelIr.HOME_PROPERTY, dir.resolve("home").toString());
        try {
            try (KernelIr ir = KernelIr.builder().classpathProviders(false).pluginsDirectory(extra).build()) {
                assertEquals(List.of(home, extra), ir.pluginsDirectories());
                assertTrue(ir.registry().find("homed").isPresent() && ir.registry().find("good").isPresent());
                assertEquals(extra, ir.pluginHost().orElseThrow().directory(), "the folder given comes first");
                assertEquals(Priority.ofDefault("homed", "good", "native"), ir.defaultPriority());
            }
            try (KernelIr ir = KernelIr.builder().defaultPluginsDirectory(false).pluginsDirectory(extra).build()) {
                assertEquals(List.of(extra), ir.pluginsDirectories());
                assertTrue(ir.registry().find("homed").isEmpty());
            }
        } finally {
            if (before == null) {
                System.clearProperty(KernelIr.HOME_PROPERTY);
            } else {
                System.setProperty(KernelIr.HOME_PROPERTY, before);
            }
        }
    }

    @Test
    void theDefaultPolicyCompletesAndChecksAPriority() {
        FixtureJars.provider("good", "good").plugin("good-plugin", "1.0.0").write(dir.resolve("good.jar"));
        try (KernelIr ir = KernelIr.builder().classpathProviders(false).defaultPluginsDirectory(false).pluginsDirectory(dir)
                .build()) {
            assertEquals(Priority.parse("default=good,native rms_norm=native"),
                    ir.withDefaultPolicy(Priority.parse("rms_norm=native")));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ir.withDefaultPolicy(Priority.parse("rms_norm=nowhere,native")));
            assertTrue(e.getMessage().contains("'nowhere', which is not loaded; loaded providers: good, native"),
                    e.getMessage());
        }
    }

    @Test
    void aNativeFallbackFailsLoweringWhenAskedTo() {
        FixtureJars.provider("good", "good").plugin("good-plugin", "1.0.0").write(dir.resolve("good.jar"));
        try (KernelIr ir = KernelIr.builder().defaultPluginsDirectory(false).pluginsDirectory(dir)
                .priority(Priority.parse("default=native rms_norm=native")).failOnNativeFallback(true).build()) {
            assertEquals("rms_norm=native", ir.lower(norm()).report().summary(), "native asked for: no fallback");
            ir.setPriority(Priority.parse("default=native rms_norm=nowhere,native"));
            // nowhere is not loaded: the applied list is native only, so nothing fell back.
            assertEquals("rms_norm=native", ir.lower(norm()).report().summary());
        }
        try (KernelIr ir = KernelIr.builder().defaultPluginsDirectory(false).plugins(false)
                .provider(new DecliningProvider()).priority(Priority.parse("rms_norm=declining,native"))
                .failOnNativeFallback(true).build()) {
            NativeFallbackException e = assertThrows(NativeFallbackException.class, () -> ir.lower(norm()));
            assertTrue(e.getMessage().contains("rms_norm x1 (priority declining,native; node rms_norm)"),
                    e.getMessage());
            Explanation why = ir.explain(norm());
            Explanation.NodeExplanation n = why.nodes().getFirst();
            assertEquals(Explanation.Verdict.DECLINED, n.candidates().getFirst().verdict());
            assertEquals("condition 'x has 8 columns' is false", n.candidates().getFirst().reason());
            assertTrue(n.fellBackToNative());
        }
    }

    /** Implements rms_norm for rows of 8 only. */
    public static final class DecliningProvider implements org.kernelir.core.provider.KernelProvider {
        @Override
        public String name() {
            return "declining";
        }

        @Override
        public void register(org.kernelir.core.provider.ProviderContext context) {
            context.implement(org.kernelir.core.provider.Implementation.of(IrOps.RMS_NORM,
                    (x, w, eps, vs) -> x.mul(1.0)).supports(org.kernelir.core.provider.Supports.when(
                    "x has 8 columns", a -> a.meta(0).size(-1).equals(Dim.of(8)))));
        }
    }
}
