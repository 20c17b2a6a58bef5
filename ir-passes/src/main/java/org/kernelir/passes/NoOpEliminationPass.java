package org.kernelir.passes;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.tensor.Prims;

/**
 * Removes calls that return their input unchanged; their users read the input. A call is a no-op when its
 * result has exactly its input's metadata (dtype, shape, strides, device) and it is one of:
 * <ul>
 *   <li>{@code reshape} to the same shape, or {@code expand} to the same shape (views of the same memory);</li>
 *   <li>{@code narrow} of a whole dimension (start 0, full length);</li>
 *   <li>{@code cast} to the same dtype, a copy, which may only go when neither the copy nor the input is written
 *       afterwards (otherwise the two must stay apart).</li>
 * </ul>
 */
public final class NoOpEliminationPass implements Pass {

    private static final UUID UUID_V1 = UUID.nameUUIDFromBytes(
            "org.kernelir.passes.NoOpEliminationPass/1".getBytes(StandardCharsets.UTF_8));

    @Override
    public String name() {
        return "NoOpEliminationPass";
    }

    @Override
    public UUID uuid() {
        return UUID_V1;
    }

    @Override
    public Graph run(Graph graph, PassContext context) {
        Map<Node, Node> replacements = new HashMap<>();
        AliasAnalysis aliases = null;
        for (Node n : graph.calls()) {
            if (n.args().isEmpty() || !(n.arg(0) instanceof Node x) || !n.meta().equals(x.meta())) {
                continue;
            }
            boolean noOp;
            if (n.calls(Prims.RESHAPE.target()) || n.calls(Prims.EXPAND.target())) {
                noOp = true;
            } else if (n.calls(Prims.NARROW.target())) {
                noOp = Long.valueOf(0).equals(n.arg(2)); // equal metadata: the length is the whole dimension
            } else if (n.calls(Prims.CAST.target())) {
                if (aliases == null) {
                    aliases = AliasAnalysis.of(graph, context.catalog());
                }
                noOp = aliases.writersOf(n).isEmpty()
                        && aliases.writersOf(x).stream().noneMatch(w -> w.index() > n.index());
            } else {
                noOp = false;
            }
            if (noOp) {
                replacements.put(n, x);
            }
        }
        return GraphRewrite.replaceUses(graph, replacements);
    }
}
