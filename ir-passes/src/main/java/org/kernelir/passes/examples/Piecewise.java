package org.kernelir.passes.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.Target;

/**
 * A graph cut at every call of one target, as vLLM's piecewise compilation cuts a model at attention: the
 * pieces are compiled, the cut nodes run between them as they are.
 *
 * <p>Piece {@code i} holds the call nodes between cut {@code i-1} and cut {@code i} (the first piece those before
 * the first cut, the last those after the last), under their original names. Its placeholders are the values it
 * uses but does not compute (graph inputs, cut results, results of earlier pieces), named after the nodes that
 * compute them; its outputs are the values it computes that a later cut, a later piece or the graph's output
 * uses. Placeholders and outputs are in the order of the original graph. So values flow between pieces by
 * name: a piece's output node {@code v} feeds every placeholder {@code v} after it.
 *
 * @param pieces the subgraphs, one more than there are cuts
 * @param cuts   the cut nodes, in order; cut {@code i} runs after piece {@code i}
 */
public record Piecewise(List<Graph> pieces, List<Node> cuts) {

    public Piecewise {
        pieces = List.copyOf(pieces);
        cuts = List.copyOf(cuts);
    }

    /**
     * Cuts {@code graph} at every call of {@code cutAt}. Pieces are named {@code <graph>_piece_<i>}.
     *
     * @throws IllegalArgumentException when a cut node returns several results (its elements would have to cross
     *                                  a cut as a tuple)
     */
    public static Piecewise split(Graph graph, Target cutAt) {
        List<Node> nodes = graph.nodes();
        int[] pieceOf = new int[nodes.size()];
        List<Node> cuts = new ArrayList<>();
        for (Node n : nodes) {
            if (n.isCall() && n.calls(cutAt)) {
                if (!(n.meta() instanceof TensorMeta)) {
                    throw new IllegalArgumentException("cannot cut graph " + graph.name() + " at node " + n.name() + " ("
                            + n.target() + "): it returns " + n.meta() + ", and only single tensors cross a cut");
                }
                pieceOf[n.index()] = -1;
                cuts.add(n);
            } else {
                pieceOf[n.index()] = n.isCall() ? cuts.size() : -1;
            }
        }
        List<Graph> pieces = new ArrayList<>();
        for (int p = 0; p <= cuts.size(); p++) {
            pieces.add(piece(graph, p, pieceOf));
        }
        return new Piecewise(pieces, cuts);
    }

    private static Graph piece(Graph graph, int p, int[] pieceOf) {
        List<Node> members = graph.nodes().stream().filter(n -> n.isCall() && pieceOf[n.index()] == p).toList();
        TreeMap<Integer, Node> inputs = new TreeMap<>();
        TreeMap<Integer, Node> outputs = new TreeMap<>();
        for (Node n : members) {
            for (Node in : Graph.inputNodes(n)) {
                if (!in.isCall() || pieceOf[in.index()] != p) {
                    inputs.put(in.index(), in);
                }
            }
            for (Node user : graph.users(n)) {
                if (!user.isCall() || pieceOf[user.index()] != p) {
                    outputs.put(n.index(), n);
                }
            }
        }
        Graph.Builder b = Graph.builder(graph.name() + "_piece_" + p);
        Map<Node, Node> copies = new HashMap<>();
        for (Node in : inputs.values()) {
            if (!(in.meta() instanceof TensorMeta m)) {
                throw new IllegalArgumentException("cannot cut graph " + graph.name() + ": piece " + p + " uses "
                        + in.name() + ", which produces a tuple " + in.meta() + " computed outside the piece");
            }
            copies.put(in, b.placeholder(in.name(), m));
        }
        for (Node n : members) {
            copies.put(n, b.call(n.name(), n.target(), remap(n.args(), copies), n.meta()));
        }
        return b.output(outputs.values().stream().map(copies::get).toList());
    }

    private static List<Object> remap(List<?> args, Map<Node, Node> copies) {
        List<Object> out = new ArrayList<>(args.size());
        for (Object a : args) {
            out.add(switch (a) {
                case Node n -> copies.get(n);
                case List<?> l -> remap(l, copies);
                case null, default -> a;
            });
        }
        return out;
    }
}
