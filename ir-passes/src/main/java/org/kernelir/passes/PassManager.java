package org.kernelir.passes;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
import org.kernelir.cache.CacheStats;
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

    private final PassConfig config;
    private final List<Pass> passes;

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
     * A stable identity of this pipeline as it would run now: a name-based UUID over the passes' uuids in order,
     * the dispatcher's {@link org.kernelir.core.dispatch.Dispatcher#identity() identity} (the priority in force,
     * and the identity and availability of every provider it names) and the donated graph inputs. It changes when
     * any of them changes, so an outer compile cache can key lowered graphs on it. Computed on each call, because
     * priorities and providers may change between calls.
     */
    public UUID pipelineUuid() {
        StringBuilder sb = new StringBuilder("kernel-ir pipeline\n");
        passes.forEach(p -> sb.append("pass ").append(p.uuid()).append('\n'));
        sb.append("dispatch ").append(config.dispatcher().identity()).append('\n');
        sb.append("donated ").append(new TreeSet<>(config.donatedInputs())).append('\n');
        return UUID.nameUUIDFromBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Runs every pass on {@code graph} in order.
     *
     * @return the final graph and the report of this run; its cache counters are the change of the cache's
     *         counters during the run (approximate when other runs share the cache at the same time)
     * @throws PassException when a pass rejects the graph (for example a {@link LoweringException} in strict
     *                       mode); the message names the node
     */
    public LoweringResult run(Graph graph) {
        PassContext context = new PassContext(config);
        CacheStats before = config.cache().stats();
        long start = System.nanoTime();
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
