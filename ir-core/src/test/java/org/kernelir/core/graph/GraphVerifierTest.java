package org.kernelir.core.graph;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

class GraphVerifierTest {

    private static final TensorMeta F32_4x8 = TensorMeta.of(DType.F32, 4, 8);

    /** A test op with two results: the input, and the input in f16. */
    private static final KernelDef SPLIT = KernelDef.pure(Target.of("test", "split"),
            new Schema(List.of(Param.of("x", ParamType.TENSOR)), 2),
            a -> new TupleMeta(List.of((TensorMeta) a.get(0), ((TensorMeta) a.get(0)).withDtype(DType.F16))),
            null);

    private static final KernelCatalog PRIMS = KernelCatalog.of(Prims.all());
    private static final KernelCatalog WITH_SPLIT = KernelCatalog.chain(PRIMS,
            t -> t.equals(SPLIT.target()) ? Optional.of(SPLIT) : Optional.empty());

    @Test
    void tracedGraphsVerify() {
        Graph g = Tracer.trace("mixed",
                List.of(Tracer.input("x", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(64)))),
                        Tracer.input("w", TensorMeta.of(DType.F32, 64))),
                in -> {
                    Tensor x = in.get(0);
                    Tensor h = x.mul(x).mean(-1, true).add(1e-6).rsqrt().mul(x).mul(in.get(1));
                    List<Tensor> parts = h.callMulti(SPLIT, h);
                    return List.of(Tensor.cat(List.of(parts.get(0), x), 0), parts.get(1).sum(0, false));
                });
        assertEquals(List.of(), GraphVerifier.problems(g, WITH_SPLIT));
    }

    private static List<String> problemsOf(BiConsumer<Graph.Builder, Node> calls) {
        Graph.Builder b = Graph.builder("bad");
        Node x = b.placeholder("x", F32_4x8);
        calls.accept(b, x);
        Graph g = b.output(List.of(x));
        GraphVerificationException e = assertThrows(GraphVerificationException.class,
                () -> GraphVerifier.verify(g, WITH_SPLIT));
        assertEquals(e.problems(), GraphVerifier.problems(g, WITH_SPLIT));
        return e.problems();
    }

    @Test
    void wrongArity() {
        assertEquals(List.of("node few (prim::add): expected 2 arguments (x: Tensor|Scalar, y: Tensor|Scalar) -> "
                        + "Tensor, got 1"),
                problemsOf((b, x) -> b.call("few", Prims.ADD.target(), List.of(x), F32_4x8)));
    }

    @Test
    void wrongArgumentType() {
        assertEquals(List.of("node typed (prim::reshape): argument 1 (shape) must be Dim[], got \"4x8\" (a string)"),
                problemsOf((b, x) -> b.call("typed", Prims.RESHAPE.target(), List.of(x, "4x8"), F32_4x8)));
    }

    @Test
    void negativeAndHugeDimensionsAreRejected() {
        Graph.Builder b = Graph.builder("sizes");
        b.placeholder("neg", TensorMeta.of(DType.F32, List.of(Dim.of(-4), Dim.of(8))));
        b.placeholder("huge", TensorMeta.of(DType.F32, List.of(Dim.of(1L << 62))));
        b.placeholder("fine", TensorMeta.of(DType.I8, List.of(Dim.of(1L << 40), Dim.sym("s0"))));
        List<String> problems = GraphVerifier.problems(b.output(List.of()), PRIMS);
        assertEquals(List.of("placeholder neg: dimension 0 of its shape [-4, 8] is -4; a dimension counts elements "
                + "and cannot be negative", "placeholder huge: a f32 tensor of shape [4611686018427387904] would hold "
                + "more than 2^62 bytes; check the dimensions"), problems);
    }

    @Test
    void aMessageEchoesAtMostEightElementsOfAList() {
        List<Object> big = new java.util.ArrayList<>();
        for (long i = 0; i < 100_000; i++) {
            big.add(i);
        }
        List<String> problems = problemsOf((b, x) -> b.call("lit", Prims.EXP.target(), List.of(big), F32_4x8));
        assertEquals(1, problems.size());
        assertTrue(problems.getFirst().length() < 300, problems::getFirst);
        assertTrue(problems.getFirst().contains("[0, 1, 2, 3, 4, 5, 6, 7, ... (100000 elements)] (a list)"),
                problems.getFirst());
    }

    @Test
    void tensorParametersNeedNodesNotLiterals() {
        assertEquals(List.of("node lit (prim::exp): argument 0 (x) must be Tensor, got 1.0 (a float)"),
                problemsOf((b, x) -> b.call("lit", Prims.EXP.target(), List.of(1.0), F32_4x8)));
    }

    @Test
    void unknownTarget() {
        List<String> problems = problemsOf((b, x) -> b.call("frob", Target.parse("acme::frob"), List.of(x), F32_4x8));
        assertEquals(1, problems.size());
        assertTrue(problems.getFirst().startsWith("node frob (acme::frob): unknown target acme::frob"), problems.toString());
    }

    @Test
    void recordedMetadataThatDisagrees() {
        assertEquals(List.of("node e (prim::exp): recorded metadata f16[4, 8] disagrees with f32[4, 8], computed "
                        + "from the arguments' metadata"),
                problemsOf((b, x) -> b.call("e", Prims.EXP.target(), List.of(x), TensorMeta.of(DType.F16, 4, 8))));
    }

    @Test
    void metaFunctionRejectingTheArguments() {
        List<String> problems = problemsOf((b, x) -> b.call("r", Prims.RESHAPE.target(), List.of(x, List.of(3L, 5L)),
                TensorMeta.of(DType.F32, 3, 5)));
        assertEquals(1, problems.size());
        assertTrue(problems.getFirst().startsWith("node r (prim::reshape): the meta function of prim::reshape "
                + "rejects the arguments: "), problems.toString());
    }

    @Test
    void tupleNodeUsedDirectly() {
        List<String> problems = problemsOf((b, x) -> {
            Node pair = b.call("pair", SPLIT.target(), List.of(x), SPLIT.meta().infer(List.of(F32_4x8)));
            b.call("direct", Prims.ADD.target(), List.of(pair, x), F32_4x8);
            b.call("in_list", Prims.CAT.target(), List.of(List.of(x, pair), 0L), TensorMeta.of(DType.F32, 8, 8));
            b.call("first", Prims.GETITEM.target(), List.of(pair, 0L), F32_4x8);
        });
        assertEquals(List.of(
                "node direct (prim::add) uses pair, which produces a tuple [f32[4, 8], f16[4, 8]]; take an element "
                        + "first with prim::getitem(pair, i)",
                "node in_list (prim::cat) uses pair, which produces a tuple [f32[4, 8], f16[4, 8]]; take an element "
                        + "first with prim::getitem(pair, i)"), problems);
    }

    @Test
    void getitemChecksTheTupleAndTheElement() {
        List<String> problems = problemsOf((b, x) -> {
            Node pair = b.call("pair", SPLIT.target(), List.of(x), new TupleMeta(Arrays.asList(F32_4x8, null)));
            b.call("wrong", Prims.GETITEM.target(), List.of(pair, 0L), TensorMeta.of(DType.F16, 4, 8));
            b.call("absent", Prims.GETITEM.target(), List.of(pair, 1L), F32_4x8);
            b.call("far", Prims.GETITEM.target(), List.of(pair, 2L), F32_4x8);
            b.call("plain", Prims.GETITEM.target(), List.of(x, 0L), F32_4x8);
        });
        assertEquals(List.of(
                "node pair (test::split): recorded metadata [f32[4, 8], null] disagrees with [f32[4, 8], f16[4, 8]], "
                        + "computed from the arguments' metadata",
                "node wrong (prim::getitem): recorded metadata f16[4, 8] disagrees with f32[4, 8], computed from the "
                        + "arguments' metadata",
                "node absent (prim::getitem): element 1 of pair is absent (None) and cannot be taken",
                "node far (prim::getitem): index 2 is out of range for the 2-element tuple pair",
                "node plain (prim::getitem): argument 0 (tuple) must be a node producing a tuple, but x produces "
                        + "f32[4, 8]"), problems);
    }

    @Test
    void outputMustReturnTensorNodesOrNone() {
        Graph.Builder b = Graph.builder("outs");
        Node x = b.placeholder("x", F32_4x8);
        Node pair = b.call("pair", SPLIT.target(), List.of(x), SPLIT.meta().infer(List.of(F32_4x8)));
        Graph g = b.output(Arrays.asList(x, null, pair, 3L));
        assertEquals(List.of(
                "node output: result 2 is pair, which produces a tuple [f32[4, 8], f16[4, 8]]; return its elements "
                        + "via prim::getitem",
                "node output: result 3 must be a node or None, got 3"), GraphVerifier.problems(g, WITH_SPLIT));
    }

    @Test
    void everyProblemIsListedInTheMessage() {
        Graph.Builder b = Graph.builder("many");
        Node x = b.placeholder("x", F32_4x8);
        b.call("few", Prims.ADD.target(), List.of(x), F32_4x8);
        b.call("frob", Target.parse("acme::frob"), List.of(x), F32_4x8);
        b.call("e", Prims.EXP.target(), List.of(x), TensorMeta.of(DType.F16, 4, 8));
        b.call("ok", Prims.EXP.target(), List.of(x), F32_4x8);
        Graph g = b.output(List.of(x));
        GraphVerificationException e = assertThrows(GraphVerificationException.class,
                () -> GraphVerifier.verify(g, PRIMS));
        assertEquals(3, e.problems().size());
        String[] lines = e.getMessage().split("\n");
        assertEquals("graph many failed verification with 3 problems:", lines[0]);
        assertTrue(lines[1].startsWith("  node few (prim::add): expected 2 arguments"), lines[1]);
        assertTrue(lines[2].startsWith("  node frob (acme::frob): unknown target"), lines[2]);
        assertTrue(lines[3].startsWith("  node e (prim::exp): recorded metadata f16[4, 8]"), lines[3]);
        assertEquals(4, lines.length);
    }
}
