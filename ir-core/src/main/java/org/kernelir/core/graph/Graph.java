package org.kernelir.core.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Target;

/**
 * A straight-line program over tensors: placeholders (the inputs), call nodes, and one output node, in
 * execution order.
 *
 * <p>A graph is immutable. It is made with a {@link Builder}, which enforces that node names are unique and
 * that every node argument is a node defined earlier in the same graph, so a graph can never refer forward or
 * contain a cycle. Passes read a graph and build a new one.
 *
 * <p>{@link #toString()} prints the graph as code (see {@link GraphPrinter}); {@link #equals(Object)} is
 * structural: same nodes, in the same order, with the same names, targets, arguments and metadata.
 */
public final class Graph {

    private final String name;
    private final List<Node> nodes;
    private final Map<String, Node> byName;
    private volatile Map<Node, List<Node>> users;

    private Graph(String name, List<Node> nodes, Map<String, Node> byName) {
        this.name = name;
        this.nodes = nodes;
        this.byName = byName;
    }

    /** Starts a new graph called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** All nodes in execution order; the last one is the output node. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The node called {@code nodeName}, or {@code null}. */
    public Node node(String nodeName) {
        return byName.get(nodeName);
    }

    /** The placeholder nodes, in order: the graph's inputs. */
    public List<Node> placeholders() {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.kind() == Node.Kind.PLACEHOLDER) {
                out.add(n);
            }
        }
        return out;
    }

    /** The output node. */
    public Node outputNode() {
        return nodes.getLast();
    }

    /** The graph's results: nodes, or {@code null} for an absent result. */
    public List<Object> outputs() {
        return outputNode().args();
    }

    /** The call nodes, in order. */
    public List<Node> calls() {
        return nodes.stream().filter(Node::isCall).toList();
    }

    /** The nodes that use {@code node} as an argument (directly or inside a list), in graph order. */
    public List<Node> users(Node node) {
        Map<Node, List<Node>> u = users;
        if (u == null) {
            u = new HashMap<>();
            for (Node n : nodes) {
                for (Node used : inputNodes(n)) {
                    u.computeIfAbsent(used, k -> new ArrayList<>()).add(n);
                }
            }
            users = u;
        }
        return u.getOrDefault(node, List.of());
    }

    /** The distinct nodes {@code n} takes as arguments (directly or inside lists), in first-use order. */
    public static List<Node> inputNodes(Node n) {
        List<Node> out = new ArrayList<>();
        collect(n.args(), out);
        return out;
    }

    private static void collect(List<?> values, List<Node> out) {
        for (Object v : values) {
            if (v instanceof Node node) {
                if (!out.contains(node)) {
                    out.add(node);
                }
            } else if (v instanceof List<?> l) {
                collect(l, out);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof Graph g) || !name.equals(g.name) || nodes.size() != g.nodes.size()) {
            return false;
        }
        for (int i = 0; i < nodes.size(); i++) {
            if (!nodes.get(i).sameAs(g.nodes.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, nodes.size(), nodes.isEmpty() ? null : nodes.get(nodes.size() / 2).name());
    }

    @Override
    public String toString() {
        return GraphPrinter.print(this);
    }

    /**
     * Builds a {@link Graph} node by node. Every method checks its input at once and throws an
     * {@link IllegalArgumentException} naming the node, so a graph that {@link #build()} returns is well formed
     * (names unique, arguments defined before use, exactly one output node, last).
     */
    public static final class Builder {
        private final String name;
        private final List<Node> nodes = new ArrayList<>();
        private final Map<String, Node> byName = new LinkedHashMap<>();
        private final Map<String, Integer> counters = new HashMap<>();
        private boolean done;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "graph name");
        }

        /** Adds a graph input. */
        public Node placeholder(String nodeName, TensorMeta meta) {
            return add(nodeName, Node.Kind.PLACEHOLDER, null, List.of(), Objects.requireNonNull(meta, "meta of " + nodeName));
        }

        /** Adds a call of {@code target}; the node is named after the target, made unique with a suffix. */
        public Node call(Target target, List<?> args, NodeMeta meta) {
            return call(freshName(target.name()), target, args, meta);
        }

        /** Adds a call of {@code target} under an explicit, unused name. */
        public Node call(String nodeName, Target target, List<?> args, NodeMeta meta) {
            Objects.requireNonNull(target, "target of " + nodeName);
            return add(nodeName, Node.Kind.CALL, target, Literals.normalizeAll(args),
                    Objects.requireNonNull(meta, () -> "node " + nodeName + " (" + target + ") has no metadata"));
        }

        /** Adds the output node and returns the finished graph. */
        public Graph output(List<?> results) {
            add("output", Node.Kind.OUTPUT, null, Collections.unmodifiableList(new ArrayList<>(results)), null);
            return build();
        }

        /** A name not used yet in this graph, derived from {@code base}. */
        public String freshName(String base) {
            String candidate = base;
            while (byName.containsKey(candidate)) {
                int k = counters.merge(base, 1, Integer::sum);
                candidate = base + "_" + k;
            }
            return candidate;
        }

        /** Whether {@code nodeName} is taken. */
        public boolean hasNode(String nodeName) {
            return byName.containsKey(nodeName);
        }

        /** The node of this builder called {@code nodeName}, or {@code null}. */
        public Node node(String nodeName) {
            return byName.get(nodeName);
        }

        private Node add(String nodeName, Node.Kind kind, Target target, List<Object> args, NodeMeta meta) {
            if (done) {
                throw new IllegalStateException("graph " + name + " is already complete (it has an output node)");
            }
            if (!Target.isValidName(nodeName)) {
                throw new IllegalArgumentException("node name '" + nodeName + "' in graph " + name + " must match "
                        + Target.NAME.pattern());
            }
            if (byName.containsKey(nodeName)) {
                throw new IllegalArgumentException("graph " + name + " already has a node named " + nodeName);
            }
            checkDefined(nodeName, args);
            Node n = new Node(nodeName, kind, target, args, meta, nodes.size());
            nodes.add(n);
            byName.put(nodeName, n);
            if (kind == Node.Kind.OUTPUT) {
                done = true;
            }
            return n;
        }

        private void checkDefined(String user, List<?> args) {
            for (Object a : args) {
                if (a instanceof Node n) {
                    if (byName.get(n.name()) != n) {
                        throw new IllegalArgumentException("node " + user + " in graph " + name + " uses " + n.name()
                                + ", which is not defined before it in this graph");
                    }
                    if (n.kind() == Node.Kind.OUTPUT) {
                        throw new IllegalArgumentException("node " + user + " uses the output node");
                    }
                } else if (a instanceof List<?> l) {
                    checkDefined(user, l);
                }
            }
        }

        /** Returns the finished graph; the last node must be the output node. */
        public Graph build() {
            if (!done) {
                throw new IllegalStateException("graph " + name + " has no output node");
            }
            return new Graph(name, List.copyOf(nodes), Map.copyOf(byName));
        }
    }
}
