package org.kernelir.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.Samples;
import org.kernelir.core.tensor.Prims;

/** Each rule of clone elimination on a small graph; every rewrite must keep the graph's results. */
class CloneEliminationPassTest {

    private final Dispatcher dispatcher = Fixtures.dispatcher("default=native");

    @Test
    void aReadOnlyCloneIsRemoved() {
        Sketch s = new Sketch("read_only");
        Node a = s.prim(Prims.EXP, s.input("x", 4, 8));
        Graph g = s.output(s.prim(Prims.MUL, s.prim(Prims.CLONE, a), 2.0));

        Graph after = eliminate(g, Set.of());

        assertEquals(List.of(), clones(after));
        assertEquals("exp", ((Node) after.node("mul").arg(0)).name());
    }

    @Test
    void aChainOfClonesCopiesTheOriginal() {
        Sketch s = new Sketch("chain");
        Node x = s.input("x", 4, 8);
        Node a = s.prim(Prims.EXP, x);
        Node inner = s.prim(Prims.CLONE, a);
        Node outer = s.prim(Prims.CLONE, inner);
        Graph g = s.output(s.prim(Prims.COPY_, outer, x), a);

        Graph after = eliminate(g, Set.of());

        // The outer clone is written while exp is read afterwards, so one copy stays, now of exp itself.
        assertEquals(List.of(outer.name()), clones(after));
        assertEquals("exp", ((Node) after.node(outer.name()).arg(0)).name());
    }

    @Test
    void aCloneOfADonatedValueIsRemoved() {
        Sketch s = new Sketch("donated");
        Node x = s.input("x", 4, 8);
        Node a = s.prim(Prims.EXP, x);
        Node c = s.prim(Prims.CLONE, a);
        Graph g = s.output(s.prim(Prims.COPY_, c, s.prim(Prims.MUL, x, 2.0)));

        Graph after = eliminate(g, Set.of());

        assertEquals(List.of(), clones(after));
        assertEquals("exp", ((Node) after.node("copy_").arg(0)).name());
    }

    @Test
    void aWrittenCloneStaysWhenTheOriginalIsReadAfterTheWrite() {
        Sketch s = new Sketch("read_after");
        Node x = s.input("x", 4, 8);
        Node a = s.prim(Prims.EXP, x);
        Node c = s.prim(Prims.CLONE, a);
        Node written = s.prim(Prims.COPY_, c, x);
        Graph g = s.output(written, s.prim(Prims.ADD, a, 1.0));

        assertEquals(List.of(c.name()), clones(eliminate(g, Set.of())));
    }

    @Test
    void aWrittenCloneOfAGraphInputStaysUnlessTheInputIsDonated() {
        Sketch s = new Sketch("input");
        Node x = s.input("x", 4, 8);
        Node c = s.prim(Prims.CLONE, x);
        Graph g = s.output(s.prim(Prims.COPY_, c, s.input("y", 4, 8)));

        assertEquals(List.of(c.name()), clones(eliminate(g, Set.of())));
        assertEquals(List.of(), clones(eliminate(g, Set.of("x"))));
    }

    @Test
    void aCloneStaysWhenTheOriginalIsWrittenWhileTheCloneLives() {
        Sketch s = new Sketch("original_written");
        Node x = s.input("x", 4, 8);
        Node a = s.prim(Prims.EXP, x);
        Node c = s.prim(Prims.CLONE, a);
        Node overwritten = s.prim(Prims.COPY_, a, x);
        Graph g = s.output(s.prim(Prims.ADD, c, 1.0), overwritten);

        assertEquals(List.of(c.name()), clones(eliminate(g, Set.of())));
    }

    @Test
    void aCloneThatChangesTheLayoutStays() {
        Sketch s = new Sketch("layout");
        Node transposed = s.prim(Prims.PERMUTE, s.input("x", 4, 8), List.of(1L, 0L));
        Node c = s.prim(Prims.CLONE, transposed);
        Graph g = s.output(s.prim(Prims.MUL, c, 2.0));

        assertEquals(List.of(c.name()), clones(eliminate(g, Set.of())));
    }

    @Test
    void aGraphWithoutClonesIsReturnedAsItIs() {
        Sketch s = new Sketch("none");
        Graph g = s.output(s.prim(Prims.EXP, s.input("x", 4, 8)));

        assertSame(g, new CloneEliminationPass().run(g, new PassContext(PassConfig.of(dispatcher))));
    }

    @Test
    void theClonesOfInputsDonatedToMaybeInplaceNodesGoAfterLowering() {
        // The test provider's fused_add_rms_norm works in place, so the functional form clones x and the residual.
        Dispatcher withInplace = Fixtures.dispatcher("default=test,native", new TestProvider());
        PassManager pipeline = PassManager.standard(PassConfig.of(withInplace));

        Graph donating = pipeline.run(fusedNormOfInputs(true)).graph();
        Graph functional = pipeline.run(fusedNormOfInputs(false)).graph();

        assertEquals(List.of(), clones(donating));
        assertEquals(2, clones(functional).size(), functional::toString);
        List<CpuTensor> inputs = List.of(Samples.randn(1, DType.F32, 1.0, 3, 64),
                Samples.randn(2, DType.F32, 1.0, 3, 64), Samples.randn(3, DType.F32, 1.0, 64));
        List<CpuTensor> expected = Fixtures.run(fusedNormOfInputs(false), dispatcher, inputs);
        Fixtures.assertClose(expected, Fixtures.run(donating, withInplace, inputs), 1e-5, 1e-5);
        Fixtures.assertClose(expected, Fixtures.run(functional, withInplace, inputs), 1e-5, 1e-5);
    }

    private static Graph fusedNormOfInputs(boolean maybeInplace) {
        Sketch s = new Sketch("fused_inputs");
        Node norm = s.ir(IrOps.FUSED_ADD_RMS_NORM, maybeInplace, s.input("x", -1, 64), s.input("r", -1, 64),
                s.input("w", 64), 1e-6);
        return s.output(s.item(norm, 0), s.item(norm, 1));
    }

    /** Runs the pass and checks that the graph still computes what it computed. */
    private Graph eliminate(Graph g, Set<String> donatedInputs) {
        Graph after = new CloneEliminationPass().run(g, new PassContext(
                PassConfig.builder(dispatcher).donatedInputs(donatedInputs).build()));
        List<CpuTensor> inputs = g.placeholders().stream()
                .map(p -> Samples.randn(p.index() + 1, DType.F32, 1.0, 4, 8)).toList();
        Fixtures.assertClose(Interpreter.primitivesOnly().run(g, Fixtures.copies(inputs)),
                Interpreter.primitivesOnly().run(after, Fixtures.copies(inputs)), 0, 0);
        return after;
    }

    private static List<String> clones(Graph g) {
        return g.calls().stream().filter(n -> n.calls(Prims.CLONE.target())).map(Node::name).toList();
    }
}
