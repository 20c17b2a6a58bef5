package org.kernelir.cli.model;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.cli.base.CliException;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphVerifier;
import org.kernelir.core.tensor.KernelCatalog;

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

    /** At most this many problems are listed; the message says how many more there are. */
    private static final int MAX_LISTED = 20;

    /**
     * Checks every piece against the definitions of what it calls ({@link GraphVerifier}): known targets, arguments
     * that fit each schema, recorded metadata that agrees with each meta function. Done on every graph read from a
     * file, before any pass, so that no pass ever sees a graph it would misread.
     *
     * @param catalog the primitives, IR ops and kernel ops of the loaded providers
     * @throws CliException listing every problem (up to {@value #MAX_LISTED}), each with its graph and node
     */
    public void verify(KernelCatalog catalog) {
        List<String> problems = new ArrayList<>();
        for (Graph g : pieces) {
            for (String p : GraphVerifier.problems(g, catalog)) {
                problems.add((pieces.size() == 1 ? "" : "graph " + g.name() + ", ") + p);
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        int n = problems.size();
        List<String> shown = problems.subList(0, Math.min(n, MAX_LISTED));
        throw new CliException("model " + source + " is not a valid graph (" + n + " problem" + (n == 1 ? "" : "s")
                + "; fix " + (n == 1 ? "it" : "them") + " in the file):\n  " + String.join("\n  ", shown)
                + (n > MAX_LISTED ? "\n  ... and " + (n - MAX_LISTED) + " more" : ""));
    }

    /** Number of nodes over all pieces. */
    public int nodeCount() {
        return pieces.stream().mapToInt(g -> g.nodes().size()).sum();
    }
}
