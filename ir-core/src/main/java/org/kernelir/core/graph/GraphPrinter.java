package org.kernelir.core.graph;

import java.util.stream.Collectors;
import org.kernelir.core.tensor.Literals;

/**
 * Prints a graph as code that a person can read:
 *
 * <pre>
 * graph tiny(x: f32[s0, 64], w: f32[64]):
 *     rms_norm: f32[s0, 64] = ir::rms_norm(x, w, 1.0E-6, None)
 *     return (rms_norm)
 * </pre>
 */
public final class GraphPrinter {

    private GraphPrinter() {
    }

    /** The listing of {@code g}. */
    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder("graph ").append(g.name()).append('(');
        sb.append(g.placeholders().stream().map(p -> p.name() + ": " + p.meta()).collect(Collectors.joining(", ")));
        sb.append("):\n");
        for (Node n : g.nodes()) {
            switch (n.kind()) {
                case PLACEHOLDER -> { }
                case CALL -> sb.append("    ").append(n.name()).append(": ").append(n.meta()).append(" = ")
                        .append(n.target()).append('(')
                        .append(n.args().stream().map(Literals::format).collect(Collectors.joining(", ")))
                        .append(")\n");
                case OUTPUT -> sb.append("    return (")
                        .append(n.args().stream().map(Literals::format).collect(Collectors.joining(", ")))
                        .append(")\n");
            }
        }
        return sb.toString();
    }
}
