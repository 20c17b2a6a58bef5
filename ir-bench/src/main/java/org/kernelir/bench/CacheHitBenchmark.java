package org.kernelir.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.ReplacementKey;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.format.ModelFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one cache hit costs per IR node of llama-70b-shaped: selecting the implementation, building the
 * canonical signature and key, and the memory-tier lookup (inlining aside). The baseline is tracing the same
 * node's implementation, which is what a hit saves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class CacheHitBenchmark {

    /** IR op nodes in llama-70b-shaped's 81 pieces. */
    static final int NODES = 321;

    private record Site(OpDef<?> op, List<Object> metaArgs) {
    }

    private final List<Site> sites = new ArrayList<>();
    private Dispatcher dispatcher;
    private ReplacementCache cache;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dispatcher = LoweringCacheBenchmark.cpuFirst();
        for (Graph g : ModelFile.read(LoweringCacheBenchmark.MODEL).graphs()) {
            for (Node n : g.calls()) {
                if (n.target().namespace().equals(OpDef.NAMESPACE)) {
                    OpDef<?> op = dispatcher.registry().ops().require(n.target().name());
                    List<Object> metas = new ArrayList<>();
                    for (Object a : op.schema().bind(n.name(), n.args())) {
                        metas.add(a instanceof Node arg ? arg.meta() : a);
                    }
                    sites.add(new Site(op, metas));
                }
            }
        }
        if (sites.size() != NODES) {
            throw new IllegalStateException("expected " + NODES + " IR nodes, found " + sites.size());
        }
        cache = ReplacementCaches.builder().noDisk().build();
        hits();
    }

    private Graph lookup(Site s, boolean trace) {
        Implementation<?> impl = dispatcher.handle(s.op()).select(new CallArgs(s.metaArgs()));
        ProviderIdentity id = dispatcher.registry().find(impl.provider()).orElseThrow().identity();
        ReplacementKey key = ReplacementKey.of(s.op(), true, id, s.metaArgs());
        if (trace) {
            return ImplementationTracer.trace(impl, key.signature().canonicalArgs(), true);
        }
        return cache.getOrTrace(key, () -> ImplementationTracer.trace(impl, key.signature().canonicalArgs(), true));
    }

    /** Per IR node: dispatch, key, memory hit. */
    @Benchmark
    @OperationsPerInvocation(NODES)
    public int hits() {
        int n = 0;
        for (Site s : sites) {
            n += lookup(s, false).nodes().size();
        }
        return n;
    }

    /** Per IR node: dispatch, key, and a fresh trace (what a hit saves). */
    @Benchmark
    @OperationsPerInvocation(NODES)
    public int traces() {
        int n = 0;
        for (Site s : sites) {
            n += lookup(s, true).nodes().size();
        }
        return n;
    }
}
