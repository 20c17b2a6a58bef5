package org.kernelir.passes;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;

/**
 * Removes call nodes whose results nobody uses (directly or through other kept nodes). Placeholders stay, so
 * the graph keeps its signature, and so do calls that write into an argument (their effect is the point),
 * including calls of targets the catalog does not know.
 */
public final class DeadCodeEliminationPass implements Pass {

    private static final UUID UUID_V1 = UUID.nameUUIDFromBytes(
            "org.kernelir.passes.DeadCodeEliminationPass/1".getBytes(StandardCharsets.UTF_8));

    @Override
    public String name() {
        return "DeadCodeEliminationPass";
    }

    @Override
    public UUID uuid() {
        return UUID_V1;
    }

    @Override
    public Graph run(Graph graph, PassContext context) {
        Set<Node> live = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> nodes = graph.nodes();
        live.addAll(Graph.inputNodes(graph.outputNode()));
        int removed = 0;
        for (int i = nodes.size() - 2; i >= 0; i--) {
            Node n = nodes.get(i);
            if (!n.isCall()) {
                continue;
            }
            if (live.contains(n) || AliasAnalysis.mutates(n, context.catalog())) {
                live.add(n);
                live.addAll(Graph.inputNodes(n));
            } else {
                removed++;
            }
        }
        return removed == 0 ? graph : GraphRewrite.retainCalls(graph, live::contains);
    }
}
