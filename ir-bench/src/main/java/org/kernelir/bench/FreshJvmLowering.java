package org.kernelir.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kernelir.cache.CacheConfig;
import org.kernelir.cache.RemoteCacheConfig;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first lowering of llama-70b-shaped in a fresh JVM (each fork is a new process, measured once): with no
 * cache, against a disk tier that another process filled (the default cache: lowered graphs and replacements), and
 * against the same folder with lowered graphs turned off (replacements only), and with an empty disk folder and a
 * remote tier (redis-server) that another process filled. JVM start-up is outside the
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

    /**
     * An empty local disk and a warm remote tier (a redis-server on loopback that another process filled): every
     * subgraph's lowered graph comes from the server, and is written to the local disk. Needs redis-server.
     */
    @Benchmark
    public int freshJvmEmptyDiskWarmRedis(RemoteState remote) {
        return LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(dispatcher,
                ReplacementCaches.builder().diskDirectory(remote.emptyDisk).remoteCache(remote(remote.redis.uri()))
                        .build()), pieces);
    }

    /**
     * The remote settings of the benchmarks: a 500 ms timeout rather than the default 50 ms, because on a busy
     * shared machine a loopback call can take longer than 50 ms, and a benchmark of hits must not measure the
     * fault path (a timed-out write leaves its lock until expiry, and a reader then waits for it).
     */
    static RemoteCacheConfig remote(URI uri) {
        return RemoteCacheConfig.of(uri).withTimeout(Duration.ofMillis(500));
    }

    /** A redis-server filled by another process, and an empty disk folder; only the remote benchmark uses it. */
    @State(Scope.Benchmark)
    public static class RemoteState {
        BenchRedis redis;
        Path emptyDisk;

        @Setup(Level.Trial)
        public void setUp() throws IOException, InterruptedException {
            redis = BenchRedis.start();
            Path fillerDisk = Files.createTempDirectory("kir-bench-filler");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp",
                    System.getProperty("java.class.path"), FreshJvmLowering.class.getName(), fillerDisk.toString(),
                    redis.uri().toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("filling the remote cache failed");
            }
            emptyDisk = Files.createTempDirectory("kir-bench-empty");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            redis.close();
        }
    }

    @Benchmark
    public int freshJvmWarmDiskReplacementsOnly() {
        return LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(dispatcher,
                ReplacementCaches.builder().diskDirectory(diskCache).cacheLoweredGraphs(false).build()), pieces);
    }

    /**
     * Fills a disk cache folder by lowering the model once: {@code FreshJvmLowering DIR [REDIS_URI]}; with a URI,
     * the remote tier too (waiting for its writes).
     */
    public static void main(String[] args) throws IOException {
        Dispatcher d = LoweringCacheBenchmark.cpuFirst();
        CacheConfig config = ReplacementCaches.builder().diskDirectory(Path.of(args[0])).noRemoteCache();
        TieredReplacementCache cache = (args.length > 1 ? config.remoteCache(remote(URI.create(args[1]))) : config)
                .build();
        LoweringCacheBenchmark.lowerAll(LoweringCacheBenchmark.manager(d, cache),
                ModelFile.read(LoweringCacheBenchmark.MODEL).graphs());
        cache.flushRemote(Duration.ofSeconds(30));
        cache.closeRemote();
    }
}
