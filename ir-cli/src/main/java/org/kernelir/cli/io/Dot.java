package org.kernelir.cli.io;

import java.util.List;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Prims;

/**
 * A graph as a Graphviz {@code digraph} ({@code dot -Tsvg lowered.dot -o lowered.svg}): one box per call, labelled
 * with its name, target and result metadata, an edge per node argument. Inputs are ellipses; primitives are grey,
 * provider kernel ops blue, IR ops that are still unlowered red.
 */
public final class Dot {

    private Dot() {
    }

    /** The DOT text of {@code g}. */
    public static String of(Graph g) {
        return of(g.name(), List.of(g));
    }

    /**
     * The DOT text of a model's graphs: one cluster per graph when there are several (the pieces of a piecewise
     * model), their nodes prefixed with the piece's index so that names stay unique.
     */
    public static String of(String name, List<Graph> graphs) {
        StringBuilder sb = new StringBuilder("digraph ").append(quote(name)).append(" {\n");
        sb.append("  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
        boolean clusters = graphs.size() > 1;
        for (int i = 0; i < graphs.size(); i++) {
            Graph g = graphs.get(i);
            String prefix = clusters ? "p" + i + "_" : "";
            String indent = clusters ? "    " : "  ";
            if (clusters) {
                sb.append("  subgraph ").append(quote("cluster_" + i)).append(" {\n    label=")
                        .append(quote(i + ": " + g.name())).append(";\n");
            }
            nodes(sb, g, prefix, indent);
            if (clusters) {
                sb.append("  }\n");
            }
        }
        return sb.append("}\n").toString();
    }

    private static void nodes(StringBuilder sb, Graph g, String prefix, String indent) {
        for (Node n : g.nodes()) {
            String attrs = switch (n.kind()) {
                case PLACEHOLDER -> "shape=ellipse, style=filled, fillcolor=\"#e8f4e8\", label=" + quote(n.name() + "\n"
                        + n.meta());
                case OUTPUT -> "shape=doublecircle, label=\"output\"";
                case CALL -> "shape=box, style=\"rounded,filled\", fillcolor=\"" + color(n) + "\", label="
                        + quote(n.name() + "\n" + n.target() + literals(n) + "\n" + n.meta());
            };
            sb.append(indent).append(quote(prefix + n.name())).append(" [").append(attrs).append("];\n");
        }
        for (Node n : g.nodes()) {
            for (Node in : Graph.inputNodes(n)) {
                sb.append(indent).append(quote(prefix + in.name())).append(" -> ").append(quote(prefix + n.name()))
                        .append(";\n");
            }
        }
    }

    private static String color(Node n) {
        String ns = n.target().namespace();
        if (ns.equals(Prims.NAMESPACE)) {
            return "#eeeeee";
        }
        return ns.equals(OpDef.NAMESPACE) ? "#f8d0d0" : "#d0e0f8";
    }

    /** The literal arguments, shortened: {@code (1.0E-6, None)}. */
    private static String literals(Node n) {
        StringBuilder sb = new StringBuilder();
        for (Object a : n.args()) {
            if (!(a instanceof Node) && !(a instanceof List<?> l && l.stream().anyMatch(Node.class::isInstance))) {
                sb.append(sb.isEmpty() ? "" : ", ").append(Literals.format(a));
            }
        }
        String s = sb.toString();
        return s.isEmpty() ? "" : "(" + (s.length() > 40 ? s.substring(0, 37) + "..." : s) + ")";
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
