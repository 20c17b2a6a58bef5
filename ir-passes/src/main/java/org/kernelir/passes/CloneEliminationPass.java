package org.kernelir.passes;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.tensor.Prims;

/**
 * Removes {@code prim::clone} nodes where that cannot change a result; their users then read the original.
 *
 * <p>A clone {@code c = clone(x)} is removed when it has the same metadata as {@code x} (so its users see the
 * same layout), nothing writes into {@code x}'s storage after the clone (so the two never differ while
 * {@code c} is live), and either
 * <ul>
 *   <li>nothing writes into {@code c} (a read-only clone), or</li>
 *   <li>{@code c} is written, but nothing reads {@code x} (or anything sharing its storage) from the first write
 *       on, and {@code x}'s storage is not a graph input unless that input is donated: {@code x} is donated, so
 *       the write may go into it directly.</li>
 * </ul>
 * A clone is therefore kept when it is written and the original is read after the write, or when it copies a
 * graph input that is not donated and is written. In a chain {@code c2 = clone(c1)}, {@code c1 = clone(x)} with
 * no write between the two, {@code c2} copies {@code x} directly; {@code c1} then goes by the rules above or
 * by dead code elimination.
 *
 * <p>Writes are the arguments that a target's {@link org.kernelir.core.tensor.KernelDef#mutates()} names, and
 * storage is shared through views and through calls that write (see the catalog of {@link PassConfig}).
 */
public final class CloneEliminationPass implements Pass {

    private static final UUID UUID_V1 = UUID.nameUUIDFromBytes(
            "org.kernelir.passes.CloneEliminationPass/1".getBytes(StandardCharsets.UTF_8));

    @Override
    public String name() {
        return "CloneEliminationPass";
    }

    @Override
    public UUID uuid() {
        return UUID_V1;
    }

    @Override
    public Graph run(Graph graph, PassContext context) {
        if (graph.calls().stream().noneMatch(CloneEliminationPass::isClone)) {
            return graph;
        }
        // Each change is decided on a fresh analysis of the current graph, because removing a clone merges two
        // storages. Only the clone at hand changes, so the scan resumes where it stopped.
        Graph g = graph;
        int start = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            AliasAnalysis aliases = AliasAnalysis.of(g, context.catalog());
            List<Node> nodes = g.nodes();
            for (int i = start; i < nodes.size() && !changed; i++) {
                Node c = nodes.get(i);
                if (!isClone(c)) {
                    continue;
                }
                Node x = (Node) c.arg(0);
                if (isClone(x) && noWriteBetween(aliases, x, (Node) x.arg(0), c)) {
                    g = retarget(g, c, (Node) x.arg(0));
                    changed = true;
                } else if (removable(c, x, aliases, context)) {
                    g = GraphRewrite.replaceUses(g, Map.of(c, x));
                    changed = true;
                }
                start = i;
            }
        }
        return g;
    }

    private static boolean isClone(Node n) {
        return n.isCall() && n.calls(Prims.CLONE.target()) && n.arg(0) instanceof Node;
    }

    /** Whether {@code c = clone(x)} can read {@code x} itself; see the class comment for the rules. */
    private static boolean removable(Node c, Node x, AliasAnalysis aliases, PassContext context) {
        if (!c.meta().equals(x.meta()) || aliases.sameStorage(c, x)) {
            return false;
        }
        if (aliases.writersOf(x).stream().anyMatch(w -> w.index() > c.index())) {
            return false; // x changes while the clone lives
        }
        List<Node> writesToClone = aliases.writersOf(c);
        if (writesToClone.isEmpty()) {
            return true; // read-only clone
        }
        int firstWrite = writesToClone.getFirst().index();
        if (aliases.firstUseAfter(x, firstWrite - 1).isPresent()) {
            return false; // the original is read after (or by) the write
        }
        return aliases.placeholders(x).stream().allMatch(p -> context.isDonated(p.name()));
    }

    /** Whether the storages of {@code clone} and of its source stay unwritten between the clone and {@code user}. */
    private static boolean noWriteBetween(AliasAnalysis aliases, Node clone, Node source, Node user) {
        return aliases.writersOf(clone).stream().noneMatch(w -> w.index() > clone.index() && w.index() < user.index())
                && aliases.writersOf(source).stream()
                .noneMatch(w -> w.index() > clone.index() && w.index() < user.index());
    }

    /** {@code g} with clone {@code c} copying {@code source} instead. */
    private static Graph retarget(Graph g, Node c, Node source) {
        return GraphRewrite.transform(g, (rw, n) -> {
            if (n == c) {
                rw.replace(n, rw.call(n.name(), n.target(), List.of(rw.mapped(source)), n.meta()));
            } else {
                rw.copy(n);
            }
        });
    }
}
