package org.kernelir.cache;

import java.util.Objects;
import org.kernelir.core.graph.Graph;

/**
 * A cached pipeline result: the transformed graph and the pipeline's own notes about the run (for example which
 * implementation each node got), which the cache stores as opaque text.
 *
 * @param graph the graph the pipeline produced
 * @param notes what the pipeline wants back with the graph on a hit; any text
 */
public record LoweredGraph(Graph graph, String notes) {

    public LoweredGraph {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(notes, "notes");
    }
}
