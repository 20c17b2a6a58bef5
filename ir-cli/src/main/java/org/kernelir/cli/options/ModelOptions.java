package org.kernelir.cli.options;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.model.Model;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.DocumentText;
import org.kernelir.format.GraphFormatException;
import org.kernelir.format.GraphJson;
import org.kernelir.format.ModelFile;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code MODEL.json | --example NAME}: the model a command works on: a kernel-ir graph document (one graph,
 * {@code "format": "kernel-ir.graph"}) or model document (the pieces of a piecewise model,
 * {@code "format": "kernel-ir.model"}). Examples live in {@code examples/models/} of the kernel-ir installation.
 */
public final class ModelOptions {

    private static final JsonFactory FORMAT_PEEK = JsonFactory.builder().build();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    static final class Choice {
        @Parameters(index = "0", arity = "1", paramLabel = "MODEL.json", description = "A kernel-ir graph or model document "
                + "(JSON).")
        Path file;

        @Option(names = "--example", paramLabel = "NAME", description = "A model of examples/models/: ${COMPLETION-CANDIDATES}.",
                completionCandidates = Examples.class)
        String example;
    }

    /** The example names, for help and completion. */
    static final class Examples implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return exampleNames().iterator();
        }
    }

    /**
     * Reads the model.
     *
     * @throws org.kernelir.format.GraphFormatException for a malformed document, naming the file, line and column
     * @throws CliException                                 for a missing file or an unknown example
     */
    public Model load() {
        if (choice.example != null) {
            Path file = examplesDirectory().resolve(choice.example + ".json");
            if (!Files.isRegularFile(file)) {
                throw new CliException("no example model '" + choice.example + "' in " + examplesDirectory()
                        + "; examples: " + String.join(", ", exampleNames()));
            }
            return read(file);
        }
        Path f = choice.file;
        if (!Files.isRegularFile(f)) {
            throw new CliException("model file " + f + (Files.exists(f) ? " is not a file" : " does not exist")
                    + "; give a kernel-ir graph or model document (.json), or --example NAME (examples: "
                    + String.join(", ", exampleNames()) + ")");
        }
        return read(f);
    }

    /** Reads a model document (several graphs) or a graph document (one), telling them apart by "format". */
    static Model read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException("cannot read model file " + file + ": " + e.getMessage() + "; check that it exists "
                    + "and that you may read it", e);
        }
        return parse(bytes, file.toString());
    }

    /**
     * Reads a model or graph document held in {@code bytes} (UTF-8).
     *
     * @param source names the document in messages (its file)
     * @throws org.kernelir.format.GraphFormatException naming the source, line and column when it is not a
     *                                                       valid document
     */
    public static Model parse(byte[] bytes, String source) {
        String text = DocumentText.utf8(bytes, source);
        if (ModelFile.FORMAT.equals(formatOf(text))) {
            ModelFile m = ModelFile.parse(text, source);
            if (m.graphs().isEmpty()) {
                // Valid as a document, but there is nothing to lower or run: said where "graphs" is.
                int at = Math.max(0, text.indexOf("\"graphs\""));
                int line = 1 + (int) text.substring(0, at).chars().filter(c -> c == '\n').count();
                int column = at - text.lastIndexOf('\n', at - 1);
                throw new GraphFormatException(source, line, column, "graphs", "\"graphs\" is empty; kir needs a "
                        + "model with at least one graph", null);
            }
            return new Model(m.name(), source, m.graphs());
        }
        Graph g = GraphJson.read(new StringReader(text), source);
        return new Model(g.name(), source, List.of(g));
    }

    /**
     * The top-level {@code "format"} member of a JSON document, or {@code null} when there is none or the document
     * is not JSON (the reader that follows reports that, with the line and column).
     */
    private static String formatOf(String text) {
        try (JsonParser p = FORMAT_PEEK.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                if (key.equals("format")) {
                    return value == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code examples/models} of the installation ({@value KernelIr#HOME_PROPERTY}), else of the current directory. */
    public static Path examplesDirectory() {
        String home = System.getProperty(KernelIr.HOME_PROPERTY);
        Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home);
        return base.resolve("examples").resolve("models").toAbsolutePath().normalize();
    }

    /** The example models there are: the {@code NAME.json} files. */
    public static List<String> exampleNames() {
        Path dir = examplesDirectory();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json")).map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
