package org.kernelir.passes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.KernelIrCode;
import org.kernelir.cache.LoweredGraph;
import org.kernelir.cache.LoweredGraphKey;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.graph.Graph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an ordered list of passes under one {@link PassConfig}, timing each.
 *
 * <pre>{@code
 * PassManager pipeline = PassManager.standard(PassConfig.builder(dispatcher).cache(cache).build());
 * LoweringResult result = pipeline.run(graph);
 * log.info("{}", result.report().summary());   // fused_add_rms_norm=cpu*160 rms_norm=cpu silu_and_mul=cpu*80
 * }</pre>
 *
 * <p>A manager is immutable and may run many graphs, also from several threads: each run gets its own
 * {@link PassContext}.
 */
public final class PassManager {

    private static final Logger LOG = LoggerFactory.getLogger(PassManager.class);

    /** The name of the one timing in the report of a run answered from the cache. */
    public static final String CACHED_PASS_NAME = "cache";

    private final PassConfig config;
    private final List<Pass> passes;
    private volatile UuidMemo uuidMemo;

    /** kernel-ir's own code, passes included: another build never reads this one's lowered graphs. */
    private static final String CODE = KernelIrCode.identity(PassManager.class);

    /** A manager that runs {@code passes} in order. */
    public PassManager(PassConfig config, List<? extends Pass> passes) {
        this.config = Objects.requireNonNull(config, "config");
        this.passes = List.copyOf(passes);
    }

    /**
     * The default pipeline: {@link FunctionalizationPass}, {@link LoweringPass}, {@link CloneEliminationPass},
     * {@link NoOpEliminationPass}, {@link DeadCodeEliminationPass}.
     */
    public static PassManager standard(PassConfig config) {
        return new PassManager(config, standardPasses());
    }

    /** The passes of {@link #standard}, in order. */
    public static List<Pass> standardPasses() {
        return List.of(new FunctionalizationPass(), new LoweringPass(), new CloneEliminationPass(),
                new NoOpEliminationPass(), new DeadCodeEliminationPass());
    }

    /** What every run works under. */
    public PassConfig config() {
        return config;
    }

    /** The passes, in the order they run. */
    public List<Pass> passes() {
        return passes;
    }

    /**
     * A stable identity of this pipeline as it would run now: a name-based UUID over kernel-ir's code
     * ({@link KernelIrCode}), the passes' uuids in order,
     * the dispatcher's {@link org.kernelir.core.dispatch.Dispatcher#identity() identity} (the priority in force,
     * and the identity and availability of every provider it names), the donated graph inputs and strict mode.
     * It changes when any of them changes; the cache keys lowered graphs on it. Computed on each call, because
     * priorities and providers may change between calls.
     */
    public UUID pipelineUuid() {
        // Everything but the dispatcher's identity is fixed for this manager, and that identity is memoized by the
        // dispatcher (the same string until a priority or provider changes): reuse the UUID while it is the same.
        String dispatch = config.dispatcher().identity();
        UuidMemo memo = uuidMemo;
        if (memo != null && memo.dispatch() == dispatch) {
            return memo.uuid();
        }
        StringBuilder sb = new StringBuilder("kernel-ir pipeline\n");
        sb.append("code ").append(CODE).append('\n');
        passes.forEach(p -> sb.append("pass ").append(p.uuid()).append('\n'));
        sb.append("dispatch ").append(dispatch).append('\n');
        sb.append("donated ").append(new TreeSet<>(config.donatedInputs())).append('\n');
        sb.append("strict ").append(config.strict()).append('\n');
        UUID uuid = UUID.nameUUIDFromBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
        uuidMemo = new UuidMemo(dispatch, uuid);
        return uuid;
    }

    private record UuidMemo(String dispatch, UUID uuid) {
    }

