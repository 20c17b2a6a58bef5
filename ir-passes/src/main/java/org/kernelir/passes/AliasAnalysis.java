package org.kernelir.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Prims;

/**
 * Which nodes of a graph may share storage, and which calls write into it.
 *
 * <p>Two nodes are in one <em>storage class</em> when one is a view of the other ({@code reshape},
 * {@code permute}, {@code narrow}, {@code expand}), a {@code getitem} of the other, or the result of a call that
 * writes into the other (such as {@code copy_}, which returns its destination). A call of a target that the
 * catalog does not know is assumed to alias and write all its tensor arguments. The classes over-approximate
 * sharing ({@code reshape} of a contiguous tensor is a view, of any other a copy; both count as a view), which
 * only ever makes a pass keep more.
 *
 * <p>An analysis describes one graph and is immutable once made.
 */
final class AliasAnalysis {

    /** {@code user} reads {@code value} (as an argument, or as a graph result when it is the output node). */
    record Use(Node user, Node value) {
    }

    private final Graph graph;
    private final int[] classOf;
    /** Class to its members, in graph order. */
    private final Map<Integer, List<Node>> members = new HashMap<>();
    /** Class to the calls that write into it, in graph order. */
    private final Map<Integer, List<Node>> writers = new HashMap<>();

    private AliasAnalysis(Graph graph, int[] parent, List<Node[]> writes) {
        this.graph = graph;
        this.classOf = new int[parent.length];
        for (int i = 0; i < parent.length; i++) {
            classOf[i] = find(parent, i);
        }
        for (Node n : graph.nodes()) {
            if (n.kind() != Node.Kind.OUTPUT) {
                members.computeIfAbsent(classOf[n.index()], k -> new ArrayList<>()).add(n);
            }
        }
        for (Node[] w : writes) { // writes are recorded in graph order of their writers
            List<Node> list = writers.computeIfAbsent(classOf[w[1].index()], k -> new ArrayList<>());
            if (list.isEmpty() || list.getLast() != w[0]) {
                list.add(w[0]);
            }
        }
    }

    static AliasAnalysis of(Graph graph, KernelCatalog catalog) {
        int[] parent = new int[graph.nodes().size()];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        List<Node[]> writes = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (!n.isCall()) {
                continue;
            }
            if (n.calls(Prims.GETITEM.target())) {
                union(parent, n, (Node) n.arg(0));
                continue;
            }
            Optional<KernelDef> def = catalog.find(n.target());
            if (def.isEmpty()) {
                for (Node in : Graph.inputNodes(n)) {
                    union(parent, n, in);
                    writes.add(new Node[] {n, in});
                }
            } else if (Prims.isView(def.get())) {
                union(parent, n, (Node) n.arg(0));
            } else {
                for (int i : def.get().mutates()) {
                    if (i < n.args().size() && n.arg(i) instanceof Node target) {
                        union(parent, n, target);
                        writes.add(new Node[] {n, target});
                    }
                }
            }
        }
        return new AliasAnalysis(graph, parent, writes);
    }

    /** Whether {@code n}'s call writes into one of its arguments (unknown targets are assumed to). */
    static boolean mutates(Node n, KernelCatalog catalog) {
        return n.isCall() && catalog.find(n.target()).map(KernelDef::isMutating).orElse(true);
    }

    boolean sameStorage(Node a, Node b) {
        return classOf[a.index()] == classOf[b.index()];
    }

    /** Every node in {@code n}'s storage class, in graph order. */
    List<Node> members(Node n) {
        return members.get(classOf[n.index()]);
    }

    /** The calls that write into {@code n}'s storage class, in graph order. */
    List<Node> writersOf(Node n) {
        return writers.getOrDefault(classOf[n.index()], List.of());
    }

    /** The first use after position {@code index} of a member of {@code n}'s storage class, if any. */
    Optional<Use> firstUseAfter(Node n, int index) {
        Use first = null;
        for (Node m : members(n)) {
            for (Node user : graph.users(m)) {
                if (user.index() > index && (first == null || user.index() < first.user().index())) {
                    first = new Use(user, m);
                }
            }
        }
        return Optional.ofNullable(first);
    }

    /** The graph inputs in {@code n}'s storage class. */
    List<Node> placeholders(Node n) {
        return members(n).stream().filter(m -> m.kind() == Node.Kind.PLACEHOLDER).toList();
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, Node a, Node b) {
        int ra = find(parent, a.index());
        int rb = find(parent, b.index());
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
