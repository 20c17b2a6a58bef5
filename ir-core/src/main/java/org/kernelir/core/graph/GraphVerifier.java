package org.kernelir.core.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Prims;

/**
 * Checks a graph against the definitions of what it calls. {@link Graph.Builder} already guarantees the graph's
 * shape (unique names, arguments defined before use, one output node); the verifier checks its meaning:
 *
 * <ul>
 *   <li>every call target is known to the catalog;</li>
 *   <li>every call's arguments fit the target's schema (arity and types; tensor parameters get nodes);</li>
 *   <li>every node used as an argument produces a tensor: a node with a {@link TupleMeta} may only be taken
 *       apart by {@code prim::getitem};</li>
 *   <li>every call's recorded metadata is what the target's meta function computes from its arguments'
 *       metadata; for {@code prim::getitem}, the selected element of the tuple;</li>
 *   <li>placeholders carry tensor metadata, and the output node returns nodes or {@code None};</li>
 *   <li>no dimension is negative, and no tensor holds more than 2^62 bytes by its constant dimensions.</li>
 * </ul>
 *
 * <p>All problems are collected, not only the first, so one run shows everything to fix.
 */
public final class GraphVerifier {

    private GraphVerifier() {
    }

    /**
     * Verifies {@code g}.
     *
     * @throws GraphVerificationException listing every problem, one per line, each naming its node
     */
    public static void verify(Graph g, KernelCatalog catalog) {
        List<String> problems = problems(g, catalog);
        if (!problems.isEmpty()) {
            throw new GraphVerificationException(g.name(), problems);
        }
    }

    /** Every problem of {@code g}, in graph order, each naming its node; empty when {@code g} verifies. */
    public static List<String> problems(Graph g, KernelCatalog catalog) {
        List<String> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            switch (n.kind()) {
                case PLACEHOLDER -> {
                    if (!(n.meta() instanceof TensorMeta t)) {
                        out.add("placeholder " + n.name() + ": metadata must be a tensor, got " + n.meta());
                    } else {
                        checkSize("placeholder " + n.name(), t, out);
                    }
                }
                case CALL -> {
                    checkCall(n, catalog, out);
                    if (n.meta() instanceof TensorMeta t) {
                        checkSize("node " + n.name() + " (" + n.target() + ")", t, out);
                    }
                }
                case OUTPUT -> checkOutput(n, out);
            }
        }
        return out;
    }

    /** The most bytes a tensor may hold by its constant dimensions: more is no machine's, and overflows. */
    private static final long MAX_TENSOR_BYTES = 1L << 62;

    /**
     * A negative dimension, or constant dimensions that make the tensor hold more than 2^62 bytes (the graph format
     * itself carries any long, so that graphs round-trip; a graph that is to be lowered or run may not).
     */
    private static void checkSize(String who, TensorMeta t, List<String> out) {
        long bytes = t.dtype().byteSize();
        for (int i = 0; i < t.shape().size(); i++) {
            Dim d = t.shape().get(i);
            if (!d.isConstant()) {
                continue;
            }
            long size = d.constant();
            if (size < 0) {
                out.add(who + ": dimension " + i + " of its shape " + t.shape() + " is " + size
                        + "; a dimension counts elements and cannot be negative");
                return;
            }
            if (size != 0 && bytes > MAX_TENSOR_BYTES / size) {
                out.add(who + ": a " + t.dtype().id() + " tensor of shape " + t.shape() + " would hold more than 2^62 "
                        + "bytes; check the dimensions");
                return;
            }
            bytes *= Math.max(size, 1);
        }
    }

    private static void checkCall(Node n, KernelCatalog catalog, List<String> out) {
        String who = "node " + n.name() + " (" + n.target() + ")";
        boolean getitem = n.calls(Prims.GETITEM.target());
        boolean usesTuple = false;
        for (Node in : Graph.inputNodes(n)) {
            if (in.meta() instanceof TupleMeta && !(getitem && n.arg(0) == in)) {
                out.add(who + " uses " + in.name() + ", which produces a tuple " + in.meta()
                        + "; take an element first with prim::getitem(" + in.name() + ", i)");
                usesTuple = true;
            }
        }
        Optional<KernelDef> def = catalog.find(n.target());
        if (def.isEmpty()) {
            out.add(who + ": unknown target " + n.target() + "; it is neither a primitive, a registered IR op "
                    + "nor a kernel op of a loaded provider");
            return;
        }
        List<Object> bound;
        try {
            bound = def.get().schema().bind(who, n.args());
        } catch (IllegalArgumentException e) {
            out.add(e.getMessage());
            return;
        }
        if (usesTuple) {
            return; // no metadata to compute from: the problem is already reported
        }
        NodeMeta expected;
        if (getitem) {
            expected = getitemMeta(who, bound, out);
            if (expected == null) {
                return;
            }
        } else {
            try {
                expected = def.get().meta().infer(metaArgs(bound));
            } catch (RuntimeException e) {
                // An IllegalArgumentException says what is wrong; anything else is a meta function that did not
                // expect these argument kinds, said without its Java exception.
                out.add(who + ": the meta function of " + n.target() + " rejects the arguments: "
                        + (e instanceof IllegalArgumentException ? Literals.brief(e.getMessage())
                        : "they do not fit its parameters (" + n.args().stream().map(Literals::kind).toList() + ")"));
                return;
            }
        }
        if (!expected.equals(n.meta())) {
            out.add(who + ": recorded metadata " + n.meta() + " disagrees with " + expected + ", computed from "
                    + "the arguments' metadata");
        }
    }

    /** The element that a {@code prim::getitem} call selects, or {@code null} after reporting why there is none. */
    private static TensorMeta getitemMeta(String who, List<Object> bound, List<String> out) {
        Node tuple = (Node) bound.get(0);
        long index = (Long) bound.get(1);
        if (!(tuple.meta() instanceof TupleMeta meta)) {
            out.add(who + ": argument 0 (tuple) must be a node producing a tuple, but " + tuple.name()
                    + " produces " + tuple.meta());
            return null;
        }
        if (index < 0 || index >= meta.size()) {
            out.add(who + ": index " + index + " is out of range for the " + meta.size() + "-element tuple "
                    + tuple.name());
            return null;
        }
        if (meta.get((int) index) == null) {
            out.add(who + ": element " + index + " of " + tuple.name() + " is absent (None) and cannot be taken");
            return null;
        }
        return meta.get((int) index);
    }

    private static void checkOutput(Node n, List<String> out) {
        for (int i = 0; i < n.args().size(); i++) {
            Object a = n.arg(i);
            if (a instanceof Node used) {
                if (used.meta() instanceof TupleMeta) {
                    out.add("node output: result " + i + " is " + used.name() + ", which produces a tuple "
                            + used.meta() + "; return its elements via prim::getitem");
                }
            } else if (a != null) {
                out.add("node output: result " + i + " must be a node or None, got " + Literals.formatShort(a));
            }
        }
    }

    /** Arguments as meta functions see them: every node, also inside lists, replaced by its metadata. */
    private static List<Object> metaArgs(List<?> args) {
        List<Object> out = new ArrayList<>(args.size());
        for (Object a : args) {
            out.add(switch (a) {
                case Node n -> n.meta();
                case List<?> l -> metaArgs(l);
                case null, default -> a;
            });
        }
        return out;
    }
}
