package org.kernelir.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kernelir.cache.CacheStats;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.passes.examples.LlamaBuilder;

class PassManagerTest {

    @Test
    void runsThePassesInOrderAndTimesEachAtDebugLevel() {
        PassManager pipeline = PassManager.standard(PassConfig.of(Fixtures.dispatcher("default=native")));
        try (LogCapture logs = LogCapture.of(PassManager.class, Level.DEBUG)) {
            LoweringReport report = pipeline.run(LlamaBuilder.tiny().build()).report();

            List<String> names = List.of("FunctionalizationPass", "LoweringPass", "CloneEliminationPass",
                    "NoOpEliminationPass", "DeadCodeEliminationPass");
            assertEquals(names, report.passTimings().stream().map(LoweringReport.PassTiming::pass).toList());
            List<String> debug = logs.messages(Level.DEBUG);
            assertEquals(5, debug.size(), debug::toString);
            assertTrue(debug.get(1).matches("LoweringPass completed in \\d+\\.\\d ms"), debug.get(1));
            assertTrue(report.totalMillis() >= report.passTimings().stream()
                    .mapToDouble(LoweringReport.PassTiming::millis).max().orElseThrow());
        }
    }

    @Test
    void thePipelineUuidCoversPassesPriorityAndProviders() {
        Dispatcher dispatcher = Fixtures.dispatcher("default=native", new TestProvider());
        PassManager pipeline = PassManager.standard(PassConfig.of(dispatcher));
        UUID uuid = pipeline.pipelineUuid();

        assertEquals(uuid, pipeline.pipelineUuid());
        assertEquals(uuid, PassManager.standard(PassConfig.of(Fixtures.dispatcher("default=native", new TestProvider())))
                .pipelineUuid(), "the same configuration in another registry");
        Dispatcher.Scope scope = dispatcher.override(Priority.parse("default=test,native"));
        assertNotEquals(uuid, pipeline.pipelineUuid(), "another priority");
        scope.close();
        assertEquals(uuid, pipeline.pipelineUuid(), "the scope is closed");
        assertNotEquals(uuid, new PassManager(PassConfig.of(dispatcher), List.of(new LoweringPass())).pipelineUuid(),
                "other passes");
        assertNotEquals(uuid, PassManager.standard(PassConfig.builder(dispatcher).donatedInputs(Set.of("x")).build())
                .pipelineUuid(), "donated inputs");
    }

    @Test
    void theReportCountsSelectionsPerOpAndTheCacheDelta() {
        CountingCache cache = new CountingCache();
        Dispatcher dispatcher = Fixtures.dispatcher("default=test,native", new TestProvider());
        PassManager pipeline = PassManager.standard(PassConfig.builder(dispatcher).cache(cache).build());
        pipeline.run(LlamaBuilder.tiny().build());

        LoweringReport report = pipeline.run(LlamaBuilder.tiny().build()).report();

        assertEquals(Map.of("fused_add_rms_norm", Map.of("test", 4), "rms_norm", Map.of("test", 1),
                "rotary_embedding", Map.of("native", 2), "silu_and_mul", Map.of("native", 2)), report.opCounts());
        assertEquals(new LoweringReport.Selection("rms_norm", "test"), report.nodes().get("rms_norm"));
        assertEquals(new CacheStats(9, 0, 0, 0, 0, 0, 0), report.cacheStats());
        assertTrue(report.toString().startsWith("lowered: fused_add_rms_norm=test*4 rms_norm=test "
                + "rotary_embedding=native*2 silu_and_mul=native*2\n"), report::toString);
        assertTrue(report.toString().contains("\ncache: 9 hits, 0 disk hits, 0 misses, 0 traces; lowered graphs: 0 hits, 0 misses\n"),
                report::toString);
    }

    @Test
    void summariesListProvidersByCount() {
        LoweringReport a = new LoweringReport(Map.of("n1", new LoweringReport.Selection("rms_norm", "native")),
                List.of(), List.of(), List.of(), List.of(), CacheStats.EMPTY, 1);
        LoweringReport b = LoweringReport.EMPTY;
        for (int i = 0; i < 3; i++) {
            b = b.plus(new LoweringReport(Map.of("c" + i, new LoweringReport.Selection("rms_norm", "cpu")), List.of(),
                    List.of(), List.of(), List.of(), CacheStats.EMPTY, 1));
        }

        assertEquals("rms_norm=native", a.summary());
        assertEquals("rms_norm=cpu*3,native", b.plus(a).summary());
        assertEquals(4.0, b.plus(a).totalMillis());
        assertEquals("", LoweringReport.EMPTY.summary());
    }
}
