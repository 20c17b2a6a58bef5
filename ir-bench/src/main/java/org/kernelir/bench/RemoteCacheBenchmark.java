package org.kernelir.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.ModelFile;
import org.kernelir.passes.PassManager;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The remote tier in a warm JVM: the cost of lowering one subgraph of llama-70b-shaped (81 subgraphs) when its
 * lowered graph comes from the remote tier (a GET on a redis-server on loopback, the checks, the decoding), against
 * the same from the disk tier. The memory tier keeps nothing ({@code maximumNodes(0)}), so that every lowering goes
 * to the tier under test. Needs {@code redis-server} on the PATH.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class RemoteCacheBenchmark {

    private BenchRedis redis;
    private List<Graph> pieces;
    private PassManager remoteOnly;
    private PassManager diskOnly;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
        redis = BenchRedis.start();
        pieces = ModelFile.read(LoweringCacheBenchmark.MODEL).graphs();
        Dispatcher d = LoweringCacheBenchmark.cpuFirst();
        Path disk = Files.createTempDirectory("kir-bench-disk");
        TieredReplacementCache fill = ReplacementCaches.builder().diskDirectory(disk)
                .remoteCache(FreshJvmLowering.remote(redis.uri())).build();
        LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(d, fill), pieces);
        fill.flushRemote(Duration.ofSeconds(30));
        fill.closeRemote();
        remoteOnly = LoweringCacheBenchmark.manager(d, ReplacementCaches.builder().noDisk().maximumNodes(0)
                .remoteCache(FreshJvmLowering.remote(redis.uri())).build());
        diskOnly = LoweringCacheBenchmark.manager(d, ReplacementCaches.builder().diskDirectory(disk).maximumNodes(0)
                .noRemoteCache().build());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        redis.close();
    }

    private Graph piece() {
        Graph g = pieces.get(next);
        next = (next + 1) % pieces.size();
        return g;
    }

    /** One subgraph whose lowered graph comes from the remote tier. */
    @Benchmark
    public Graph remoteHitPerSubgraph() {
        return remoteOnly.run(piece()).graph();
    }

    /** One subgraph whose lowered graph comes from the disk tier (the baseline). */
    @Benchmark
    public Graph diskHitPerSubgraph() {
        return diskOnly.run(piece()).graph();
    }
}
