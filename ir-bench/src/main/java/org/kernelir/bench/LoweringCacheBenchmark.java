package org.kernelir.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.format.ModelFile;
import org.kernelir.passes.PassConfig;
import org.kernelir.passes.PassManager;
import org.kernelir.providers.cpu.CpuProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lowering the 80-layer llama-70b-shaped piecewise model (81 subgraphs, 321 IR op nodes) with
 * {@code default=cpu,native}, in one warm JVM: without a cache, with a cold cache (new and empty for every
 * lowering), with a warm memory tier (the default cache: replacements and lowered graphs), and with a warm memory
 * tier of replacements only ({@code cacheLoweredGraphs(false)}: every lowering runs the passes, only tracing is
 * saved). {@code FreshJvmLowering} measures the disk tier across processes.
 *
 * <p>Run from the repository root (it reads {@code examples/models/llama-70b-shaped.json}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class LoweringCacheBenchmark {

    /** The model every lowering benchmark uses. */
    static final Path MODEL = Path.of("examples/models/llama-70b-shaped.json");

    /** The priority in force: cpu first (the setting), and native only, where traces are larger. */
    @Param({"default=cpu,native", "default=native"})
    public String priority;

    private List<Graph> pieces;
    private Dispatcher dispatcher;
    private PassManager warm;
    private PassManager warmReplacementsOnly;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        pieces = ModelFile.read(MODEL).graphs();
        dispatcher = withPriority(priority);
        warm = manager(dispatcher, ReplacementCaches.builder().noDisk().build());
        lowerAll(warm, pieces);
        warmReplacementsOnly = manager(dispatcher, ReplacementCaches.builder().noDisk().cacheLoweredGraphs(false).build());
        lowerAll(warmReplacementsOnly, pieces);
    }

    /** A dispatcher with the cpu provider first in priority. */
    static Dispatcher cpuFirst() {
        return withPriority("default=cpu,native");
    }

    static Dispatcher withPriority(String priority) {
        ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
        registry.register(new CpuProvider());
        return new Dispatcher(registry, Priority.parse(priority));
    }

    static PassManager manager(Dispatcher d, ReplacementCache cache) {
        return PassManager.standard(PassConfig.builder(d).cache(cache).build());
    }

    static int lowerAll(PassManager pm, List<Graph> graphs) {
        int nodes = 0;
        for (Graph g : graphs) {
            nodes += pm.run(g).graph().nodes().size();
        }
        return nodes;
    }

    /** Every IR node traced. */
    @Benchmark
    public int noCache() {
        return lowerAll(manager(dispatcher, ReplacementCache.disabled()), pieces);
    }

    /**
     * A new, empty memory cache for each whole-model lowering: a few traces, the rest replacement hits; every
     * subgraph is a lowered-graph miss (the 81 subgraphs differ at least in their weights' names).
     */
    @Benchmark
    public int coldCache() {
        return lowerAll(manager(dispatcher, ReplacementCaches.builder().noDisk().build()), pieces);
    }

    /** Every subgraph a memory hit. */
    @Benchmark
    public int warmMemory() {
        return lowerAll(warm, pieces);
    }

    /** Every subgraph lowered by the passes, every IR node's replacement a memory hit. */
    @Benchmark
    public int warmMemoryReplacementsOnly() {
        return lowerAll(warmReplacementsOnly, pieces);
    }

    /** A fresh disk folder for the fresh-JVM benchmark, filled by lowering once in another process. */
    static Path populatedDiskCache() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kir-bench-cache");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), FreshJvmLowering.class.getName(), dir.toString())
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("populating the disk cache failed");
        }
        return dir;
    }
}
