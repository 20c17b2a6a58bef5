package org.kernelir.cli.options;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.kernelir.cli.CliException;
import org.kernelir.cli.model.Model;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphJson;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code MODEL.json | --example NAME}: the model a command works on. A model file is a kernel-ir graph document;
 * a folder holds the pieces of a piecewise model, one graph document each, taken in file-name order. Examples live
 * in {@code examples/models/} of the kernel-ir installation.
 */
public final class ModelOptions {

    /** The system property naming the kernel-ir installation (set by the {@code kir} launcher). */
    public static final String HOME_PROPERTY = "kernelir.home";

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    static final class Choice {
        @Parameters(index = "0", arity = "1", paramLabel = "MODEL.json", description = "A graph document (kernel-ir.graph "
                + "JSON), or a folder of them (the pieces of a piecewise model).")
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
     * @throws org.kernelir.core.graph.GraphFormatException for a malformed document, naming the file, line and column
     * @throws CliException                                 for a missing file or an unknown example
     */
    public Model load() {
        if (choice.example != null) {
            Path dir = examplesDirectory();
            Path file = dir.resolve(choice.example + ".json");
            Path folder = dir.resolve(choice.example);
            if (Files.isRegularFile(file)) {
                return read(file, choice.example);
            }
            if (Files.isDirectory(folder)) {
                return read(folder, choice.example);
            }
            throw new CliException("no example model '" + choice.example + "' in " + dir + "; examples: "
                    + String.join(", ", exampleNames()));
        }
        Path f = choice.file;
        if (!Files.exists(f)) {
            throw new CliException("model file " + f + " does not exist; give a kernel-ir graph document (.json) or "
                    + "--example NAME (" + String.join(", ", exampleNames()) + ")");
        }
        String name = f.getFileName().toString().replaceFirst("\\.json$", "");
        return read(f, name);
    }

    private static Model read(Path path, String name) {
        if (Files.isRegularFile(path)) {
            return new Model(name, path.toString(), List.of(readGraph(path)));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(path)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new CliException("cannot list model folder " + path + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new CliException("model folder " + path + " holds no graph document (*.json)");
        }
        List<Graph> pieces = new ArrayList<>();
        for (Path f : files) {
            pieces.add(readGraph(f));
        }
        return new Model(name, path.toString(), pieces);
    }

    private static Graph readGraph(Path file) {
        try {
            return GraphJson.read(file);
        } catch (UncheckedIOException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    /** {@code examples/models} of the installation ({@value #HOME_PROPERTY}), else of the current directory. */
    public static Path examplesDirectory() {
        String home = System.getProperty(HOME_PROPERTY);
        Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home);
        return base.resolve("examples").resolve("models").toAbsolutePath().normalize();
    }

    /** The example models there are: {@code NAME.json} files and {@code NAME/} folders. */
    public static List<String> exampleNames() {
        Path dir = examplesDirectory();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") || Files.isDirectory(dir.resolve(n)))
                    .map(n -> n.replaceFirst("\\.json$", "")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
