package org.kernelir.passes.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.IrOpCatalog;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphVerifier;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.interp.RunResult;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.format.ModelFile;
import org.kernelir.passes.LoweringReport;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.PassConfig;
import org.kernelir.passes.PassManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The files in examples/models: up to date, readable, small, and lowerable. */
class ExampleModelsTest {

    private static final Logger LOG = LoggerFactory.getLogger(ExampleModelsTest.class);
    /** The shipped files, relative to this module. */
    private static final Path DIR = Path.of("..", "examples", "models");
    /** Set to rewrite the shipped files instead of checking them. */
    private static final boolean REGENERATE = Boolean.getBoolean("kernelir.regenerateExamples");

    private final Dispatcher dispatcher = new Dispatcher(new ProviderRegistry(OpRegistry.standard()),
            Priority.parse("default=native"));

    @Test
    void theShippedFilesAreUpToDate() throws IOException {
        for (Map.Entry<String, ModelFile> e : ExampleModels.all().entrySet()) {
            Path file = DIR.resolve(e.getKey());
            String expected = e.getValue().toJson();
            if (REGENERATE) {
                e.getValue().write(file);
            }
            assertTrue(Files.exists(file) && expected.equals(Files.readString(file)), file + " is out of date; "
                    + "regenerate it with ./mvnw -pl ir-passes test -Dtest=ExampleModelsTest "
                    + "-Dkernelir.regenerateExamples=true");
            assertTrue(Files.size(file) < 4_000_000, file + " is " + Files.size(file) + " bytes");
        }
    }

    @Test
    void theTinyModelRunsAndLowersToTheSameValues() {
        Graph model = ModelFile.read(DIR.resolve(ExampleModels.TINY)).graphs().getFirst();
        Interpreter interpreter = new Interpreter(new IrOpCatalog(dispatcher));
        List<CpuTensor> inputs = inputs(model, 7);

        long start = System.nanoTime();
        List<CpuTensor> expected = interpreter.run(model, inputs);
        LOG.info("tiny model: interpreted in {} ms", (System.nanoTime() - start) / 1_000_000);
        Graph lowered = PassManager.standard(PassConfig.builder(dispatcher).strict(true).build()).run(model).graph();

        assertEquals(List.of(7L, 64L), java.util.Arrays.stream(expected.getFirst().sizes()).boxed().toList());
        assertEquals(values(expected), values(interpreter.run(lowered, inputs)));
    }

    @Test
    void theTinyModelRunsPooledToTheSameValuesAndReusesItsMemory() {
        Graph model = ModelFile.read(DIR.resolve(ExampleModels.TINY)).graphs().getFirst();
        Interpreter interpreter = new Interpreter(new IrOpCatalog(dispatcher));
        Graph lowered = PassManager.standard(PassConfig.builder(dispatcher).strict(true).build()).run(model).graph();
        List<CpuTensor> inputs = inputs(model, 5);
        List<String> expected = values(interpreter.run(lowered, inputs));
        try (TensorPool pool = new TensorPool()) {
            for (Graph g : List.of(lowered, model)) {
                long misses = -1;
                for (int round = 0; round < 2; round++) {
                    try (RunResult r = interpreter.run(g, inputs, pool)) {
                        assertEquals(expected, values(r.outputs()), g.name() + " round " + round);
                    }
                    if (round == 0) {
                        misses = pool.stats().misses();
                    }
                }
                assertEquals(misses, pool.stats().misses(), "the second run allocated nothing: " + pool.stats());
            }
            TensorPool.Stats s = pool.stats();
            assertEquals(0, s.lentBlocks(), s.toString());
            assertTrue(s.hits() > s.misses(), "intermediates reuse blocks within a run too: " + s);
        }
    }

    @Test
    void theLlama70bShapedModelHas81PiecesThatLowerCompletely() {
        ModelFile model = ModelFile.read(DIR.resolve(ExampleModels.LLAMA_70B));
        PassManager pipeline = PassManager.standard(PassConfig.builder(dispatcher).strict(true).build());

        LoweringReport total = LoweringReport.EMPTY;
        List<Graph> lowered = new java.util.ArrayList<>();
        for (Graph piece : model.graphs()) {
            LoweringResult r = pipeline.run(piece);
            lowered.add(r.graph());
            total = total.plus(r.report());
        }

        assertEquals(81, model.graphs().size());
        assertEquals("fused_add_rms_norm=native*160 rms_norm=native rotary_embedding=native*80 silu_and_mul=native*80",
                total.summary());
        LOG.info("llama-70b-shaped: lowered 81 pieces in {} ms", Math.round(total.totalMillis()));
        for (int i : new int[] {0, 1, 80}) {
            assertEquals(List.of(), GraphVerifier.problems(lowered.get(i), pipeline.config().catalog()), "piece " + i);
        }
        // The pieces between the first and the last attention differ only in names.
        for (int i = 2; i < 80; i++) {
            assertEquals(targets(model.graphs().get(1)), targets(model.graphs().get(i)), "piece " + i);
        }
    }

    private static List<String> targets(Graph g) {
        return g.calls().stream().map(n -> n.target() + " " + n.meta()).toList();
    }

    private static List<CpuTensor> inputs(Graph g, int tokens) {
        long seed = 11;
        List<CpuTensor> out = new java.util.ArrayList<>();
        for (Node p : g.placeholders()) {
            TensorMeta m = (TensorMeta) p.meta();
            long[] shape = m.shape().stream().mapToLong(d -> d.isConstant() ? d.constant() : tokens).toArray();
            out.add(p.name().equals("input_ids") || p.name().equals("positions") ? Samples.randint(seed++, 100, shape)
                    : Samples.randn(seed++, m.dtype(), 0.2, shape));
        }
        return out;
    }

    private static List<String> values(List<CpuTensor> ts) {
        return ts.stream().map(t -> java.util.Arrays.toString(t.toDoubleArray())).toList();
    }
}
