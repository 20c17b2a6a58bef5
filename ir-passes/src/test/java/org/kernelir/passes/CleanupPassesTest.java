package org.kernelir.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.op.Samples;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Prims;

/** Dead code elimination and no-op elimination. */
class CleanupPassesTest {

    private final PassContext context = new PassContext(PassConfig.of(Fixtures.dispatcher("default=native")));

    @Test
    void deadCodeEliminationRemovesWhatNobodyUsesButKeepsInputsAndWrites() {
        Sketch s = new Sketch("dead");
        Node x = s.input("x", 4, 8);
        s.input("unused", 4, 8);
        Node y = s.input("y", 4, 8);
        s.prim(Prims.MUL, s.prim(Prims.EXP, x), 2.0);        // a dead chain
        Node scratch = s.prim(Prims.CLONE, x);
        s.prim(Prims.COPY_, scratch, y);                      // writes, so it stays, and so does what it writes
        Graph g = s.output(s.prim(Prims.ADD, x, 1.0));

        Graph after = new DeadCodeEliminationPass().run(g, context);

        assertEquals(List.of("x", "unused", "y", "clone", "copy_", "add", "output"),
                after.nodes().stream().map(Node::name).toList());
        assertSameValues(g, after);
    }

    @Test
    void deadCodeEliminationRemovesUnusedResultsOfATuple() {
        Sketch s = new Sketch("tuple");
        Node x = s.input("x", -1, 64);
        Node norm = s.ir(org.kernelir.core.op.IrOps.FUSED_ADD_RMS_NORM, false, x, s.input("r", -1, 64), null, 1e-6);
        Node y = s.item(norm, 0);
        s.item(norm, 1);
        Graph g = s.output(y);

        Graph after = new DeadCodeEliminationPass().run(g, context);

        assertEquals(List.of("x", "r", "fused_add_rms_norm", "fused_add_rms_norm_0", "output"),
                after.nodes().stream().map(Node::name).toList());
    }

    @Test
    void deadCodeEliminationReturnsAGraphWithoutDeadCodeAsItIs() {
        Sketch s = new Sketch("alive");
        Graph g = s.output(s.prim(Prims.EXP, s.input("x", 4, 8)));

        assertSame(g, new DeadCodeEliminationPass().run(g, context));
    }

    @Test
    void noOpEliminationRemovesCallsThatChangeNothing() {
        Sketch s = new Sketch("no_ops");
        Node x = s.input("x", -1, 8);
        Node a = s.prim(Prims.RESHAPE, x, List.of(Dim.sym("s0"), 8L));
        Node b = s.prim(Prims.NARROW, a, 1, 0L, 8L);
        Node c = s.prim(Prims.NARROW, b, 0, 0L, Dim.sym("s0"));
        Node d = s.prim(Prims.EXPAND, c, List.of(-1L, 8L));
        Node e = s.prim(Prims.CAST, d, DType.F32);
        Graph g = s.output(s.prim(Prims.EXP, e));

        Graph after = new NoOpEliminationPass().run(g, context);

        assertEquals(List.of("x", "exp", "output"), after.nodes().stream().map(Node::name).toList());
        assertEquals("x", ((Node) after.node("exp").arg(0)).name());
        assertSameValues(g, after);
    }

    @Test
    void noOpEliminationKeepsCallsThatChangeSomething() {
        Sketch s = new Sketch("changes");
        Node x = s.input("x", 4, 8);
        Node reshaped = s.prim(Prims.RESHAPE, x, List.of(8L, 4L));
        Node narrowed = s.prim(Prims.NARROW, x, 1, 2L, 4L);
        Node expanded = s.prim(Prims.EXPAND, s.prim(Prims.NARROW, x, 0, 0L, 1L), List.of(4L, 8L));
        Node cast = s.prim(Prims.CAST, x, DType.F16);
        Graph g = s.output(reshaped, narrowed, expanded, cast);

        assertSame(g, new NoOpEliminationPass().run(g, context));
    }

    @Test
    void noOpEliminationKeepsACastToTheSameDtypeThatIsWritten() {
        // The cast is a copy; without it the write would land in x.
        Sketch s = new Sketch("written_cast");
        Node x = s.input("x", 4, 8);
        Node copy = s.prim(Prims.CAST, x, DType.F32);
        Graph g = s.output(s.prim(Prims.COPY_, copy, s.input("y", 4, 8)), s.prim(Prims.EXP, x));

        assertSame(g, new NoOpEliminationPass().run(g, context));
    }

    private static void assertSameValues(Graph before, Graph after) {
        List<CpuTensor> inputs = before.placeholders().stream()
                .map(p -> Samples.randn(p.index() + 1, DType.F32, 1.0, 4, 8)).toList();
        Fixtures.assertClose(Interpreter.primitivesOnly().run(before, Fixtures.copies(inputs)),
                Interpreter.primitivesOnly().run(after, Fixtures.copies(inputs)), 0, 0);
    }
}
