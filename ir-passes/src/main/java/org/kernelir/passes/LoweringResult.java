package org.kernelir.passes;

import java.util.Objects;
import org.kernelir.core.graph.Graph;

/**
 * The outcome of running a pipeline on a graph.
 *
 * @param graph  the transformed graph
 * @param report what the passes did
 */
public record LoweringResult(Graph graph, LoweringReport report) {

    public LoweringResult {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(report, "report");
    }
}