    /**
     * Runs every pass on {@code graph} in order, or, when the configured cache keeps lowered graphs, takes the
     * result from it if this pipeline, as it is now ({@link #pipelineUuid()}), has lowered an equal graph before.
     * Only runs in which no provider was skipped are kept (a skipped provider is tried again next time). A result
     * from the cache has the selections, failures and donated values of the run that made it, a single timing
     * called {@value #CACHED_PASS_NAME}, and the cache's counters during the lookup; its failures are logged as
     * a warning, as the lowering pass logs them.
     *
     * @return the final graph and the report of this run; its cache counters are the change of the cache's
     *         counters during the run (approximate when other runs share the cache at the same time)
     * @throws PassException when a pass rejects the graph (for example a {@link LoweringException} in strict
     *                       mode, or a {@link NativeFallbackException} when native fallbacks are errors); the
     *                       message names the node
     */
    public LoweringResult run(Graph graph) {
        LoweringResult result = runPipeline(graph);
        if (config.failOnNativeFallback()) {
            NativeFallbackException.check(graph.name(), result.report(), config.dispatcher().priority());
        }
        return result;
    }

    private LoweringResult runPipeline(Graph graph) {
        Objects.requireNonNull(graph, "graph");
        ReplacementCache cache = config.cache();
        long start = System.nanoTime();
        CacheStats before = cache.stats();
        if (!config.cachesLoweredGraphs()) {
            return runPasses(graph, before, start);
        }
        // The generation is read before the identity it guards: if it is unchanged when the result is stored, every
        // dispatch decision of this run was made under the providers and priority the key names (invariant 7).
        Dispatcher dispatcher = config.dispatcher();
        long generation = dispatcher.generation();
        LoweredGraphKey key = new LoweredGraphKey(pipelineUuid(), graph, () -> dispatcher.generation() == generation);
        LoweringResult[] made = new LoweringResult[1];
        LoweredGraph entry = cache.getOrLower(key, () -> {
            LoweringResult r = runPasses(graph, before, start);
            made[0] = r;
            return r.report().skipped().isEmpty() ? toEntry(r) : null;
        });
        if (made[0] != null && (entry == null || entry.graph() == made[0].graph())) {
            return made[0];
        }
        double ms = (System.nanoTime() - start) / 1e6;
        LoweringReport report = fromEntry(entry, cache.stats().minus(before), ms);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {} from the cache in {} ms", graph.name(), report.summary(), LoweringReport.ms(ms));
        }
        if (!report.failed().isEmpty()) {
            LOG.warn("lowering left {} IR op node{} in graph {} (as when it was first lowered): {}",
                    report.failed().size(), report.failed().size() == 1 ? "" : "s", graph.name(),
                    report.failed().stream().map(f -> f.node() + " (" + f.reason() + ")").toList());
        }
        return new LoweringResult(entry.graph(), report);
    }

    /** The cache entry of a run: its graph and the typed items of its report that a hit gives back. */
    private static LoweredGraph toEntry(LoweringResult r) {
        List<LoweredGraph.Selection> selections = new ArrayList<>(r.report().nodes().size());
        r.report().nodes().forEach((node, s) -> selections.add(new LoweredGraph.Selection(node, s.op(), s.provider())));
        return new LoweredGraph(r.graph(), selections,
                r.report().failed().stream().map(f -> new LoweredGraph.Failure(f.node(), f.reason())).toList(),
                r.report().donated());
    }

    /** The report of a run answered from the cache: the entry's items, one timing for the lookup, the counters. */
    private static LoweringReport fromEntry(LoweredGraph entry, CacheStats cacheDelta, double millis) {
        Map<String, LoweringReport.Selection> nodes = new LinkedHashMap<>();
        entry.selections().forEach(s -> nodes.put(s.node(), new LoweringReport.Selection(s.op(), s.provider())));
        return new LoweringReport(nodes,
                entry.failures().stream().map(f -> new LoweringReport.Failure(f.node(), f.reason())).toList(),
                List.of(), entry.donated(), List.of(new LoweringReport.PassTiming(CACHED_PASS_NAME, millis)),
                cacheDelta, millis);
    }

    private LoweringResult runPasses(Graph graph, CacheStats before, long start) {
        PassContext context = new PassContext(config);
        Graph g = graph;
        for (Pass pass : passes) {
            long t0 = System.nanoTime();
            g = pass.run(g, context);
            double ms = (System.nanoTime() - t0) / 1e6;
            context.recordTiming(pass.name(), ms);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} completed in {} ms", pass.name(), LoweringReport.ms(ms));
            }
        }
        double total = (System.nanoTime() - start) / 1e6;
        return new LoweringResult(g, context.report(config.cache().stats().minus(before), total));
    }
}
