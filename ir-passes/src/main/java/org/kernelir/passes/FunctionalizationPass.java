package org.kernelir.passes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.op.OpDef;

/**
 * Turns every {@code ir::X.maybe_inplace} node into a functional {@code ir::X} node with the same name,
 * arguments and metadata, and checks that doing so is safe.
 *
 * <p>A {@code maybe_inplace} call allows its implementation to overwrite its activation inputs: the inputs are
 * <em>donated</em>. That is only sound when nothing reads them afterwards, so a later use of a donated input,
 * or of any tensor sharing its storage (a view of it, or what it is a view of), is an error naming both nodes.
 * The donated values, and the graph inputs whose storage they share, are recorded in the context: lowering
 * traces the functional overload, which clones the activations of in-place implementations, and
 * {@link CloneEliminationPass} removes the clones of donated values.
 *
 * <p>Nodes of unknown ops, or with an overload their op does not have, are left for {@link LoweringPass} to
 * report.
 */
public final class FunctionalizationPass implements Pass {

    private static final UUID UUID_V1 = UUID.nameUUIDFromBytes(
            "org.kernelir.passes.FunctionalizationPass/1".getBytes(StandardCharsets.UTF_8));

    @Override
    public String name() {
        return "FunctionalizationPass";
    }

    @Override
    public UUID uuid() {
        return UUID_V1;
    }

    /**
     * @throws PassException when a donated input is used after the node it is donated to, naming the node, the
     *                       input and the later user
     */
    @Override
    public Graph run(Graph graph, PassContext context) {
        List<String> rewritten = new ArrayList<>();
        GraphRewrite rw = new GraphRewrite(graph);
        Graph functional = null;
        for (Node n : graph.nodes()) {
            switch (n.kind()) {
                case PLACEHOLDER -> rw.copy(n);
                case OUTPUT -> functional = rw.finish(n);
                case CALL -> {
                    Optional<OpDef<?>> op = inplaceOp(n, context);
                    if (op.isPresent()) {
                        rw.replace(n, rw.call(n.name(), op.get().target(), rw.mapAll(n.args()), n.meta()));
                        rewritten.add(n.name());
                    } else {
                        rw.copy(n);
                    }
                }
            }
        }
        if (rewritten.isEmpty()) {
            return graph;
        }
        checkDonations(graph, functional, rewritten, context);
        return functional;
    }

    /** The op of a {@code maybe_inplace} node that can be made functional. */
    private static Optional<OpDef<?>> inplaceOp(Node n, PassContext context) {
        if (!n.target().namespace().equals(OpDef.NAMESPACE) || !OpDef.MAYBE_INPLACE.equals(n.target().overload())) {
            return Optional.empty();
        }
        return context.dispatcher().registry().ops().find(n.target().name()).filter(OpDef::allowInplace);
    }

    /**
     * Checks on the functional graph, where the rewritten nodes no longer alias their inputs, that no donated
     * activation (or anything sharing its storage) is used after the node it was donated to.
     */
    private static void checkDonations(Graph original, Graph functional, List<String> rewritten,
            PassContext context) {
        AliasAnalysis aliases = AliasAnalysis.of(functional, context.catalog());
        for (String name : rewritten) {
            Node n = functional.node(name);
            OpDef<?> op = context.dispatcher().registry().ops().require(n.target().name());
            for (int i : op.activations()) {
                if (i >= n.args().size() || !(n.arg(i) instanceof Node input)) {
                    continue; // an absent optional activation (None) donates nothing
                }
                String param = op.schema().params().get(i).name();
                Optional<AliasAnalysis.Use> later = aliases.firstUseAfter(input, n.index());
                if (later.isPresent()) {
                    throw donatedInputUsed(original.node(name), param, input, later.get());
                }
                context.recordDonated(input.name());
                aliases.placeholders(input).forEach(p -> context.recordDonated(p.name()));
            }
        }
    }

    private static PassException donatedInputUsed(Node n, String param, Node input, AliasAnalysis.Use use) {
        String user = use.user().kind() == Node.Kind.OUTPUT ? "the graph's output returns"
                : "node " + use.user().name() + " (" + use.user().target() + ") uses";
        String what = use.value() == input ? input.name()
                : use.value().name() + ", which shares storage with " + input.name() + ",";
        return new PassException("node " + n.name() + " (" + n.target() + ") may overwrite its activation " + param
                + " = " + input.name() + ", but " + user + " " + what + " afterwards; call the functional "
                + n.target().base() + " instead, or read the node's results rather than its input after it");
    }
}
