package org.kernelir.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Target;

/** The relative form of {@link GraphBinary}, on a graph and its lowering, as the lowered-graph cache stores them. */
class GraphBinaryTest {

    private static final TensorMeta X = TensorMeta.of(DType.BF16, List.of(Dim.sym("s0"), Dim.of(4096)));
    private static final TensorMeta W = TensorMeta.of(DType.BF16, 4096);

    /** x, residual, weight → an IR fused_add_rms_norm and its two results. */
    private static Graph input() {
        Graph.Builder b = Graph.builder("layer_3");
        Node x = b.placeholder("x", X);
        Node r = b.placeholder("residual", X);
        Node w = b.placeholder("weight", W);
        Node f = b.call("norm", Target.parse("ir::fused_add_rms_norm.maybe_inplace"), java.util.Arrays.asList(x, r, w, 1e-5, null),
                new TupleMeta(List.of(X, X)));
        Node a = b.call("norm_0", Target.parse("prim::getitem"), List.of(f, 0L), X);
        Node c = b.call("norm_1", Target.parse("prim::getitem"), List.of(f, 1L), X);
        return b.output(List.of(a, c));
    }

    /** The same graph with the IR node replaced by a provider's call, as the lowering pass leaves it. */
    private static Graph lowered() {
        Graph.Builder b = Graph.builder("layer_3");
        Node x = b.placeholder("x", TensorMeta.of(DType.BF16, List.of(Dim.sym("s0"), Dim.of(4096))));
        Node r = b.placeholder("residual", TensorMeta.of(DType.BF16, List.of(Dim.sym("s0"), Dim.of(4096))));
        Node w = b.placeholder("weight", TensorMeta.of(DType.BF16, 4096));
        Node f = b.call("norm__cpu", Target.parse("cpu::fused_add_rms_norm"), List.of(x, r, w, 1e-5),
                new TupleMeta(List.of(X, X)));
        Node a = b.call("norm__cpu_0", Target.parse("prim::getitem"), List.of(f, 0L), X);
        Node c = b.call("norm__cpu_1", Target.parse("prim::getitem"), List.of(f, 1L), X);
        Node extra = b.call("scaled", Target.parse("prim::mul"), List.of(a, 2.0),
                TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(4096))));
        return b.output(List.of(extra, c));
    }

    @Test
    void aLoweredGraphIsStoredAsADeltaOfItsInputAndSharesItsMetadata() {
        Graph in = input();
        Graph out = lowered();
        byte[] relative = GraphBinary.write(out, in);
        byte[] plain = GraphBinary.write(out);
        assertTrue(relative.length < plain.length * 3 / 4, relative.length + " bytes against " + plain.length);

        Graph back = GraphBinary.read(relative, in);
        assertEquals(out, back);
        // Inputs and equal metadata are the base's objects, not decoded copies.
        for (int i = 0; i < 3; i++) {
            assertSame(in.nodes().get(i).meta(), back.nodes().get(i).meta());
        }
        assertSame(in.nodes().get(3).meta(), back.nodes().get(3).meta()); // the tuple
        assertSame(in.nodes().get(0).meta(), back.node("norm__cpu_0").meta());
        // Metadata the base does not have is stored whole.
        assertEquals(DType.F32, ((TensorMeta) back.node("scaled").meta()).dtype());
    }

    @Test
    void anInputThatDiffersFromTheBasesIsStoredWhole() {
        Graph in = input();
        Graph.Builder b = Graph.builder("layer_3");
        Node x = b.placeholder("x", TensorMeta.of(DType.F16, List.of(Dim.sym("s0"), Dim.of(4096)))); // not bf16
        Graph out = b.output(List.of(x));
        Graph back = GraphBinary.read(GraphBinary.write(out, in), in);
        assertEquals(out, back);
        assertEquals(DType.F16, ((TensorMeta) back.nodes().getFirst().meta()).dtype());
    }

    @Test
    void readingWithAnotherBaseOrNoneFailsAndSaysWhy() {
        byte[] relative = GraphBinary.write(lowered(), input());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> GraphBinary.read(relative));
        assertTrue(none.getMessage().contains("written relative to a base graph, and none was given"),
                none.getMessage());

        Graph other = Graph.builder("layer_4").output(List.of());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> GraphBinary.read(relative, other));
        assertTrue(wrong.getMessage().contains("relative to graph layer_3 of 7 nodes, not to layer_4 of 1"),
                wrong.getMessage());
    }

    @Test
    void aReferenceOutsideTheBaseIsRejected() {
        Graph in = input();
        byte[] relative = GraphBinary.write(lowered(), in);
        // The first node is x, stored as a reference to base node 0: point it past the base's 7 nodes.
        int at = indexOfReference(relative);
        relative[at] = 9;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraphBinary.read(relative, in));
        assertTrue(e.getMessage().contains("a reference to base node 9 of 7"), e.getMessage());
    }

    /** The position of the first node's base index: just after "x" and the reference tag. */
    private static int indexOfReference(byte[] bytes) {
        for (int i = 0; i + 3 < bytes.length; i++) {
            if (bytes[i] == 2 && bytes[i + 1] == 'x' && bytes[i + 2] == 3) {
                return i + 3;
            }
        }
        throw new AssertionError("no reference to the base's x");
    }
}
