package org.kernelir.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.kernelir.runtime.plugins.Fixtures.GOOD;
import static org.kernelir.runtime.plugins.Fixtures.rmsNormProvider;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.provider.Fingerprints;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.runtime.KernelIr;

/** One provider JAR, unchanged, works on the class path and in the plugins folder, with one fingerprint. */
class SameJarBothWaysTest {

    @Test
    void theSameJarWorksFromTheClassPathAndFromThePluginsFolder(@TempDir Path plugins) throws Exception {
        Path jar = FixtureJars.provider("good", GOOD).plugin("good-plugin", "1.0.0").write(plugins.resolve("good.jar"));
        String sha256 = Fingerprints.of(jar);

        ProviderIdentity fromClasspath;
        try (URLClassLoader classpath = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                KernelIr.class.getClassLoader());
                LogCapture log = LogCapture.start();
                KernelIr ir = KernelIr.builder().classpathProviders(classpath).plugins(false)
                        .priority(Priority.parse("rms_norm=good,native")).build()) {
            fromClasspath = ir.registry().find(GOOD).orElseThrow().identity();
            assertEquals(GOOD, rmsNormProvider(ir));
            Fixtures.assertRmsNormMatchesNative(ir);
            ProviderStatus row = ir.providers().stream().filter(p -> p.name().equals(GOOD)).findFirst().orElseThrow();
            assertEquals(LoadState.LOADED, row.state());
            assertEquals(ProviderIdentity.Source.CLASSPATH, row.source());
            assertEquals(List.of(), log.problems());
        }

        ProviderIdentity fromPlugin;
        try (LogCapture log = LogCapture.start();
                KernelIr ir = KernelIr.builder().classpathProviders(false).pluginsDirectory(plugins)
                        .priority(Priority.parse("rms_norm=good,native")).build()) {
            fromPlugin = ir.registry().find(GOOD).orElseThrow().identity();
            assertEquals(GOOD, rmsNormProvider(ir));
            Fixtures.assertRmsNormMatchesNative(ir);
            assertEquals(List.of(), log.problems());
        }

        assertEquals(ProviderIdentity.Source.CLASSPATH, fromClasspath.source());
        assertEquals(ProviderIdentity.Source.PLUGIN, fromPlugin.source());
        assertEquals(sha256, fromClasspath.fingerprint());
        assertEquals(sha256, fromPlugin.fingerprint());
        assertEquals(jar.toString(), fromClasspath.location());
        assertEquals(jar.toString(), fromPlugin.location());
        // Same code, same fingerprint; the source and plugin coordinates still tell the two apart in cache keys.
        assertNotEquals(fromClasspath.key(), fromPlugin.key());
    }
}
