package org.kernelir.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphVerifier;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Target;
import org.kernelir.format.GraphFormatException;
import org.kernelir.format.GraphJson;
import org.kernelir.passes.examples.LlamaBuilder;

class LoweringPassTest {

    private static final int TOKENS = 5;

    static Stream<Arguments> priorities() {
        return Stream.of(
                // Lowered native runs exactly the primitives eager native runs, so the results are bit for bit equal.
                Arguments.of("native only", "default=native", 64, 0.0,
                        "fused_add_rms_norm=native*4 rms_norm=native rotary_embedding=native*2 silu_and_mul=native*2"),
                Arguments.of("test provider where it supports the arguments", "default=test,native", 64, 1e-5,
                        "fused_add_rms_norm=test*4 rms_norm=test rotary_embedding=native*2 silu_and_mul=native*2"),
                Arguments.of("test provider, hidden size it does not support", "default=test,native", 48, 1e-5,
                        "fused_add_rms_norm=native*4 rms_norm=native rotary_embedding=native*2 silu_and_mul=native*2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("priorities")
    void loweredTinyModelComputesWhatNativeComputes(String label, String priority, long hidden, double tolerance,
            String selections) {
        Graph model = LlamaBuilder.tiny().hidden(hidden).build();
        Dispatcher dispatcher = Fixtures.dispatcher(priority, new TestProvider());
        PassConfig config = PassConfig.builder(dispatcher).strict(true).build();

        LoweringResult result = PassManager.standard(config).run(model);

        assertEquals(selections, result.report().summary());
        assertTrue(result.graph().calls().stream().noneMatch(n -> n.target().namespace().equals(OpDef.NAMESPACE)),
                result.graph()::toString);
        assertEquals(List.of(), GraphVerifier.problems(result.graph(), config.catalog()));
        List<CpuTensor> inputs = Fixtures.llamaInputs(model, TOKENS, 128);
        List<CpuTensor> expected = Fixtures.run(model, Fixtures.dispatcher("default=native"), inputs);
        Fixtures.assertClose(expected, Fixtures.run(result.graph(), dispatcher, inputs), tolerance, tolerance);
    }

    @Test
    void selectsWhatDispatchSelectsForTheSameArguments() {
        Graph model = LlamaBuilder.tiny().build();
        Dispatcher dispatcher = Fixtures.dispatcher("default=test,native", new TestProvider());

        LoweringReport report = PassManager.standard(PassConfig.of(dispatcher)).run(model).report();

        List<String> checked = new ArrayList<>();
        for (Node n : model.calls()) {
            if (n.target().namespace().equals(OpDef.NAMESPACE)) {
                OpDef<?> op = dispatcher.registry().ops().require(n.target().name());
                String direct = dispatcher.handle(op).select(new CallArgs(metaArgs(op, n))).provider();
                assertEquals(direct, report.nodes().get(n.name()).provider(), n.name());
                checked.add(n.name());
            }
        }
        assertEquals(9, checked.size(), checked::toString);
    }

    @Test
    void loweringTheSameGraphTwiceGivesEqualGraphs() {
        Graph model = LlamaBuilder.tiny().build();
        PassManager pipeline = PassManager.standard(PassConfig.of(Fixtures.dispatcher("default=test,native",
                new TestProvider())));

        Graph first = pipeline.run(model).graph();
        Graph second = pipeline.run(model).graph();

        assertEquals(first, second);
        assertEquals(GraphJson.write(first), GraphJson.write(second));
    }

    @Test
    void inlinedNodesAreNamedAfterTheOpNode() {
        Sketch s = new Sketch("one_norm");
        Node x = s.input("x", -1, 64);
        Node w = s.input("w", 64);
        Graph g = s.output(s.ir(IrOps.RMS_NORM, false, x, w, 1e-6));

        Graph lowered = new LoweringPass().run(g, new PassContext(PassConfig.of(
                Fixtures.dispatcher("default=test,native", new TestProvider()))));

        Node kernel = lowered.calls().getFirst();
        assertEquals("rms_norm__rms_norm", kernel.name());
        assertEquals(TestProvider.RMS_NORM_KERNEL.target(), kernel.target());
        assertEquals(List.of(kernel), lowered.outputs());
    }

    @Test
    void anUnknownOpIsAnErrorNamingTheNodeInStrictMode() {
        Graph g = graphWithUnknownOp();
        PassConfig strict = PassConfig.builder(Fixtures.dispatcher("default=native")).strict(true).build();

        LoweringException e = assertThrows(LoweringException.class, () -> PassManager.standard(strict).run(g));

        assertTrue(e.getMessage().contains("node mystery (ir::nope)"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown IR op nope"), e.getMessage());
        assertEquals("mystery", e.failures().getFirst().node());
    }

    @Test
    void anUnknownOpIsReportedAndLoggedByDefault() {
        Graph g = graphWithUnknownOp();
        try (LogCapture logs = LogCapture.of(LoweringPass.class, Level.WARN)) {
            LoweringResult result = PassManager.standard(PassConfig.of(Fixtures.dispatcher("default=native"))).run(g);

            assertEquals(List.of("mystery"), result.report().failed().stream().map(LoweringReport.Failure::node).toList());
            assertTrue(result.report().failed().getFirst().reason().contains("unknown IR op nope"));
            assertTrue(result.graph().node("mystery") != null, "the node stays");
            assertEquals("rms_norm=native", result.report().summary());
            List<String> warnings = logs.messages(Level.WARN);
            assertEquals(1, warnings.size(), warnings::toString);
            assertTrue(warnings.getFirst().contains("node mystery (ir::nope)"), warnings.getFirst());
        }
    }

    /** {@code rms_norm} of x, then a call of an op nobody registered. */
    private static Graph graphWithUnknownOp() {
        Graph.Builder b = Graph.builder("unknown");
        TensorMeta m = TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(64)));
        Node x = b.placeholder("x", m);
        Node norm = b.call("norm", IrOps.RMS_NORM.target(), Arrays.asList(x, null, 1e-6), m);
        return b.output(List.of(b.call("mystery", Target.parse("ir::nope"), List.of(norm), m)));
    }

    @Test
    void aNodeWithoutMetadataCannotBeRead() {
        String doc = """
                {"format": "kernel-ir.graph", "version": 1, "name": "no_meta", "nodes": [
                  {"name": "x", "op": "placeholder", "meta": {"dtype": "f32", "shape": ["s0", 64], "device": "cpu"}},
                  {"name": "norm", "op": "call", "target": "ir::rms_norm", "args": [{"node": "x"}, null, 1.0E-6]},
                  {"name": "output", "op": "output", "args": [{"node": "norm"}]}
                ]}
                """;

        GraphFormatException e = assertThrows(GraphFormatException.class, () -> GraphJson.read(doc));

        assertTrue(e.getMessage().contains("node norm (ir::rms_norm)") && e.getMessage().contains("\"meta\""),
                e.getMessage());
    }

    @Test
    void aProviderWhoseTraceThrowsIsSkippedWithOneWarning() {
        Graph g = twoNorms();
        Dispatcher dispatcher = Fixtures.dispatcher("rms_norm=broken", new BrokenProvider());
        try (LogCapture logs = LogCapture.of(LoweringPass.class, Level.WARN)) {
            LoweringResult result = PassManager.standard(PassConfig.builder(dispatcher).strict(true).build()).run(g);

            List<String> warnings = logs.messages(Level.WARN);
            assertEquals(1, warnings.size(), warnings::toString);
            String w = warnings.getFirst();
            assertTrue(w.contains("provider broken") && w.contains("op rms_norm") && w.contains("first, second")
                    && w.contains("kernel table missing"), w);
            assertEquals("rms_norm=native*2", result.report().summary());
            assertEquals(List.of("first", "second"), result.report().skipped().stream()
                    .map(LoweringReport.Skip::node).toList());
            assertSameValues(g, result.graph(), dispatcher);
        }
    }

    @Test
    void aProviderWhoseGraphDisagreesWithTheNodeIsSkippedWithOneWarning() {
        Graph g = twoNorms();
        Dispatcher dispatcher = Fixtures.dispatcher("rms_norm=liar,native", new LyingProvider());
        try (LogCapture logs = LogCapture.of(LoweringPass.class, Level.WARN)) {
            LoweringResult result = PassManager.standard(PassConfig.builder(dispatcher).strict(true).build()).run(g);

            List<String> warnings = logs.messages(Level.WARN);
            assertEquals(1, warnings.size(), warnings::toString);
            String w = warnings.getFirst();
            assertTrue(w.contains("provider liar") && w.contains("op rms_norm") && w.contains("first, second")
                    && w.contains("f16[s0, 64]") && w.contains("f32[s0, 64]"), w);
            assertEquals("rms_norm=native*2", result.report().summary());
            assertSameValues(g, result.graph(), dispatcher);
        }
    }

    /** Two rms_norm nodes, named first and second. */
    private static Graph twoNorms() {
        Graph.Builder b = Graph.builder("two_norms");
        TensorMeta m = TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(64)));
        Node x = b.placeholder("x", m);
        Node w = b.placeholder("w", TensorMeta.of(DType.F32, 64));
        Node first = b.call("first", IrOps.RMS_NORM.target(), List.of(x, w, 1e-6), m);
        return b.output(List.of(b.call("second", IrOps.RMS_NORM.target(), List.of(first, w, 1e-6), m)));
    }

    private static void assertSameValues(Graph unlowered, Graph lowered, Dispatcher dispatcher) {
        List<CpuTensor> inputs = List.of(org.kernelir.core.op.Samples.randn(1, DType.F32, 1.0, 3, 64),
                org.kernelir.core.op.Samples.randn(2, DType.F32, 1.0, 64));
        Fixtures.assertClose(Fixtures.run(unlowered, Fixtures.dispatcher("default=native"), inputs),
                Fixtures.run(lowered, dispatcher, inputs), 0, 0);
    }

    /** Its rms_norm throws while being traced. */
    static final class BrokenProvider implements KernelProvider {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public void register(ProviderContext context) {
            context.implement(Implementation.of(IrOps.RMS_NORM, (x, w, eps, vs) -> {
                throw new IllegalStateException("kernel table missing");
            }));
        }
    }

    /** Its rms_norm returns f16 for f32 input. */
    static final class LyingProvider implements KernelProvider {
        @Override
        public String name() {
            return "liar";
        }

        @Override
        public void register(ProviderContext context) {
            context.implement(Implementation.of(IrOps.RMS_NORM, (x, w, eps, vs) -> x.to(DType.F16)));
        }
    }

    @Test
    void loweringThroughACacheGivesTheGraphOfLoweringWithout() {
        Graph model = LlamaBuilder.tiny().build();
        Dispatcher dispatcher = Fixtures.dispatcher("default=test,native", new TestProvider());
        CountingCache cache = new CountingCache();
        PassManager cached = PassManager.standard(PassConfig.builder(dispatcher).cache(cache).build());

        Graph plain = PassManager.standard(PassConfig.of(dispatcher)).run(model).graph();
        LoweringResult first = cached.run(model);
        LoweringResult second = cached.run(model);

        assertEquals(plain, first.graph());
        assertEquals(plain, second.graph());
        // 9 IR nodes, 4 distinct keys: rms_norm; fused_add_rms_norm, rotary_embedding and silu_and_mul have one
        // argument signature each throughout the model.
        assertEquals(4, first.report().cacheStats().misses());
        assertEquals(5, first.report().cacheStats().hits());
        assertEquals(0, second.report().cacheStats().misses());
        assertEquals(9, second.report().cacheStats().hits());
    }

    @Test
    void aDisabledCacheGivesTheSameGraph() {
        Graph model = LlamaBuilder.tiny().build();
        Dispatcher dispatcher = Fixtures.dispatcher("default=native");
        Graph plain = PassManager.standard(PassConfig.of(dispatcher)).run(model).graph();
        LoweringResult disabled = PassManager.standard(PassConfig.builder(dispatcher)
                .cache(org.kernelir.cache.ReplacementCache.disabled()).build()).run(model);

        assertEquals(plain, disabled.graph());
        assertEquals(9, disabled.report().cacheStats().traces());
    }

    @Test
    void aRenamedTokenSymbolLowersToTheSameGraphThroughTheSameKeys() {
        Dispatcher dispatcher = Fixtures.dispatcher("default=test,native", new TestProvider());
        CountingCache cache = new CountingCache();
        PassManager pipeline = PassManager.standard(PassConfig.builder(dispatcher).cache(cache).build());

        Graph withS0 = pipeline.run(LlamaBuilder.tiny().build()).graph();
        List<?> keysS0 = cache.lookups();
        LoweringResult withS7 = pipeline.run(LlamaBuilder.tiny().tokenSymbol("s7").build());

        assertEquals(0, withS7.report().cacheStats().misses());
        assertEquals(keysS0, cache.lookups().subList(keysS0.size(), cache.lookups().size()));
        assertNotEquals(withS0, withS7.graph());
        assertTrue(withS7.graph().toString().contains("s7") && !withS7.graph().toString().contains("s0"));
        assertEquals(withS0, renameSymbols(withS7.graph(), Map.of("s7", Dim.sym("s0"))));
    }

    /** {@code g} with its symbols renamed in every metadata and every dimension argument. */
    private static Graph renameSymbols(Graph g, Map<String, Dim> renaming) {
        Map<Node, Node> env = new java.util.HashMap<>();
        Graph.Builder b = Graph.builder(g.name());
        for (Node n : g.nodes()) {
            switch (n.kind()) {
                case PLACEHOLDER -> env.put(n, b.placeholder(n.name(),
                        (TensorMeta) ReplacementInliner.substitute(n.meta(), renaming)));
                case CALL -> env.put(n, b.call(n.name(), n.target(), renameArgs(n.args(), env, renaming),
                        ReplacementInliner.substitute(n.meta(), renaming)));
                case OUTPUT -> {
                    return b.output(renameArgs(n.args(), env, renaming));
                }
            }
        }
        throw new AssertionError("no output node");
    }

    private static List<Object> renameArgs(List<?> args, Map<Node, Node> env, Map<String, Dim> renaming) {
        List<Object> out = new ArrayList<>();
        for (Object a : args) {
            out.add(switch (a) {
                case Node n -> env.get(n);
                case Dim d -> d.substitute(renaming);
                case List<?> l -> renameArgs(l, env, renaming);
                case null, default -> a;
            });
        }
        return out;
    }

    /** The node's arguments bound to the op's schema, tensors as their metadata. */
    private static List<Object> metaArgs(OpDef<?> op, Node n) {
        List<Object> out = new ArrayList<>();
        for (Object v : op.schema().bind(n.name(), n.args())) {
            out.add(v instanceof Node a ? a.meta() : v);
        }
        return out;
    }
}
