package org.kernelir.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kernelir.passes.examples.ExampleModels;

/**
 * Runs {@code kir} in the test's JVM against a kernel-ir home of its own: {@code examples/models/} written from
 * {@link ExampleModels}, and an empty {@code plugins/} folder unless a test drops JARs there.
 */
final class KirRunner {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one {@code kir} invocation did. */
    record Result(int code, String out, String err) {
        /** stdout parsed as JSON; fails the test with both streams when it is not JSON. */
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not a JSON document: " + e.getMessage() + "\nstdout:\n" + out
                        + "\nstderr:\n" + err, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Path home;

    /** A home under {@code dir} with the example models. */
    KirRunner(Path dir) {
        this.home = dir;
        try {
            Path models = Files.createDirectories(dir.resolve("examples").resolve("models"));
            ExampleModels.tiny().write(models.resolve(ExampleModels.TINY));
            Files.createDirectories(dir.resolve("plugins"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path home() {
        return home;
    }

    /** Runs {@code kir args...} with {@code kernelir.home} set to this home. */
    Result run(String... args) {
        String previous = System.getProperty("kernelir.home");
        System.setProperty("kernelir.home", home.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            int code = Kir.execute(args, o, e, false);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            if (previous == null) {
                System.clearProperty("kernelir.home");
            } else {
                System.setProperty("kernelir.home", previous);
            }
        }
    }

    /** {@code args} followed by {@code more}. */
    static String[] args(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
