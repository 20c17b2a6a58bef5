package org.kernelir.providers.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.examples.LlamaBuilder;
import org.kernelir.runtime.KernelIr;
import org.kernelir.runtime.plugins.LoadState;
import org.kernelir.runtime.plugins.ProviderStatus;
import org.slf4j.LoggerFactory;

/**
 * The cuda plugin JAR in a real plugins folder, on this machine without a GPU: it loads, reports itself
 * unavailable with the reason, and lowering with {@code cuda,cpu,native} selects cpu with exactly one warning.
 * The JAR is assembled from this build's classes with the manifest the pom gives the real one (the real JAR is
 * made after the tests, in the package phase).
 */
class PluginFallbackTest {

    /** A plugin JAR of the class folder or JAR {@code code}, with the manifest entries the poms give. */
    static Path pluginJar(Path dir, Path code, String id) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", "0.1.0-SNAPSHOT");
        a.putValue("Plugin-Provider", "kernel-ir");
        a.putValue("Plugin-Requires", ">=0.1.0");
        Path jar = dir.resolve(id + ".jar");
        if (Files.isRegularFile(code)) {
            return Files.copy(code, jar);
        }
        Path classes = code;
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, m);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void thePluginLoadsUnavailableAndLoweringFallsBackToCpuWithOneWarning(@TempDir Path dir) throws IOException {
        assumeTrue(!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1")), "this machine has a driver");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        pluginJar(plugins, Path.of("target/classes"), "kernel-ir-cuda");
        // The cpu provider comes as a plugin too: the class path holds this module's own classes, which must not be
        // registered from there.
        pluginJar(plugins, Path.of(org.kernelir.providers.cpu.CpuProvider.class.getProtectionDomain().getCodeSource()
                .getLocation().getPath()), "kernel-ir-cpu");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        root.addAppender(seen);
        String summary;
        ProviderStatus cuda;
        try (KernelIr ir = KernelIr.builder().classpathProviders(false).pluginsDirectory(plugins)
                .priority(Priority.parse("default=cuda,cpu,native")).build()) {
            cuda = ir.providers().stream().filter(p -> p.name().equals("cuda")).findFirst().orElseThrow();
            LoweringResult lowered = ir.lower(LlamaBuilder.tiny().build());
            summary = lowered.report().summary();
        } finally {
            root.detachAppender(seen);
        }
        assertEquals(LoadState.UNAVAILABLE, cuda.state(), cuda::toString);
        assertEquals("kernel-ir-cuda", cuda.pluginId());
        KernelImage image = KernelImage.fromResources();
        assertEquals(image.built() ? "no CUDA driver: libcuda.so.1 could not be loaded" : image.reason(),
                cuda.message());
        assertTrue(summary.contains("rms_norm=cpu"), summary);
        assertTrue(!summary.contains("cuda"), summary);
        List<String> warnings = seen.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, warnings.size(), warnings::toString);
        assertEquals("cuda provider unavailable: " + cuda.message()
                + "; its ops go to the next provider in the priority list", warnings.getFirst());
    }
}
