package org.kernelir.cli.model;

import java.util.List;
import org.kernelir.core.graph.Graph;

/**
 * A model as the commands see it: one graph, or the pieces of a piecewise model (such as one graph per decoder
 * layer), lowered one by one.
 *
 * @param name   what to call it in reports
 * @param source where it was read from (a file or folder), for messages
 * @param pieces its graphs, in order; at least one
 */
public record Model(String name, String source, List<Graph> pieces) {

    public Model {
        pieces = List.copyOf(pieces);
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("model " + name + " from " + source + " has no graph");
        }
    }

    /** Number of nodes over all pieces. */
    public int nodeCount() {
        return pieces.stream().mapToInt(g -> g.nodes().size()).sum();
    }
}
