package org.kernelir.format;

import org.kernelir.core.graph.Graph;

/**
 * A graph document that cannot be read: malformed JSON, a wrong format or version, or a graph that breaks the
 * rules of {@link Graph.Builder}. The message reads {@code SOURCE:LINE:COLUMN: REASON (at JSON.PATH)}, for
 * example {@code model.json:7:5: node mul uses w, which is not defined before it (at nodes[3].args[1])}, so a
 * person can go straight to the offending spot.
 */
public final class GraphFormatException extends RuntimeException {

    private final String source;
    private final int line;
    private final int column;
    private final String path;
    private final String reason;

    /**
     * @param source where the document came from: a file name, or a description such as {@code <string>}
     * @param line   1-based line of the offending value, or 0 when unknown
     * @param column 1-based column of the offending value, or 0 when unknown
     * @param path   the JSON path of the offending value, such as {@code nodes[3].args[1]}; empty when the
     *               problem is not inside a value (malformed JSON) or is the document itself
     * @param reason what is wrong, naming the node where there is one
     * @param cause  the underlying exception, or {@code null}
     */
    public GraphFormatException(String source, int line, int column, String path, String reason, Throwable cause) {
        super(source + ":" + line + ":" + column + ": " + reason + (path.isEmpty() ? "" : " (at " + path + ")"),
                cause);
        this.source = source;
        this.line = line;
        this.column = column;
        this.path = path;
        this.reason = reason;
    }

    /** The file name or description of the document. */
    public String source() {
        return source;
    }

    /** Where in the document the problem is, as {@code line:column} (both 1-based). */
    public String location() {
        return line + ":" + column;
    }

    /** The JSON path of the offending value, such as {@code nodes[3].args[1]}; may be empty. */
    public String path() {
        return path;
    }

    /** What is wrong, without the location. */
    public String reason() {
        return reason;
    }
}
