package org.kernelir.passes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;

/**
 * Checks a traced replacement graph against the node it replaces, and copies it into the graph being built.
 *
 * <p>A replacement graph is traced (or cached) with canonical symbols {@code s0, s1, ...}; the node's own
 * symbols come back through a substitution applied to every metadata and every symbolic literal. Its
 * placeholders are the node's present tensor arguments in parameter order.
 */
final class ReplacementInliner {

    private ReplacementInliner() {
    }

    /**
     * Why {@code replacement} cannot stand in for {@code node}, or {@code null} when it can: its inputs must be
     * the node's tensor arguments and its results must have exactly the node's recorded metadata, after the
     * symbols are substituted.
     */
    static String problem(Graph replacement, Node node, List<Node> tensorArgs, Map<String, Dim> symbols) {
        List<Node> inputs = replacement.placeholders();
        if (inputs.size() != tensorArgs.size()) {
            return "its graph takes " + inputs.size() + " tensor inputs, but the node passes " + tensorArgs.size();
        }
        for (int k = 0; k < inputs.size(); k++) {
            NodeMeta got = substitute(inputs.get(k).meta(), symbols);
            if (!got.equals(tensorArgs.get(k).meta())) {
                return "its graph's input " + inputs.get(k).name() + " is " + got + ", but the node passes "
                        + tensorArgs.get(k).meta();
            }
        }
        List<Object> results = replacement.outputs();
        List<TensorMeta> expected = node.meta() instanceof TupleMeta t ? t.elements()
                : List.of((TensorMeta) node.meta());
        if (results.size() != expected.size()) {
            return "its graph returns " + results.size() + " results, but the node records " + expected.size();
        }
        for (int i = 0; i < results.size(); i++) {
            NodeMeta got = results.get(i) instanceof Node r ? substitute(r.meta(), symbols) : null;
            if (!Objects.equals(got, expected.get(i))) {
                return "its graph gives result " + i + " as " + (got == null ? "None" : got)
                        + ", but the node records " + (expected.get(i) == null ? "None" : expected.get(i));
            }
        }
        return null;
    }

    /**
     * Copies the calls of {@code replacement} into {@code rw}, named {@code <node>__<replacement node>}, with its
     * placeholders standing for {@code inputs} (nodes of the new graph).
     *
     * @return the nodes of the new graph that hold the replacement's results, in order ({@code null} for an
     *         absent result)
     */
    static List<Node> inline(Graph replacement, Node node, List<Node> inputs, Map<String, Dim> symbols,
            GraphRewrite rw) {
        Map<Node, Node> env = new HashMap<>();
        List<Node> placeholders = replacement.placeholders();
        for (int k = 0; k < placeholders.size(); k++) {
            env.put(placeholders.get(k), inputs.get(k));
        }
        for (Node r : replacement.calls()) {
            List<Object> args = new ArrayList<>(r.args().size());
            for (Object a : r.args()) {
                args.add(substituteArg(a, env, symbols));
            }
            env.put(r, rw.call(rw.freshName(node.name() + "__" + r.name()), r.target(), args,
                    substitute(r.meta(), symbols)));
        }
        List<Node> results = new ArrayList<>();
        for (Object o : replacement.outputs()) {
            results.add(o == null ? null : env.get((Node) o));
        }
        return results;
    }

    /** {@code meta} with every symbol renamed by {@code symbols}. */
    static NodeMeta substitute(NodeMeta meta, Map<String, Dim> symbols) {
        if (isIdentity(symbols)) {
            return meta;
        }
        return switch (meta) {
            case TensorMeta t -> substitute(t, symbols);
            case TupleMeta t -> {
                List<TensorMeta> elements = new ArrayList<>(t.size());
                t.elements().forEach(e -> elements.add(e == null ? null : substitute(e, symbols)));
                yield new TupleMeta(elements);
            }
        };
    }

    private static TensorMeta substitute(TensorMeta t, Map<String, Dim> symbols) {
        return new TensorMeta(t.dtype(), t.shape().stream().map(d -> d.substitute(symbols)).toList(),
                t.strides().stream().map(d -> d.substitute(symbols)).toList(), t.device());
    }

    private static Object substituteArg(Object a, Map<Node, Node> env, Map<String, Dim> symbols) {
        return switch (a) {
            case Node n -> env.get(n);
            case Dim d -> d.substitute(symbols);
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(x -> out.add(substituteArg(x, env, symbols)));
                yield Collections.unmodifiableList(out);
            }
            case null, default -> a;
        };
    }

    /** Whether renaming by {@code symbols} changes nothing (the call already uses canonical names). */
    private static boolean isIdentity(Map<String, Dim> symbols) {
        for (Map.Entry<String, Dim> e : symbols.entrySet()) {
            if (!e.getValue().isSymbol() || !e.getValue().symbolName().equals(e.getKey())) {
                return false;
            }
        }
        return true;
    }
}
