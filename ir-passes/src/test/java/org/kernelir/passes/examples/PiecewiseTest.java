package org.kernelir.passes.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuPrims;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.IrOpCatalog;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.passes.PassConfig;
import org.kernelir.passes.PassManager;

class PiecewiseTest {

    private final Dispatcher dispatcher = new Dispatcher(new ProviderRegistry(OpRegistry.standard()),
            Priority.parse("default=native"));
    private final Interpreter interpreter = new Interpreter(KernelCatalog.chain(new IrOpCatalog(dispatcher),
            Attention.catalog()));

    @Test
    void opaqueAttentionComputesWhatPrimitiveAttentionComputes() {
        Graph primitives = LlamaBuilder.tiny().build();
        Graph opaque = LlamaBuilder.tiny().attention(LlamaBuilder.AttentionStyle.OPAQUE).build();
        List<CpuTensor> inputs = inputs(opaque);

        assertEquals(values(interpreter.run(primitives, inputs)), values(interpreter.run(opaque, inputs)));
    }

    @Test
    void thePiecesRunInTurnComputeWhatTheWholeGraphComputes() {
        Graph whole = LlamaBuilder.tiny().attention(LlamaBuilder.AttentionStyle.OPAQUE).build();
        List<CpuTensor> inputs = inputs(whole);

        Piecewise split = Piecewise.split(whole, Attention.KERNEL.target());

        assertEquals(3, split.pieces().size());
        assertEquals(2, split.cuts().size());
        assertEquals(values(interpreter.run(whole, inputs)), values(runPieces(whole, split, split.pieces(), inputs)));
        // Lowered pieces too.
        PassManager pipeline = PassManager.standard(PassConfig.builder(dispatcher).strict(true).build());
        List<Graph> lowered = split.pieces().stream().map(p -> pipeline.run(p).graph()).toList();
        assertEquals(values(interpreter.run(whole, inputs)), values(runPieces(whole, split, lowered, inputs)));
    }

    @Test
    void piecesTakeAndGiveValuesByTheNamesOfTheNodesThatComputeThem() {
        Graph whole = LlamaBuilder.tiny().layers(3).attention(LlamaBuilder.AttentionStyle.OPAQUE).build();

        Piecewise split = Piecewise.split(whole, Attention.KERNEL.target());

        Graph middle = split.pieces().get(1);
        Node cut = split.cuts().getFirst();
        assertTrue(middle.node(cut.name()) != null && middle.node(cut.name()).kind() == Node.Kind.PLACEHOLDER,
                "the attention result enters the next piece under its name");
        for (Node p : middle.placeholders()) {
            assertEquals(whole.node(p.name()).meta(), p.meta(), p.name());
        }
        List<String> cutInputs = Graph.inputNodes(split.cuts().get(1)).stream().map(Node::name).toList();
        List<String> outputs = middle.outputs().stream().map(o -> ((Node) o).name()).toList();
        assertTrue(outputs.containsAll(cutInputs), outputs + " should hold " + cutInputs);
        // The middle pieces of a deeper model all have the same shape.
        assertEquals(split.pieces().get(1).nodes().size(), split.pieces().get(2).nodes().size());
    }

    /** Runs the pieces in turn, the cuts between them, passing values by node name. */
    private List<CpuTensor> runPieces(Graph whole, Piecewise split, List<Graph> pieces, List<CpuTensor> inputs) {
        Map<String, CpuTensor> values = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(whole.placeholders().get(i).name(), inputs.get(i));
        }
        for (int p = 0; p < pieces.size(); p++) {
            Graph piece = pieces.get(p);
            List<CpuTensor> in = piece.placeholders().stream().map(n -> values.get(n.name())).toList();
            List<CpuTensor> out = interpreter.run(piece, in);
            for (int k = 0; k < out.size(); k++) {
                values.put(split.pieces().get(p).outputs().get(k) instanceof Node n ? n.name() : null, out.get(k));
            }
            if (p < split.cuts().size()) {
                Node cut = split.cuts().get(p);
                KernelDef def = Attention.KERNEL;
                List<Object> args = new ArrayList<>();
                for (Object a : cut.args()) {
                    args.add(a instanceof Node n ? values.get(n.name()) : a);
                }
                values.put(cut.name(), (CpuTensor) CpuPrims.require(def).run(def.schema().bind(cut.name(), args)));
            }
        }
        return whole.outputs().stream().map(o -> values.get(((Node) o).name())).toList();
    }

    private static List<CpuTensor> inputs(Graph g) {
        List<CpuTensor> out = new ArrayList<>();
        long seed = 7;
        for (Node p : g.placeholders()) {
            TensorMeta m = (TensorMeta) p.meta();
            long[] shape = m.shape().stream().mapToLong(d -> d.isConstant() ? d.constant() : 6).toArray();
            out.add(switch (p.name()) {
                case "input_ids", "positions" -> Samples.randint(seed++, 100, shape);
                default -> Samples.randn(seed++, m.dtype(), 0.2, shape);
            });
        }
        return out;
    }

    private static List<String> values(List<CpuTensor> ts) {
        return ts.stream().map(t -> java.util.Arrays.toString(t.toDoubleArray())).toList();
    }
}
