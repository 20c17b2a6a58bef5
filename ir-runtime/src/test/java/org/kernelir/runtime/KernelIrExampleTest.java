package org.kernelir.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.examples.LlamaBuilder;
import org.kernelir.runtime.plugins.ProviderStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The example in {@link KernelIr}'s javadoc compiles and runs: this test holds the same lines. */
class KernelIrExampleTest {

    private static final Logger log = LoggerFactory.getLogger(KernelIrExampleTest.class);

    @Test
    void theJavadocExampleRuns() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) log;
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        try {
            // example:start
            try (KernelIr ir = KernelIr.builder()
                    .pluginsDirectory(Path.of("plugins"))
                    .priority(Priority.parse("default=cpu,native"))
                    .build()) {
                for (ProviderStatus p : ir.providers()) {
                    log.info("{}", p);
                }
                Graph model = LlamaBuilder.tiny().build();
                LoweringResult lowered = ir.lower(model);
                log.info("{}", lowered.report().summary());

                Tensor x = CpuTensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
                Tensor w = CpuTensor.of(new float[] {1, 1, 1, 1}, 4);
                Tensor y = ir.dispatcher().call1(IrOps.RMS_NORM, x, w, 1e-6);
            }
            // example:end
        } finally {
            logger.detachAppender(seen);
            logger.setLevel(before);
        }
        List<String> lines = seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(lines.getFirst().startsWith("native (builtin) LOADED"), lines::toString);
        // No cpu provider is installed here: every IR op is lowered to native.
        assertTrue(lines.getLast().contains("rms_norm=native"), lines::toString);
    }

    @Test
    void theTestHoldsExactlyTheJavadocExample() throws IOException {
        String javadoc = Files.readString(Path.of("src/main/java/org/kernelir/runtime/KernelIr.java"));
        String block = javadoc.substring(javadoc.indexOf("<pre>{@code") + "<pre>{@code".length(),
                javadoc.indexOf("}</pre>"));
        List<String> fromJavadoc = block.lines().map(l -> l.replaceFirst("^\\s*\\*", "").strip())
                .filter(l -> !l.isEmpty()).toList();

        String test = Files.readString(Path.of("src/test/java/org/kernelir/runtime/KernelIrExampleTest.java"));
        String region = test.substring(test.indexOf("// example:start") + "// example:start".length(),
                test.indexOf("// example:end"));
        List<String> fromTest = region.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();

        assertEquals(fromJavadoc, fromTest);
    }
}
