package org.kernelir.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.kernelir.bench.plugin.EchoProvider;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.runtime.KernelIrVersion;
import org.kernelir.runtime.plugins.LoadState;
import org.kernelir.runtime.plugins.PluginHost;
import org.kernelir.runtime.plugins.PluginStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Discovering and starting two plugins from a plugins folder (the cpu plugin JAR from {@code plugins/}, and a
 * second plugin JAR written at set-up) into a fresh provider registry, then closing them. The registry itself
 * is made before the measurement. {@code cold} is the
 * first load in a new JVM (one measurement per fork); {@code warm} repeats it in a warm JVM. Run from the
 * repository root after a build.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PluginLoadBenchmark {

    private Path folder;
    private ProviderRegistry registry;

    /** A fresh registry for every load (kernel-ir's own start-up is not what this measures). */
    @Setup(Level.Invocation)
    public void freshRegistry() {
        registry = new ProviderRegistry(OpRegistry.standard());
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        folder = Files.createTempDirectory("kir-bench-plugins");
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of("plugins"), "providers-cpu-*.jar")) {
            for (Path jar : jars) {
                Files.copy(jar, folder.resolve(jar.getFileName()));
            }
        }
        writeEchoPlugin(folder.resolve("echo-plugin.jar"));
    }

    private static void writeEchoPlugin(Path jar) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", "echo-plugin");
        a.putValue("Plugin-Version", "1.0.0");
        a.putValue("Plugin-Provider", "kernel-ir benchmarks");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out, mf)) {
            jos.putNextEntry(new JarEntry("META-INF/services/org.kernelir.core.provider.KernelProvider"));
            jos.write((EchoProvider.class.getName() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String cls = EchoProvider.class.getName().replace('.', '/') + ".class";
            jos.putNextEntry(new JarEntry(cls));
            try (InputStream in = EchoProvider.class.getClassLoader().getResourceAsStream(cls)) {
                in.transferTo(jos);
            }
        }
    }

    private int loadTwo() {
        try (PluginHost host = new PluginHost(registry, folder,
                KernelIrVersion.current())) {
            List<PluginStatus> statuses = host.loadAll();
            long loaded = statuses.stream().filter(s -> s.state() == LoadState.LOADED).count();
            if (loaded != 2) {
                throw new IllegalStateException("expected 2 loaded plugins, got " + statuses);
            }
            return (int) loaded;
        }
    }

    /** The first load in a fresh JVM. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    @Fork(value = 9, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
    public int cold() {
        return loadTwo();
    }

    /** Loading again in a warm JVM. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 3, time = 2)
    @Fork(1)
    public int warm() {
        return loadTwo();
    }
}
