package org.kernelir.format;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphVerifier;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

class GraphJsonTest {

    private static final Dim S0 = Dim.sym("s0");

    /** A traced graph with symbolic dims in shapes and in literals, a None, a dtype and a strided view. */
    static Graph traced() {
        return Tracer.trace("block",
                List.of(Tracer.input("x", TensorMeta.of(DType.F32, List.of(S0, Dim.of(128)))),
                        Tracer.input("w", TensorMeta.of(DType.F32, 128))),
                in -> {
                    Tensor x = in.get(0);
                    Tensor y = x.mul(in.get(1)).add(1.0).reshape(-1, 32, 4).to(DType.F16);
                    Tensor z = x.reshape(x.size(0).times(32), 4).clamp(null, 6.0).transpose(0, 1);
                    return List.of(y, z);
                });
    }

    @Test
    void tracedGraphRoundTrips() {
        Graph g = traced();
        String json = GraphJson.write(g);
        assertEquals(g, GraphJson.read(json));
        assertTrue(json.contains("{\"dim\": \"32*s0\"}"), json);
        assertTrue(json.contains("{\"dtype\": \"f16\"}"), json);
        assertTrue(json.contains("\"strides\": [1, 4]"), json); // the transposed view is not row-major
    }

    @Test
    void writesOneNodePerLineInTheDocumentedShape() {
        Graph.Builder b = Graph.builder("tiny");
        Node x = b.placeholder("x", TensorMeta.of(DType.F32, List.of(S0, Dim.of(64))));
        Node c = b.call("c", Target.parse("acme::frob.fast"),
                Arrays.asList(x, null, true, 3L, 1.0, Double.NaN, "s\"é", DType.BF16, S0.times(2), List.of(1L, 2L)),
                new TupleMeta(Arrays.asList(TensorMeta.of(DType.I64, 2), null)));
        Graph g = b.output(Arrays.asList(x, null));
        assertEquals("""
                {
                  "format": "kernel-ir.graph",
                  "version": 1,
                  "name": "tiny",
                  "nodes": [
                    {"name": "x", "op": "placeholder", "meta": {"dtype": "f32", "shape": ["s0", 64], "device": "cpu"}},
                    {"name": "c", "op": "call", "target": "acme::frob.fast", "args": [{"node": "x"}, null, true, 3, \
                1.0, {"double": "NaN"}, "s\\"\\u00E9", {"dtype": "bf16"}, {"dim": "2*s0"}, [1, 2]], "meta": {"tuple": \
                [{"dtype": "i64", "shape": [2], "device": "cpu"}, null]}},
                    {"name": "output", "op": "output", "args": [{"node": "x"}, null]}
                  ]
                }
                """, GraphJson.write(g));
        assertEquals(g, GraphJson.read(GraphJson.write(g)));
    }

    @Test
    void doublesStayDoublesAndLongsStayLongs() {
        Graph.Builder b = Graph.builder("numbers");
        Node x = b.placeholder("x", TensorMeta.of(DType.F32, 4));
        b.call("n", Target.parse("t::n"), List.of(x, 1.0, 1L, -0.0, 1e-300, Long.MIN_VALUE,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY), TensorMeta.of(DType.F32, 4));
        Graph g = b.output(List.of(x));
        List<Object> args = GraphJson.read(GraphJson.write(g)).node("n").args();
        assertEquals(List.of(x.name(), 1.0, 1L, -0.0, 1e-300, Long.MIN_VALUE, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY), args.stream().map(a -> a instanceof Node n ? n.name() : a).toList());
        assertEquals(g, GraphJson.read(GraphJson.write(g)));
    }

    @Test
    void stridesOnSizeOneDimensionsAndHugeShapesSurvive() {
        Graph.Builder b = Graph.builder("strided");
        // isContiguous() holds here, yet the stride 7 of the size-1 dimension must come back.
        b.placeholder("x", new TensorMeta(DType.F32, List.of(Dim.of(1), Dim.of(4)), List.of(Dim.of(7), Dim.ONE),
                Device.cuda(1)));
        // The row-major strides of this shape overflow a long; writing must not need them.
        Dim big = Dim.of(1L << 40);
        b.placeholder("y", new TensorMeta(DType.F32, List.of(big, big), List.of(Dim.ONE, Dim.ONE), Device.CPU));
        Graph g = b.output(List.of());
        assertEquals(g, GraphJson.read(GraphJson.write(g)));
    }

    @Test
    void fileRoundTripAndErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Graph g = traced();
        Path file = dir.resolve("block.json");
        GraphJson.write(g, file);
        assertEquals(g, GraphJson.read(file));

