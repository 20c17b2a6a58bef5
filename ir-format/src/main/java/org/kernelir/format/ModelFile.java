package org.kernelir.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kernelir.core.graph.Graph;

/**
 * A model as several graphs in one JSON file, such as the pieces of a piecewise model. Version
 * {@value #VERSION}:
 *
 * <pre>{@code
 * {
 *   "format": "kernel-ir.model",
 *   "version": 1,
 *   "name": "tiny",
 *   "graphs": [
 *     { ...a kernel-ir.graph document (see GraphJson)... },
 *     ...
 *   ]
 * }
 * }</pre>
 *
 * <p>Each graph is written by {@link GraphJson}, indented, so a model file diffs as well as a graph file, and
 * {@code read(write(m)).equals(m)} holds. Reading is strict, and a problem inside a graph is reported with the
 * line and column in the model file and a path such as {@code graphs[3].nodes[7].args[1]}.
 *
 * @param name   the model's name
 * @param graphs the graphs, in order
 */
public record ModelFile(String name, List<Graph> graphs) {

    /** The value of the document's {@code "format"} member. */
    public static final String FORMAT = "kernel-ir.model";
    /** The format version this class writes, and the only one it reads. */
    public static final int VERSION = 1;

    private static final JsonFactory JSON = JsonFactory.builder().build();

    public ModelFile {
        Objects.requireNonNull(name, "name");
        graphs = List.copyOf(graphs);
    }

