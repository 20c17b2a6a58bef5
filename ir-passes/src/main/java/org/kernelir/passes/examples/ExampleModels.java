package org.kernelir.passes.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernelir.format.ModelFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example models shipped in {@code examples/models}, and their generator:
 * <ul>
 *   <li>{@value #TINY}: the {@link LlamaBuilder#tiny() tiny} Llama (2 layers, hidden 64, f32) as one graph with
 *       attention written in primitives, small enough to run in the interpreter in well under a second;</li>
 *   <li>{@value #LLAMA_70B}: a model with the shapes of Llama 3 70B (80 layers, hidden 8192, bf16) cut at
 *       attention into 81 pieces, as vLLM compiles it piecewise. Weights are graph inputs, so lowering it needs
 *       no weight data.</li>
 * </ul>
 *
 * <p>Regenerate the files after a change to the builder, the tracer or the graph format with
 * {@code ExampleModels.main("examples/models")}, or by running {@code ExampleModelsTest} with
 * {@code -Dkernelir.regenerateExamples=true}; a test checks that the shipped files are up to date.
 */
public final class ExampleModels {

    private static final Logger LOG = LoggerFactory.getLogger(ExampleModels.class);

    /** The file name of the tiny model. */
    public static final String TINY = "tiny.json";
    /** The file name of the piecewise 70B-shaped model. */
    public static final String LLAMA_70B = "llama-70b-shaped.json";

    private ExampleModels() {
    }

    /** The tiny Llama, one graph, primitive attention. */
    public static ModelFile tiny() {
        return new ModelFile("tiny", List.of(LlamaBuilder.tiny().build()));
    }

    /** The Llama 3 70B-shaped model cut at attention: 81 graphs. */
    public static ModelFile llama70bShaped() {
        LlamaBuilder builder = LlamaBuilder.llama70bShaped().attention(LlamaBuilder.AttentionStyle.OPAQUE);
        return new ModelFile("llama-70b-shaped", Piecewise.split(builder.build(), Attention.KERNEL.target()).pieces());
    }

    /** Every example model by file name, in a stable order. */
    public static Map<String, ModelFile> all() {
        Map<String, ModelFile> out = new LinkedHashMap<>();
        out.put(TINY, tiny());
        out.put(LLAMA_70B, llama70bShaped());
        return out;
    }

    /**
     * Writes every example model into a folder, replacing the files there.
     *
     * @param args the folder (default {@code examples/models}), created if missing
     */
    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "examples/models");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        all().forEach((file, model) -> {
            Path path = dir.resolve(file);
            model.write(path);
            LOG.info("wrote {} ({} graphs)", path, model.graphs().size());
        });
    }
}
