package org.kernelir.passes;

import java.util.UUID;
import org.kernelir.core.graph.Graph;

/**
 * One transformation of a graph.
 *
 * <p>Contract: {@link #run} never modifies its input (graphs are immutable) and returns a graph that computes
 * the same values. It is deterministic: equal inputs under an equal configuration give equal outputs (the same
 * node names included), so a lowered graph can be compared, diffed and cached. A pass that changes nothing may
 * return its input.
 */
public interface Pass {

    /** A short name for logs and reports, such as {@code LoweringPass}. */
    String name();

    /**
     * A stable identity of what this pass does. It changes when the pass's behaviour changes (a new version of
     * its rules), so an outer compile cache that keys on {@link PassManager#pipelineUuid()} never serves a graph
     * that an older pass produced.
     */
    UUID uuid();

    /**
     * Transforms {@code graph}.
     *
     * @param context the configuration of this run, and where the pass records what it did
     * @throws PassException when the graph breaks a rule the pass enforces; the message names the node
     */
    Graph run(Graph graph, PassContext context);
}
