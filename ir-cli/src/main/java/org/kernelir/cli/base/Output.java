package org.kernelir.cli.base;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;

/**
 * Where a command writes: stdout for its result (with {@code --json} only the JSON document), stderr for notes and
 * progress. Knows whether stderr is a terminal, which decides how progress is drawn.
 */
public final class Output {

    /** Set by the launcher to {@code true} when stderr is a terminal ({@code [ -t 2 ]}). */
    public static final String STDERR_TTY_PROPERTY = "kernelir.stderr.tty";

    /** Made on the first JSON document: starting an ObjectMapper costs a command that prints text a quarter second. */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    }

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;

    /**
     * @param out      the command's result
     * @param err      notes, warnings and progress
     * @param terminal whether {@code err} is a terminal (progress is then a bar redrawn in place)
     */
    public Output(PrintWriter out, PrintWriter err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether this process's stderr is a terminal, as the launcher says, else as the JDK can tell. */
    public static boolean stderrIsTerminal() {
        String p = System.getProperty(STDERR_TTY_PROPERTY);
        if (p != null) {
            return Boolean.parseBoolean(p);
        }
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    /** A note for the person (stderr), such as a conversion that the output files went through. */
    public void note(String line) {
        err.println(line);
        err.flush();
    }

    /** Progress of a task of {@code total} units (see {@link Progress}). */
    public Progress progress(String label, long total) {
        return new Progress(err, terminal, label, total);
    }

    /** Writes {@code document} (records, maps, lists) as indented JSON to stdout. */
    public void json(Object document) {
        try {
            out.println(Json.MAPPER.writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report: " + e.getMessage(), e);
        }
        out.flush();
    }
}
