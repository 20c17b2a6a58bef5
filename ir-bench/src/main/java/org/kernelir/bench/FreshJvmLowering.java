package org.kernelir.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.ModelFile;
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
 * The first lowering of llama-70b-shaped in a fresh JVM (each fork is a new process, measured once): with no
 * cache, against a disk tier that another process filled (the default cache: lowered graphs and replacements), and
 * against the same folder with lowered graphs turned off (replacements only). JVM start-up is outside the
 * measurement; class loading and JIT warm-up are inside, as a real first run pays them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 7, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class FreshJvmLowering {

    private List<Graph> pieces;
    private Dispatcher dispatcher;
    private Path diskCache;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
        diskCache = LoweringCacheBenchmark.populatedDiskCache();
        pieces = ModelFile.read(LoweringCacheBenchmark.MODEL).graphs();
        dispatcher = LoweringCacheBenchmark.cpuFirst();
    }

    @Benchmark
    public int freshJvmNoCache() {
        return LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(dispatcher, ReplacementCache.disabled()),
                pieces);
    }

    @Benchmark
    public int freshJvmWarmDisk() {
        return LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(dispatcher,
                ReplacementCaches.builder().diskDirectory(diskCache).build()), pieces);
    }

    @Benchmark
    public int freshJvmWarmDiskReplacementsOnly() {
        return LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(dispatcher,
                ReplacementCaches.builder().diskDirectory(diskCache).cacheLoweredGraphs(false).build()), pieces);
    }

    /** Fills a disk cache folder by lowering the model once: {@code FreshJvmLowering DIR}. */
    public static void main(String[] args) throws IOException {
        Dispatcher d = LoweringCacheBenchmark.cpuFirst();
        ReplacementCache cache = ReplacementCaches.builder().diskDirectory(Path.of(args[0])).build();
        LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(d, cache),
                ModelFile.read(LoweringCacheBenchmark.MODEL).graphs());
    }
}
