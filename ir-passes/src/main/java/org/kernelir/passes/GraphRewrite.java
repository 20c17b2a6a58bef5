package org.kernelir.passes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.Target;

/**
 * Builds a new graph from an old one, node by node. Nodes of the old graph are copied under their own names
 * with their arguments redirected to the new nodes; a pass may instead {@link #replace} an old node by another
 * new node, and every later use follows.
 *
 * <p>Node names of the old graph are reserved from the start, so names made with {@link #freshName} never take
 * a name that a later copied node needs; the result is deterministic.
 */
final class GraphRewrite {

    private final Graph.Builder out;
    private final Set<String> reserved;
    /** Old node to its stand-in in the new graph. Nodes have identity equality, so this is an identity map. */
    private final Map<Node, Node> map;

    GraphRewrite(Graph source) {
        this.out = Graph.builder(source.name());
        this.reserved = HashSet.newHashSet(source.nodes().size());
        this.map = HashMap.newHashMap(source.nodes().size());
        for (Node n : source.nodes()) {
            reserved.add(n.name());
        }
    }

    /** Copies a placeholder or call node; its arguments are redirected. */
    Node copy(Node n) {
        Node copied = switch (n.kind()) {
            case PLACEHOLDER -> out.placeholder(n.name(), (TensorMeta) n.meta());
            case CALL -> out.call(n.name(), n.target(), mapAll(n.args()), n.meta());
            case OUTPUT -> throw new IllegalArgumentException("copy the output node with finish()");
        };
        map.put(n, copied);
        return copied;
    }

    /** Adds a new call node. */
    Node call(String name, Target target, List<?> args, NodeMeta meta) {
        return out.call(name, target, args, meta);
    }

    /** Later uses of {@code old} read {@code replacement}, a node of the new graph. */
    void replace(Node old, Node replacement) {
        map.put(old, replacement);
    }

    /** The new node that stands for {@code old}. */
    Node mapped(Node old) {
        Node n = map.get(old);
        if (n == null) {
            throw new IllegalStateException("node " + old.name() + " is used before it was copied or replaced");
        }
        return n;
    }

    /** An argument value with every old node replaced by its stand-in (also inside lists). */
    Object map(Object arg) {
        return switch (arg) {
            case Node n -> mapped(n);
            case List<?> l -> mapAll(l);
            case null, default -> arg;
        };
    }

    List<Object> mapAll(List<?> args) {
        List<Object> mapped = new ArrayList<>(args.size());
        for (Object a : args) {
            mapped.add(map(a));
        }
        return Collections.unmodifiableList(mapped);
    }

    /** {@code base}, or {@code base_1}, {@code base_2}, ...: a name neither the old nor the new graph uses. */
    String freshName(String base) {
        String candidate = base;
        for (int k = 1; reserved.contains(candidate) || out.hasNode(candidate); k++) {
            candidate = base + "_" + k;
        }
        return candidate;
    }

    /** Closes the new graph with {@code results}, values of the new graph. */
    Graph output(List<?> results) {
        return out.output(results);
    }

    /** Copies the output node of the old graph and returns the new graph. */
    Graph finish(Node outputNode) {
        return out.output(mapAll(outputNode.args()));
    }

    // ---- whole-graph edits -----------------------------------------------------------------------------------

    /** What a whole-graph edit does with one call node of the old graph: copy it, drop it, or replace it. */
    @FunctionalInterface
    interface CallEdit {
        void apply(GraphRewrite rewrite, Node call);
    }

    /**
     * The one walk every whole-graph edit shares: placeholders are copied, each call node is handed to {@code edit}
     * in order, and the output node closes the new graph.
     */
    static Graph transform(Graph g, CallEdit edit) {
        return transform(g, edit, GraphRewrite::finish);
    }

    /** {@link #transform(Graph, CallEdit)}, closing the new graph with {@code finish} given the old output node. */
    static Graph transform(Graph g, CallEdit edit, java.util.function.BiFunction<GraphRewrite, Node, Graph> finish) {
        GraphRewrite rw = new GraphRewrite(g);
        for (Node n : g.nodes()) {
            switch (n.kind()) {
                case OUTPUT -> {
                    return finish.apply(rw, n);
                }
                case PLACEHOLDER -> rw.copy(n);
                case CALL -> edit.apply(rw, n);
            }
        }
        throw new IllegalStateException("graph " + g.name() + " has no output node");
    }

    /**
     * {@code g} without the nodes of {@code replacements}' keys, every use of such a node reading its value instead
     * (a value that is itself replaced is followed to the end of the chain).
     */
    static Graph replaceUses(Graph g, Map<Node, Node> replacements) {
        if (replacements.isEmpty()) {
            return g;
        }
        return transform(g, (rw, n) -> {
            Node to = replacements.get(n);
            if (to == null) {
                rw.copy(n);
            } else {
                rw.replace(n, rw.mapped(to));
            }
        });
    }

    /** {@code g} with only the placeholders, the output and the call nodes {@code keep} accepts. */
    static Graph retainCalls(Graph g, Predicate<Node> keep) {
        return transform(g, (rw, n) -> {
            if (keep.test(n)) {
                rw.copy(n);
            }
        });
    }
}
