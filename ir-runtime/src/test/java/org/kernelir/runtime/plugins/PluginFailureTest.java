package org.kernelir.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.runtime.plugins.Fixtures.GOOD;
import static org.kernelir.runtime.plugins.Fixtures.assertGoodLoadedAndUsed;
import static org.kernelir.runtime.plugins.Fixtures.goodPlugin;
import static org.kernelir.runtime.plugins.Fixtures.kernelIr;
import static org.kernelir.runtime.plugins.Fixtures.rmsNormProvider;
import static org.kernelir.runtime.plugins.Fixtures.statusOf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.provider.Fingerprints;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.runtime.KernelIr;
import org.kernelir.runtime.KernelIrVersion;

/**
 * Each broken plugin is reported once, with a status that says what to do, and the good plugin next to it
 * loads and is used all the same.
 */
class PluginFailureTest {

    @TempDir
    Path dir;

    @Test
    void aGoodPluginLoadsAndDispatchUsesIt() {
        Path jar = goodPlugin(dir);
        try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jar.toFile())) {
            // A plain provider JAR: PF4J's descriptor attributes, but no Plugin-Class and no PF4J type.
            assertEquals(null, jf.getManifest().getMainAttributes().getValue("Plugin-Class"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            assertEquals(List.of(), log.problems());

            PluginStatus s = statusOf(ir, jar);
            assertEquals("1.0.0", s.version());
            assertEquals("kernel-ir tests", s.vendor());
            assertEquals("fixture good providing good", s.description());
            assertEquals(">=0.1.0", s.requires());
            assertEquals(Fingerprints.of(jar), s.fingerprint());
            assertEquals("", s.message());

            ProviderIdentity id = ir.registry().find(GOOD).map(RegisteredProvider::identity).orElseThrow();
            assertEquals(new ProviderIdentity(GOOD, ProviderIdentity.Source.PLUGIN, "good-plugin", "1.0.0",
                    jar.toAbsolutePath().normalize().toString(), Fingerprints.of(jar)), id);
            assertEquals(jar.toAbsolutePath().normalize().toString(), id.location());

            ProviderStatus row = ir.providers().stream().filter(p -> p.name().equals(GOOD)).findFirst().orElseThrow();
            assertEquals(LoadState.LOADED, row.state());
            assertEquals(ProviderIdentity.Source.PLUGIN, row.source());
            assertEquals(Fingerprints.of(jar), row.fingerprint());

            // Its code comes from its own class loader; the SPI it implements is the host's.
            Implementation<?> impl = ir.registry().implementation(IrOps.RMS_NORM, GOOD).orElseThrow();
            ClassLoader pluginLoader = impl.fn().getClass().getClassLoader();
            assertNotSame(KernelProvider.class.getClassLoader(), pluginLoader);
            assertTrue(pluginLoader instanceof org.pf4j.PluginClassLoader, pluginLoader::toString);
        }
    }

    @Test
    void aCorruptJarIsReportedAndTheOthersLoad() {
        goodPlugin(dir);
        Path broken = FixtureJars.corrupt(dir.resolve("broken.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, broken);
            assertEquals(LoadState.FAILED, s.state());
            assertTrue(s.message().contains("not a readable JAR"), s::message);
            assertTrue(s.message().contains(broken.toAbsolutePath().toString()), s::message);
            assertEquals(Fingerprints.of(broken), s.fingerprint());
            assertListed(ir, s);
            assertEquals(List.of(s.message()), log.problems());
        }
    }

    @Test
    void aJarWithoutDescriptorIsReportedAndTheOthersLoad() {
        goodPlugin(dir);
        Path plain = FixtureJars.provider("good", "plain").write(dir.resolve("plain-provider.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, plain);
            assertEquals(LoadState.FAILED, s.state());
            assertTrue(s.message().contains("no plugin descriptor"), s::message);
            assertTrue(s.message().contains("Plugin-Id"), s::message);
            assertFalse(ir.registry().find("plain").isPresent());
            assertListed(ir, s);
            assertEquals(List.of(s.message()), log.problems());
        }
    }

    @Test
    void aProviderWhoseConstructorThrowsIsReportedAndTheOthersLoad() {
        goodPlugin(dir);
        Path jar = FixtureJars.provider("ctor_throws", "ctor").plugin("ctor-plugin", "1.0.0")
                .write(dir.resolve("ctor.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, jar);
            assertEquals(LoadState.FAILED, s.state());
            assertEquals(List.of(), s.providers());
            ProviderStatus row = ir.providers().stream().filter(p -> p.pluginId().equals("ctor-plugin")).findFirst()
                    .orElseThrow();
            assertEquals(LoadState.FAILED, row.state());
            assertEquals("fixtures.ctor.ThrowingConstructorProvider", row.name());
            assertTrue(row.message().contains("could not be constructed"), row::message);
            assertTrue(row.message().contains("fixture: this provider's constructor always fails"), row::message);
            assertTrue(row.message().contains(jar.toAbsolutePath().toString()), row::message);
            assertEquals(List.of(row.message()), log.problems());
        }
    }

    @Test
    void aProviderWhoseAvailabilityThrowsIsUnavailableAndSkippedByDispatch() {
        goodPlugin(dir);
        Path jar = FixtureJars.provider("availability_throws", "flaky").plugin("flaky-plugin", "1.0.0")
                .write(dir.resolve("flaky.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=flaky,good,native")) {
            assertGoodLoadedAndUsed(ir); // flaky comes first in the list but is unavailable
            PluginStatus s = statusOf(ir, jar);
            assertEquals(LoadState.UNAVAILABLE, s.state());
            assertEquals(List.of("flaky"), s.providers());
            RegisteredProvider flaky = ir.registry().find("flaky").orElseThrow();
            assertFalse(flaky.availability().available());
            assertTrue(flaky.availability().reason().contains("fixture: cannot probe the device"));
            ProviderStatus row = ir.providers().stream().filter(p -> p.name().equals("flaky")).findFirst().orElseThrow();
            assertEquals(LoadState.UNAVAILABLE, row.state());
            assertEquals(1, log.problems().size(), log.problems()::toString);
            String line = log.problems().getFirst();
            assertTrue(line.contains("availability() threw") && line.contains("flaky-plugin")
                    && line.contains(jar.toAbsolutePath().toString()), line);
        }
    }

    @Test
    void aPluginThatRequiresAnotherKernelIrIsSkippedWithTheRequirementAndTheVersion() {
        goodPlugin(dir);
        Path jar = FixtureJars.provider("good", "future").plugin("future-plugin", "2.0.0")
                .attribute("Plugin-Requires", ">=99.0.0").write(dir.resolve("future.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, jar);
            assertEquals(LoadState.SKIPPED, s.state());
            assertTrue(s.message().contains(">=99.0.0"), s::message);
            assertTrue(s.message().contains("this is kernel-ir " + KernelIrVersion.current()), s::message);
            assertFalse(ir.registry().find("future").isPresent());
            assertListed(ir, s);
            assertEquals(List.of(s.message()), log.problems());
        }
    }

    @Test
    void twoPluginsWithOneProviderNameAreAnErrorThatNamesBoth() {
        goodPlugin(dir);
        Path a = FixtureJars.provider("good", "same").plugin("alpha", "1.0.0").write(dir.resolve("alpha.jar"));
        Path b = FixtureJars.provider("good", "same").plugin("beta", "1.0.0").write(dir.resolve("beta.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            assertEquals(LoadState.LOADED, statusOf(ir, a).state());
            PluginStatus sb = statusOf(ir, b);
            assertEquals(LoadState.FAILED, sb.state());
            assertTrue(sb.message().contains("two providers are named same"), sb::message);
            assertTrue(sb.message().contains(a.toAbsolutePath().toString()), sb::message);
            assertTrue(sb.message().contains(b.toAbsolutePath().toString()), sb::message);
            // The one registered is alpha's: beta's did not replace it.
            assertEquals("alpha", ir.registry().find("same").orElseThrow().identity().pluginId());
            ProviderStatus row = ir.providers().stream().filter(p -> p.pluginId().equals("beta")).findFirst()
                    .orElseThrow();
            assertEquals(LoadState.FAILED, row.state());
            assertEquals("same", row.name());
            assertEquals(List.of(row.message()), log.problems());
        }
    }

    @Test
    void aProviderNameTakenByTheClassPathIsAnErrorThatNamesBoth(@TempDir Path elsewhere) throws Exception {
        Path onClasspath = FixtureJars.provider("good", GOOD).write(elsewhere.resolve("good-classpath.jar"));
        Path plugin = goodPlugin(dir);
        try (var loader = new java.net.URLClassLoader(new java.net.URL[] {onClasspath.toUri().toURL()},
                KernelIr.class.getClassLoader());
                LogCapture log = LogCapture.start();
                KernelIr ir = KernelIr.builder().classpathProviders(loader).pluginsDirectory(dir).build()) {
            assertEquals(ProviderIdentity.Source.CLASSPATH, ir.registry().find(GOOD).orElseThrow().identity().source());
            PluginStatus s = statusOf(ir, plugin);
            assertEquals(LoadState.FAILED, s.state());
            assertTrue(s.message().contains(onClasspath.toString()) && s.message().contains(plugin.toString()),
                    s::message);
            assertEquals(1, log.problems().size(), log.problems()::toString);
        }
    }

    @Test
    void aPluginIdPresentTwiceLoadsOnceAndReportsTheOtherJar() {
        Path first = goodPlugin(dir);
        Path second = FixtureJars.provider("good", "other").plugin(Fixtures.GOOD_ID, "1.1.0")
                .write(dir.resolve("second-good.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, second);
            assertEquals(LoadState.FAILED, s.state());
            assertTrue(s.message().contains("plugin id good-plugin is already taken by " + first.toAbsolutePath()),
                    s::message);
            assertFalse(ir.registry().find("other").isPresent());
            assertListed(ir, s);
            assertEquals(List.of(s.message()), log.problems());
        }
    }

    @Test
    void aPluginThatBundlesTheSpiIsReportedAndStillUsesTheHostsSpi() {
        goodPlugin(dir);
        Path jar = FixtureJars.provider("good", "bundler").plugin("bundler-plugin", "1.0.0").bundleSpi()
                .write(dir.resolve("bundler.jar"));
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=bundler,good,native")) {
            PluginStatus s = statusOf(ir, jar);
            assertTrue(s.message().contains("bundles its own copy of the kernel-ir SPI; mark kernel-ir as provided "
                    + "scope"), s::message);
            assertEquals(List.of(s.message()), log.problems());
            // No ClassCastException: its provider implements the host's KernelProvider, and dispatch uses it.
            assertEquals(LoadState.LOADED, s.state());
            assertEquals("bundler", rmsNormProvider(ir));
            Fixtures.assertRmsNormMatchesNative(ir);
            assertEquals(LoadState.LOADED, Fixtures.status(ir, Fixtures.GOOD_ID).state());
        }
    }

    @Test
    void aMissingPluginsFolderIsNotAnError() {
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir.resolve("absent"), "rms_norm=native")) {
            assertEquals(List.of(), ir.plugins());
            assertEquals(List.of(), log.problems());
            assertEquals("native", rmsNormProvider(ir));
        }
        assertFalse(Files.exists(dir.resolve("absent")));
    }

    @Test
    void aPriorityThatNamesAFailedPluginsProviderStillBuilds() {
        goodPlugin(dir);
        FixtureJars.provider("ctor_throws", "ctor").plugin("ctor-plugin", "1.0.0").write(dir.resolve("ctor.jar"));
        try (LogCapture log = LogCapture.start();
                KernelIr ir = kernelIr(dir, "rms_norm=ctor,good,native")) {
            assertEquals(GOOD, rmsNormProvider(ir));
            assertEquals(2, log.problems().size(), log.problems()::toString);
            assertTrue(log.problems().get(1).contains("names provider ctor, which is not loaded"),
                    log.problems()::toString);
        }
    }

    /** The provider listing shows a JAR that failed before any provider of it was found. */
    private static void assertListed(KernelIr ir, PluginStatus s) {
        assertTrue(ir.providers().stream().anyMatch(p -> p.location().equals(s.jar().toString())
                && p.state() == s.state() && p.message().equals(s.message())), () -> ir.providers().toString());
    }
}