    /** The JSON document; deterministic, so equal models give equal text. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"format\": \"").append(FORMAT).append("\",\n");
        sb.append("  \"version\": ").append(VERSION).append(",\n");
        sb.append("  \"name\": ").append(quote(name)).append(",\n");
        sb.append("  \"graphs\": [\n");
        for (int i = 0; i < graphs.size(); i++) {
            String doc = GraphJson.write(graphs.get(i)).stripTrailing();
            sb.append(doc.indent(4).stripTrailing()).append(i + 1 < graphs.size() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    /**
     * Writes the JSON document to {@code file}, replacing it.
     *
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public void write(Path file) {
        try {
            Files.writeString(file, toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model " + name + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a model file.
     *
     * @throws GraphFormatException naming the file, line and column when it is not a valid model document
     * @throws UncheckedIOException naming the file when it cannot be read
     */
    public static ModelFile read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
        return parse(DocumentText.utf8(bytes, file.toString()), file.toString());
    }

    /**
     * Reads a model document held in a string.
     *
     * @param sourceName names the document in error messages, such as a file name
     * @throws GraphFormatException when it is not a valid model document
     */
    public static ModelFile parse(String json, String sourceName) {
        JsonParser p = null;
        try (JsonParser parser = JSON.createParser(json)) {
            p = parser;
            return new Decoder(json, sourceName, p).model();
        } catch (StreamReadException e) {
            JsonLocation at = e.getLocation();
            throw new GraphFormatException(sourceName, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                    "", "malformed JSON: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            // A limit of the reader (nesting, string or number length), where the parser stood.
            JsonLocation at = p == null ? null : p.currentLocation();
            throw new GraphFormatException(sourceName, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                    "", DocumentText.limit(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + sourceName + ": " + e.getMessage(), e);
        }
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /**
     * Reads the model's members with a streaming parser; each graph's text is cut out by its character offsets
     * and read by {@link GraphJson}, whose error positions are then moved to the model file's lines.
     */
    private record Decoder(String text, String source, JsonParser p) {

        /** Where one graph document starts in the model file. */
        private record Span(int start, int end, int line, int column) {
        }

        ModelFile model() throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw fail(p.currentTokenLocation(), "", "a model document must be a JSON object, got "
                        + (p.currentToken() == null ? "nothing" : p.currentToken()));
            }
            JsonLocation start = p.currentTokenLocation();
            String format = null;
            JsonLocation formatAt = start;
            String version = null;
            boolean versionOk = false;
            JsonLocation versionAt = start;
            String name = null;
            List<Span> spans = null;
            String unknown = null;
            JsonLocation unknownAt = start;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                JsonLocation at = p.currentTokenLocation();
                switch (key) {
                    case "format" -> {
                        format = describe(value);
                        formatAt = at;
                    }
                    case "version" -> {
                        version = describe(value);
                        versionOk = value == JsonToken.VALUE_NUMBER_INT && p.getText().equals(String.valueOf(VERSION));
                        versionAt = at;
                    }
                    case "name" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw fail(at, "name", "the model name must be a JSON string");
                        }
                        name = p.getText();
                    }
                    case "graphs" -> spans = graphs(at);
                    default -> {
                        if (unknown == null) {
                            unknown = key;
                            unknownAt = at;
                        }
                    }
                }
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
            }
            // The format and version are checked first, so another kind of document gets the error that says so.
            if (!FORMAT.equals(format)) {
                throw fail(formatAt, format == null ? "" : "format", "not a kernel-ir model: expected \"format\": \""
                        + FORMAT + "\", got " + (format == null ? "no \"format\" member" : format)
                        + (GraphJson.FORMAT.equals(format) ? " (a single graph: read it with GraphJson)" : ""));
            }
            if (!versionOk) {
                throw fail(versionAt, version == null ? "" : "version", "unsupported model format version "
                        + (version == null ? "(none given)" : version) + "; this kernel-ir reads version " + VERSION
                        + " only");
            }
            if (unknown != null) {
                throw fail(unknownAt, unknown, "the model document has unknown member \"" + unknown
                        + "\"; expected [format, graphs, name, version]");
            }
            if (name == null || spans == null) {
                throw fail(start, "", "the model document has no \"" + (name == null ? "name" : "graphs") + "\" member");
            }
            List<Graph> graphs = new ArrayList<>(spans.size());
            for (int i = 0; i < spans.size(); i++) {
                graphs.add(graph(spans.get(i), i));
            }
            return new ModelFile(name, graphs);
        }

        /** A scalar's text, or what kind of value stands where a scalar was expected. */
        private String describe(JsonToken value) throws IOException {
            return value.isScalarValue() ? p.getText() : "a JSON " + (value == JsonToken.START_OBJECT ? "object" : "array");
        }

        /** Records where each graph object of the array starts and ends; the parser ends on the array's end. */
        private List<Span> graphs(JsonLocation at) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw fail(at, "graphs", "\"graphs\" must be a JSON array of graph documents");
            }
            List<Span> spans = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                JsonLocation s = p.currentTokenLocation();
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    throw fail(s, "graphs[" + spans.size() + "]", "a graph must be a JSON object (a "
                            + GraphJson.FORMAT + " document)");
                }
                p.skipChildren();
                spans.add(new Span((int) s.getCharOffset(), (int) p.currentLocation().getCharOffset(), s.getLineNr(),
                        s.getColumnNr()));
            }
            return spans;
        }

        private Graph graph(Span span, int i) {
            String doc = text.substring(span.start(), span.end());
            try {
                return GraphJson.read(new StringReader(doc), source);
            } catch (GraphFormatException e) {
                String[] lc = e.location().split(":");
                int line = Integer.parseInt(lc[0]);
                int column = Integer.parseInt(lc[1]);
                // The document was cut out at its first character: only its first line is shifted sideways.
                int fileLine = line == 0 ? span.line() : span.line() + line - 1;
                int fileColumn = line <= 1 ? span.column() + Math.max(column, 1) - 1 : column;
                String path = "graphs[" + i + "]" + (e.path().isEmpty() ? "" : "." + e.path());
                throw new GraphFormatException(source, fileLine, fileColumn, path, e.reason(), e);
            }
        }

        private GraphFormatException fail(JsonLocation at, String path, String reason) {
            return new GraphFormatException(source, at.getLineNr(), at.getColumnNr(), path, reason, null);
        }
    }
}