        Files.writeString(file, GraphJson.write(g).replace("\"op\": \"call\"", "\"op\": \"cal\""));
        GraphFormatException e = assertThrows(GraphFormatException.class, () -> GraphJson.read(file));
        assertEquals(file.toString(), e.source());
        assertTrue(e.getMessage().startsWith(file + ":8:"), e.getMessage());
    }

    @Test
    void readerSourceNameAppearsInMessages() {
        GraphFormatException e = assertThrows(GraphFormatException.class,
                () -> GraphJson.read(new StringReader("[]"), "inline.json"));
        assertEquals("inline.json:1:1: a graph document must be a JSON object, got array",
                e.getMessage());
    }

    // ---- bad input: each problem has its own message, with line:column and JSON path ----

    /** A document whose node i sits on line 6 + i, starting at column 5. */
    private static String doc(String... nodes) {
        return header(1) + "    " + String.join(",\n    ", nodes) + "\n  ]\n}\n";
    }

    private static String header(Object version) {
        return "{\n  \"format\": \"kernel-ir.graph\",\n  \"version\": " + version + ",\n  \"name\": \"g\",\n"
                + "  \"nodes\": [\n";
    }

    private static final String X = "{\"name\": \"x\", \"op\": \"placeholder\", \"meta\": {\"dtype\": \"f32\", "
            + "\"shape\": [4]}}";
    private static final String OUT = "{\"name\": \"output\", \"op\": \"output\", \"args\": [{\"node\": \"x\"}]}";
    private static final String META = "\"meta\": {\"dtype\": \"f32\", \"shape\": [4]}";

    private static GraphFormatException bad(String json) {
        return assertThrows(GraphFormatException.class, () -> GraphJson.read(json));
    }

    @Test
    void malformedJsonGivesJacksonsReasonAndPosition() {
        GraphFormatException e = bad("{\n  \"format\": \"kernel-ir.graph\",,\n}");
        assertEquals("2:31", e.location());
        assertTrue(e.getMessage().startsWith("<string>:2:31: malformed JSON: Unexpected character (','"),
                e.getMessage());
    }

    @Test
    void emptyAndTrailingContentAreRejected() {
        assertEquals("the document is empty; expected a kernel-ir.graph JSON object", bad("  ").reason());
        GraphFormatException e = bad(doc(X, OUT) + "{}");
        assertEquals("10:1", e.location());
        assertEquals("unexpected content after the end of the graph document", e.reason());
    }

    @Test
    void wrongOrMissingFormat() {
        GraphFormatException e = bad(doc(X, OUT).replace("kernel-ir.graph", "onnx"));
        assertEquals("2:13", e.location());
        assertEquals("format", e.path());
        assertEquals("not a kernel-ir graph: expected \"format\": \"kernel-ir.graph\", got \"onnx\"", e.reason());

        e = bad("{\"nodes\": []}");
        assertEquals("1:1", e.location());
        assertEquals("not a kernel-ir graph: expected \"format\": \"kernel-ir.graph\", got no \"format\" member",
                e.reason());
    }

    @Test
    void unsupportedVersionSaysWhichIsSupported() {
        GraphFormatException e = bad(header(2) + "  ]\n}");
        assertEquals("3:14", e.location());
        assertEquals("unsupported graph format version 2; this kernel-ir reads version 1 only, written as "
                + "\"version\": 1", e.reason());
    }

    @Test
    void unknownOpKind() {
        GraphFormatException e = bad(doc(X, "{\"name\": \"y\", \"op\": \"cal\", \"args\": []}", OUT));
        assertEquals("7:25", e.location());
        assertEquals("nodes[1].op", e.path());
        assertEquals("node y has unknown op \"cal\"; expected \"placeholder\", \"call\" or \"output\"", e.reason());
    }

    @Test
    void badTargetSyntax() {
        GraphFormatException e = bad(doc(X, "{\"name\": \"y\", \"op\": \"call\", \"target\": \"rms_norm\", "
                + "\"args\": [], " + META + "}", OUT));
        assertEquals("7:43", e.location());
        assertEquals("node y: target 'rms_norm' has no namespace; expected namespace::name or "
                + "namespace::name.overload, e.g. ir::rms_norm", e.reason());

        e = bad(doc(X, "{\"name\": \"y\", \"op\": \"call\", \"target\": \"ir::Rms\", \"args\": [], " + META + "}",
                OUT));
        assertTrue(e.reason().startsWith("node y: invalid target 'ir::Rms': name 'Rms' must match"), e.reason());
    }

    @Test
    void useBeforeDefinition() {
        String mul = "{\"name\": \"mul\", \"op\": \"call\", \"target\": \"prim::mul\", "
                + "\"args\": [{\"node\": \"x\"}, {\"node\": \"w\"}], " + META + "}";
        String w = "{\"name\": \"w\", \"op\": \"placeholder\", " + META + "}";
        GraphFormatException e = bad(doc(X, mul, w, OUT));
        assertEquals("<string>:7:91: node mul (prim::mul) uses w, which is not defined before it "
                + "(at nodes[1].args[1].node)", e.getMessage());
        assertEquals("7:91", e.location());
    }

    @Test
    void duplicateNames() {
        GraphFormatException e = bad(doc(X, X, OUT));
        assertEquals("7:14", e.location());
        assertEquals("duplicate node name x; it is first defined at nodes[0]", e.reason());
    }

    @Test
    void callWithoutMetadata() {
        GraphFormatException e = bad(doc(X, "{\"name\": \"e\", \"op\": \"call\", \"target\": \"prim::exp\", "
                + "\"args\": [{\"node\": \"x\"}]}", OUT));
        assertEquals("7:5", e.location());
        assertEquals("node e (prim::exp) has no \"meta\"; every placeholder and call node records the dtype, "
                + "shape, strides and device of what it produces", e.reason());
    }

    @Test
    void missingOrMisplacedOutputNode() {
        GraphFormatException e = bad(doc(X));
        assertEquals("5:12", e.location());
        assertTrue(e.reason().startsWith("graph g has no output node; the last node must be"), e.reason());

        e = bad(doc(X, OUT, "{\"name\": \"z\", \"op\": \"placeholder\", " + META + "}"));
        assertEquals("8:5", e.location());
        assertEquals("node z follows the output node; the output node must be the last node", e.reason());

        e = bad(doc(X, "{\"name\": \"output\", \"op\": \"output\", \"args\": [3]}"));
        assertEquals("7:49", e.location());
        assertEquals("node output: a result must be a node reference {\"node\": NAME} or null, got 3", e.reason());
    }

    @Test
    void badLiteralsAndMetas() {
        String call = "{\"name\": \"c\", \"op\": \"call\", \"target\": \"t::c\", \"args\": [%s], " + META + "}";
        GraphFormatException e = bad(doc(X, call.formatted("{\"double\": \"nan\"}"), OUT));
        assertEquals("nodes[1].args[0].double", e.path());
        assertTrue(e.reason().startsWith("node c (t::c): {\"double\": ...} must be \"NaN\""), e.reason());

        e = bad(doc(X, call.formatted("{\"tensor\": \"x\"}"), OUT));
        assertEquals("7:60", e.location());
        assertTrue(e.reason().startsWith("node c (t::c): unknown argument {\"tensor\":\"x\"}; expected"), e.reason());

        e = bad(doc(X, call.formatted("{\"dtype\": \"f12\"}"), OUT));
        assertTrue(e.reason().startsWith("node c (t::c): unknown dtype 'f12'"), e.reason());

        e = bad(doc(X, call.formatted("99999999999999999999"), OUT));
        assertEquals("node c (t::c): integer 99999999999999999999 does not fit in 64 bits", e.reason());

        e = bad(doc("{\"name\": \"x\", \"op\": \"placeholder\", \"meta\": {\"dtype\": \"f32\", \"shape\": [\"s0+\"]}}",
                OUT));
        assertEquals("nodes[0].meta.shape[0]", e.path());
        assertEquals("6:75", e.location());

        e = bad(doc("{\"name\": \"x\", \"op\": \"placeholder\", \"meta\": {\"tuple\": []}}", OUT));
        assertEquals("node x: a placeholder's meta must be a tensor, not a tuple", e.reason());
    }

    @Test
    void unknownAndDuplicateMembersAreErrors() {
        GraphFormatException e = bad(doc(X, "{\"name\": \"e\", \"op\": \"call\", \"tagret\": \"prim::exp\"}", OUT));
        assertEquals("nodes[1].tagret", e.path());
        assertEquals("node e has unknown member \"tagret\"; expected [args, meta, name, op, target]", e.reason());

        e = bad(doc("{\"name\": \"x\", \"name\": \"y\", \"op\": \"placeholder\", " + META + "}", OUT));
        assertEquals("6:19", e.location());
        assertEquals("duplicate member \"name\"", e.reason());
    }

    @Test
    void builderRulesBecomeLocatedFormatErrors() {
        GraphFormatException e = bad(doc(X.replace("\"x\"", "\"X\""), OUT));
        assertEquals("6:5", e.location());
        assertTrue(e.reason().startsWith("node name 'X' in graph g must match"), e.reason());
    }

    @Test
    void aJsonRoundTripKeepsAGraphVerifiable() {
        assertDoesNotThrow(() -> GraphVerifier.verify(GraphJson.read(GraphJson.write(traced())),
                KernelCatalog.of(Prims.all())));
    }
}
