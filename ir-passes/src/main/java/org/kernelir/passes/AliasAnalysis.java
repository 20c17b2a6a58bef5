package org.kernelir.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.kernel.KernelCatalog;
import org.kernelir.core.kernel.KernelDef;
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
 */
final class AliasAnalysis {

    /** A call that writes into {@code target}'s storage. */
    record Write(Node writer, Node target) {
    }

    private final Graph graph;
    private final int[] parent;
    private final List<Write> writes = new ArrayList<>();

    private AliasAnalysis(Graph graph) {
        this.graph = graph;
        this.parent = new int[graph.nodes().size()];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
    }

    static AliasAnalysis of(Graph graph, KernelCatalog catalog) {
        AliasAnalysis a = new AliasAnalysis(graph);
        for (Node n : graph.calls()) {
            if (n.calls(Prims.GETITEM.target())) {
                a.union(n, (Node) n.arg(0));
                continue;
            }
            Optional<KernelDef> def = catalog.find(n.target());
            if (def.isEmpty()) {
                for (Node in : Graph.inputNodes(n)) {
                    a.union(n, in);
                    a.writes.add(new Write(n, in));
                }
            } else if (Prims.isView(def.get())) {
                a.union(n, (Node) n.arg(0));
            } else {
                for (int i : def.get().mutates()) {
                    if (i < n.args().size() && n.arg(i) instanceof Node target) {
                        a.union(n, target);
                        a.writes.add(new Write(n, target));
                    }
                }
            }
        }
        return a;
    }

    /** Whether {@code n}'s call writes into one of its arguments (unknown targets are assumed to). */
    static boolean mutates(Node n, KernelCatalog catalog) {
        if (!n.isCall()) {
            return false;
        }
        return catalog.find(n.target()).map(KernelDef::isMutating).orElse(true);
    }

    boolean sameStorage(Node a, Node b) {
        return find(a.index()) == find(b.index());
    }

    /** Every node in {@code n}'s storage class, in graph order. */
    List<Node> members(Node n) {
        int root = find(n.index());
        List<Node> out = new ArrayList<>();
        for (Node m : graph.nodes()) {
            if (m.kind() != Node.Kind.OUTPUT && find(m.index()) == root) {
                out.add(m);
            }
        }
        return out;
    }

    /** The calls that write into {@code n}'s storage class, in graph order. */
    List<Node> writersOf(Node n) {
        int root = find(n.index());
        List<Node> out = new ArrayList<>();
        for (Write w : writes) {
            if (find(w.target().index()) == root && !out.contains(w.writer())) {
                out.add(w.writer());
            }
        }
        out.sort((x, y) -> Integer.compare(x.index(), y.index()));
        return out;
    }

    /** {@code user} reads {@code value} (as an argument, or as a graph result when it is the output node). */
    record Use(Node user, Node value) {
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

    private int find(int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private void union(Node a, Node b) {
        int ra = find(a.index());
        int rb = find(b.index());
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
