package org.kernelir.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.tensor.Prims;
import org.kernelir.passes.examples.LlamaBuilder;

class FunctionalizationPassTest {

    private final PassContext context = new PassContext(PassConfig.of(Fixtures.dispatcher("default=native")));

    @Test
    void maybeInplaceNodesBecomeFunctionalWithTheSameNamesArgumentsAndMetadata() {
        Graph model = LlamaBuilder.tiny().build();

        Graph functional = new FunctionalizationPass().run(model, context);

        assertEquals(model.nodes().size(), functional.nodes().size());
        int rewritten = 0;
        for (int i = 0; i < model.nodes().size(); i++) {
            Node before = model.nodes().get(i);
            Node after = functional.nodes().get(i);
            assertEquals(before.name(), after.name());
            assertEquals(before.meta(), after.meta());
            if (before.isCall() && OpDef.MAYBE_INPLACE.equals(before.target().overload())) {
                assertEquals(before.target().base(), after.target());
                rewritten++;
            } else {
                assertEquals(before.target(), after.target());
            }
        }
        assertEquals(6, rewritten); // four fused_add_rms_norm, two rotary_embedding
    }

    @Test
    void aGraphWithoutMaybeInplaceNodesIsReturnedAsItIs() {
        Sketch s = new Sketch("plain");
        Node x = s.input("x", -1, 64);
        Graph g = s.output(s.ir(IrOps.RMS_NORM, false, x, null, 1e-6));

        assertSame(g, new FunctionalizationPass().run(g, context));
    }

    @Test
    void aDonatedInputUsedLaterIsAnErrorNamingBothNodes() {
        Sketch s = new Sketch("reuse");
        Node x = s.input("x", -1, 64);
        Node residual = s.input("residual", -1, 64);
        Node fused = s.ir(IrOps.FUSED_ADD_RMS_NORM, true, x, residual, null, 1e-6);
        Node y = s.item(fused, 0);
        Graph g = s.output(s.prim(Prims.ADD, y, residual));

        PassException e = assertThrows(PassException.class, () -> new FunctionalizationPass().run(g, context));

        assertTrue(e.getMessage().startsWith("node fused_add_rms_norm (ir::fused_add_rms_norm.maybe_inplace) may "
                + "overwrite its activation x_residual = residual, but node add (prim::add) uses residual afterwards"),
                e.getMessage());
    }

    @Test
    void aLaterUseOfAViewOfADonatedInputIsAnError() {
        Sketch s = new Sketch("view");
        Node x = s.input("x", -1, 64);
        Node view = s.prim(Prims.RESHAPE, x, List.of(-1L, 64L));
        Node norm = s.ir(IrOps.FUSED_ADD_RMS_NORM, true, view, s.input("r", -1, 64), null, 1e-6);
        Graph g = s.output(s.item(norm, 0), s.prim(Prims.EXP, x));

        PassException e = assertThrows(PassException.class, () -> new FunctionalizationPass().run(g, context));

        assertTrue(e.getMessage().contains("activation x = reshape, but node exp (prim::exp) uses x, which shares "
                + "storage with reshape"), e.getMessage());
    }

    @Test
    void returningADonatedInputIsAnError() {
        Sketch s = new Sketch("returned");
        Node x = s.input("x", -1, 64);
        Node norm = s.ir(IrOps.FUSED_ADD_RMS_NORM, true, x, s.input("r", -1, 64), null, 1e-6);
        Graph g = s.output(s.item(norm, 0), x);

        PassException e = assertThrows(PassException.class, () -> new FunctionalizationPass().run(g, context));

        assertTrue(e.getMessage().contains("but the graph's output returns x afterwards"), e.getMessage());
    }

    @Test
    void donatedGraphInputsAreRecorded() {
        Sketch s = new Sketch("donating");
        Node x = s.input("x", -1, 64);
        Node r = s.input("r", -1, 64);
        Node w = s.input("w", 64);
        Node norm = s.ir(IrOps.FUSED_ADD_RMS_NORM, true, x, r, w, 1e-6);
        Graph g = s.output(s.item(norm, 0), s.item(norm, 1));

        new FunctionalizationPass().run(g, context);

        assertTrue(context.isDonated("x") && context.isDonated("r"));
        assertTrue(!context.isDonated("w"), "the weight is no activation");
        assertEquals(List.of("x", "r"), context.report().donated());
    }
}
