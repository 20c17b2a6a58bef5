package org.kernelir.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.runtime.plugins.Fixtures.GOOD;
import static org.kernelir.runtime.plugins.Fixtures.goodPlugin;
import static org.kernelir.runtime.plugins.Fixtures.statusOf;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.provider.Fingerprints;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.runtime.KernelIr;

/** Both sources fill one registry; a plugin contributes only its own classes; dependencies between plugins. */
class DiscoveryTest {

    @TempDir
    Path dir;

    @Test
    void classPathAndPluginProvidersShareOneRegistry() {
        Path jar = goodPlugin(dir);
        try (LogCapture log = LogCapture.start(); KernelIr ir = KernelIr.builder().pluginsDirectory(dir).build()) {
            RegisteredProvider cp = ir.registry().find(ClasspathTestProvider.NAME).orElseThrow();
            assertEquals(ProviderIdentity.Source.CLASSPATH, cp.identity().source());
            assertEquals(Fingerprints.of(ClasspathTestProvider.class).sha256(), cp.identity().fingerprint());
            // The plugin's class loader sees the class path's service file too, but only its own class counts.
            assertEquals(List.of(GOOD), statusOf(ir, jar).providers());
            assertEquals(List.of("native", ClasspathTestProvider.NAME, GOOD),
                    ir.providers().stream().map(ProviderStatus::name).toList());
            assertEquals(List.of(), log.problems());
        }
    }

    @Test
    void aPluginWithNoProviderOfItsOwnIsReportedAndUnloaded() {
        goodPlugin(dir);
        Path empty = FixtureJars.provider("good", GOOD + "_unused").plugin("empty-plugin", "1.0.0")
                .write(dir.resolve("empty.jar"));
        // Rewrite the JAR without its service file: the class is there, nobody lists it.
        rewriteWithout(empty, PluginHost.SERVICES_ENTRY);
        try (LogCapture log = LogCapture.start();
                KernelIr ir = KernelIr.builder().pluginsDirectory(dir).build()) {
            PluginStatus s = statusOf(ir, empty);
            assertEquals(LoadState.FAILED, s.state());
            assertTrue(s.message().contains("provides no kernel provider of its own"), s::message);
            assertEquals(List.of(s.message()), log.problems());
            assertTrue(ir.pluginHost().orElseThrow().plugins().stream().anyMatch(p -> p.pluginId().equals("empty-plugin")));
            assertEquals(LoadState.LOADED, Fixtures.status(ir, Fixtures.GOOD_ID).state());
        }
    }

    @Test
    void aPluginWhoseDependencyIsMissingIsSkipped() {
        goodPlugin(dir);
        Path dependent = FixtureJars.provider("good", "needy").plugin("needy-plugin", "1.0.0")
                .attribute("Plugin-Dependencies", "base-plugin@>=1.0.0").write(dir.resolve("needy.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = Fixtures.kernelIr(dir, "rms_norm=good,native")) {
            Fixtures.assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, dependent);
            assertEquals(LoadState.SKIPPED, s.state());
            assertEquals(List.of("base-plugin@>=1.0.0"), s.dependencies());
            assertTrue(s.message().contains("depends on plugin base-plugin >=1.0.0, which is not loaded"), s::message);
            assertFalse(ir.registry().find("needy").isPresent());
            assertEquals(List.of(s.message()), log.problems());
        }
    }

    @Test
    void aPluginLoadsAfterItsDependencyAndIsUnloadedWithIt() {
        FixtureJars.provider("good", "base").plugin("base-plugin", "1.2.0").write(dir.resolve("z-base.jar"));
        FixtureJars.provider("good", "needy").plugin("needy-plugin", "1.0.0")
                .attribute("Plugin-Dependencies", "base-plugin@>=1.0.0").write(dir.resolve("a-needy.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = Fixtures.kernelIr(dir, "rms_norm=needy,native")) {
            assertEquals(LoadState.LOADED, Fixtures.status(ir, "base-plugin").state());
            assertEquals(LoadState.LOADED, Fixtures.status(ir, "needy-plugin").state());
            assertEquals("needy", Fixtures.rmsNormProvider(ir));
            assertTrue(ir.unloadPlugin("base-plugin"));
            assertFalse(ir.registry().find("needy").isPresent());
            assertFalse(ir.registry().find("base").isPresent());
            assertEquals(List.of(), ir.plugins());
            assertEquals(List.of(), log.problems());
        }
    }

    @Test
    void aPreReleaseCountsAsItsReleaseInRequirementsAndDependencies() {
        // ">=0.1.0-0" is how providers-cpu admits snapshots; java-semver's expressions cannot parse the tag.
        FixtureJars.provider("good", "base").plugin("base-plugin", "1.2.0-SNAPSHOT")
                .attribute("Plugin-Requires", ">=0.1.0-0").write(dir.resolve("base.jar"));
        FixtureJars.provider("good", "needy").plugin("needy-plugin", "1.0.0")
                .attribute("Plugin-Requires", "0.1.0").attribute("Plugin-Dependencies", "base-plugin@>=1.2.0")
                .write(dir.resolve("needy.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = Fixtures.kernelIr(dir, "rms_norm=needy,native")) {
            assertEquals(LoadState.LOADED, Fixtures.status(ir, "base-plugin").state(), ir.plugins()::toString);
            assertEquals(LoadState.LOADED, Fixtures.status(ir, "needy-plugin").state(), ir.plugins()::toString);
            assertEquals(List.of(), log.problems());
        }
    }

    private static void rewriteWithout(Path jar, String entry) {
        try {
            Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
            try (var in = new java.util.jar.JarFile(jar.toFile());
                    var out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(tmp),
                            in.getManifest())) {
                for (var e : java.util.Collections.list(in.entries())) {
                    if (e.getName().equals(entry) || e.getName().equals(java.util.jar.JarFile.MANIFEST_NAME)) {
                        continue;
                    }
                    out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                    try (var is = in.getInputStream(e)) {
                        is.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            java.nio.file.Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
