package org.kernelir.cache;

import java.util.List;
import java.util.Objects;
import org.kernelir.core.graph.Graph;

/**
 * A cached pipeline result: the transformed graph and what the run that made it decided, as typed items (which
 * implementation each node got, which nodes were left and why, which values were donated), so that a hit can give
 * back the report of the run that made it. The cache stores these items in a binary form of its own
 * ({@code LoweredGraphs}); no caller encodes anything as text.
 *
 * @param graph      the graph the pipeline produced
 * @param selections the implementation chosen for each lowered node, in graph order
 * @param failures   the IR op nodes left in the graph, with the reason, in graph order
 * @param donated    the values that in-place nodes were allowed to overwrite (node names)
 */
public record LoweredGraph(Graph graph, List<Selection> selections, List<Failure> failures, List<String> donated) {

    /**
     * The implementation chosen for one node.
     *
     * @param node     the node's name
     * @param op       the op it implements
     * @param provider the provider whose implementation was inlined
     */
    public record Selection(String node, String op, String provider) {
        public Selection {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(provider, "provider");
        }
    }

    /**
     * An IR op node that the run left in the graph.
     *
     * @param node   the node's name
     * @param reason why no implementation was inlined
     */
    public record Failure(String node, String reason) {
        public Failure {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(reason, "reason");
        }
    }

    public LoweredGraph {
        Objects.requireNonNull(graph, "graph");
        selections = List.copyOf(selections);
        failures = List.copyOf(failures);
        donated = List.copyOf(donated);
    }

    /** A result with no selections, failures or donated values (a graph with nothing to lower). */
    public LoweredGraph(Graph graph) {
        this(graph, List.of(), List.of(), List.of());
    }
}
