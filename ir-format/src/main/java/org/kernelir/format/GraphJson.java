package org.kernelir.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Target;

/**
 * The JSON form of a {@link Graph}, version {@value #VERSION} (the long node line is wrapped here):
 *
 * <pre>{@code
 * {
 *   "format": "kernel-ir.graph",
 *   "version": 1,
 *   "name": "tiny",
 *   "nodes": [
 *     {"name": "x", "op": "placeholder", "meta": {"dtype": "f32", "shape": ["s0", 64], "device": "cpu"}},
 *     {"name": "w", "op": "placeholder", "meta": {"dtype": "f32", "shape": [64], "device": "cpu"}},
 *     {"name": "rms_norm", "op": "call", "target": "ir::rms_norm", "args": [{"node": "x"}, {"node": "w"}, 1.0E-6],
 *      "meta": {"dtype": "f32", "shape": ["s0", 64], "device": "cpu"}},
 *     {"name": "output", "op": "output", "args": [{"node": "rms_norm"}]}
 *   ]
 * }
 * }</pre>
 *
 * <p>Arguments are written as: a node reference {@code {"node": "x"}}; {@code null}; {@code true}/{@code false};
 * a {@code Long} as a JSON integer; a {@code Double} as a JSON number with a fraction or exponent
 * ({@code 1.0}, {@code 1.0E-300}; {@code {"double": "NaN"}}, {@code "Infinity"} or {@code "-Infinity"} for the
 * values JSON has no number for); a string as a JSON string; a dtype {@code {"dtype": "f16"}}; a symbolic
 * dimension {@code {"dim": "32*s0"}}; a list as an array. Metadata is {@code {"dtype", "shape", "strides",
 * "device"}} for a tensor (a dimension is an integer when constant and an expression string when symbolic;
 * {@code strides} is left out when row-major) or {@code {"tuple": [meta or null, ...]}}.
 *
 * <p>{@link #write(Graph)} puts one node per line and escapes every non-ASCII character, so a document is plain
 * ASCII, diffs well, and any Java string survives. {@code read(write(g)).equals(g)} holds for every graph, and
 * writing is deterministic.
 *
 * <p>Reading is strict (unknown members are errors, so a misspelled key is not silently dropped) and stops at
 * the first problem with a {@link GraphFormatException} that names the node, the line and column, the JSON path
 * and the reason; no partially read graph is ever returned.
 */
public final class GraphJson {

    /** The value of the document's {@code "format"} member. */
    public static final String FORMAT = "kernel-ir.graph";
    /** The format version this class writes, and the only one it reads. */
    public static final int VERSION = 1;

    /** Reading needs only a streaming parser: a factory starts in a fraction of an ObjectMapper's time. */
    private static final JsonFactory PARSERS = JsonFactory.builder().build();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The writer, made on the first write (an ObjectMapper costs some 50 ms to start, which a reader need not pay). */
    private static final class Writer {
        /** Writes one value on one line, with a space after {@code :} and {@code ,}, in ASCII. */
        static final ObjectWriter ONE_LINE = JsonMapper.builder().build().writer(new DefaultPrettyPrinter(
                        Separators.createDefaultInstance()
                                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                                .withObjectEntrySpacing(Separators.Spacing.AFTER)
                                .withArrayValueSpacing(Separators.Spacing.AFTER)
                                .withObjectEmptySeparator("")
                                .withArrayEmptySeparator(""))
                        .withObjectIndenter(new DefaultPrettyPrinter.NopIndenter())
                        .withArrayIndenter(new DefaultPrettyPrinter.NopIndenter()))
                .with(JsonWriteFeature.ESCAPE_NON_ASCII);
    }

    private GraphJson() {
    }

    // ---- writing -----------------------------------------------------------------------------------------

    /** The JSON document of {@code g}; deterministic, so equal graphs give equal text. */
    public static String write(Graph g) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"format\": \"").append(FORMAT).append("\",\n");
        sb.append("  \"version\": ").append(VERSION).append(",\n");
        sb.append("  \"name\": ").append(oneLine(JSON.textNode(g.name()))).append(",\n");
        sb.append("  \"nodes\": [\n");
        List<Node> nodes = g.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            sb.append("    ").append(oneLine(nodeJson(nodes.get(i)))).append(i + 1 < nodes.size() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    /**
     * Writes the JSON document of {@code g} to {@code file}, replacing it.
     *
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static void write(Graph g, Path file) {
        try {
            Files.writeString(file, write(g));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write graph " + g.name() + " to " + file + ": " + e.getMessage(), e);
        }
    }

    private static String oneLine(JsonNode json) {
        try {
            return Writer.ONE_LINE.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    private static ObjectNode nodeJson(Node n) {
        ObjectNode o = JSON.objectNode();
        o.put("name", n.name());
        o.put("op", n.kind().name().toLowerCase(Locale.ROOT));
        if (n.isCall()) {
            o.put("target", n.target().toString());
        }
        if (n.kind() != Node.Kind.PLACEHOLDER) {
            o.set("args", literalJson(n.args()));
        }
        if (n.meta() != null) {
            o.set("meta", metaJson(n.meta()));
        }
        return o;
    }

    private static JsonNode literalJson(Object v) {
        return switch (v) {
            case null -> JSON.nullNode();
            case Node n -> JSON.objectNode().put("node", n.name());
            case Boolean b -> JSON.booleanNode(b);
            case Long l -> JSON.numberNode(l);
            // Double.toString names the non-finite values "NaN", "Infinity" and "-Infinity".
            case Double d -> Double.isFinite(d) ? JSON.numberNode(d) : JSON.objectNode().put("double", d.toString());
            case String s -> JSON.textNode(s);
            case DType d -> JSON.objectNode().put("dtype", d.id());
            case Dim d -> JSON.objectNode().put("dim", d.toString());
            case List<?> l -> {
                ArrayNode a = JSON.arrayNode(l.size());
                l.forEach(x -> a.add(literalJson(x)));
                yield a;
            }
            default -> throw new IllegalArgumentException("not a canonical literal: " + v.getClass().getName());
        };
    }

    private static JsonNode metaJson(NodeMeta meta) {
        return switch (meta) {
            case TensorMeta t -> {
                ObjectNode o = JSON.objectNode();
                o.put("dtype", t.dtype().id());
                o.set("shape", dimsJson(t.shape()));
                if (!isRowMajor(t)) {
                    o.set("strides", dimsJson(t.strides()));
                }
                o.put("device", t.device().toString());
                yield o;
            }
            case TupleMeta t -> {
                ArrayNode a = JSON.arrayNode(t.size());
                t.elements().forEach(e -> a.add(e == null ? JSON.nullNode() : metaJson(e)));
                yield JSON.objectNode().set("tuple", a);
            }
        };
    }

    /**
     * Whether the strides are exactly the row-major ones, so they may be left out. Not isContiguous(): it also
     * accepts any stride on a size-1 dimension, and such strides must survive the round trip.
     */
    private static boolean isRowMajor(TensorMeta t) {
        try {
            return t.strides().equals(TensorMeta.contiguousStrides(t.shape()));
        } catch (ArithmeticException e) {
            return false; // the row-major strides overflow a long, so these strides cannot be them
        }
    }

    private static ArrayNode dimsJson(List<Dim> dims) {
        ArrayNode a = JSON.arrayNode(dims.size());
        dims.forEach(d -> a.add(d.isConstant() ? JSON.numberNode(d.constant()) : JSON.textNode(d.toString())));
        return a;
    }

    // ---- reading -----------------------------------------------------------------------------------------

    /**
     * Reads a graph from a JSON document held in a string.
     *
     * @throws GraphFormatException when the document is not a valid graph of a supported version
     */
    public static Graph read(String json) {
        return read(new StringReader(json), "<string>");
    }

    /**
     * Reads a graph from a JSON file in UTF-8 (another encoding is reported with where its first byte that is not
     * UTF-8 is).
     *
     * @throws GraphFormatException naming the file when it is not a valid graph of a supported version
     * @throws UncheckedIOException naming the file when it cannot be read
     */
    public static Graph read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read graph file " + file + ": " + e.getMessage(), e);
        }
        String source = file.toString();
        String text = DocumentText.utf8(bytes, source);
        return decode(source, () -> PARSERS.createParser(text));
    }

    /**
     * Reads a graph from {@code reader}, which the caller closes.
     *
     * @param sourceName names the document in error messages, for example a file name or URL
     * @throws GraphFormatException naming {@code sourceName} when the document is not a valid graph
     * @throws UncheckedIOException when {@code reader} fails
     */
    public static Graph read(Reader reader, String sourceName) {
        String text;
        try {
            StringWriter w = new StringWriter();
            reader.transferTo(w);
            text = w.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read graph " + sourceName + ": " + e.getMessage(), e);
        }
        return decode(sourceName, () -> PARSERS.createParser(text));
    }

    /** Makes a parser over the whole document, again for each pass. */
    private interface Parsers {
        JsonParser open() throws IOException;
    }

    /**
     * Reads the document once without noting where each value is (most documents are valid, and noting a location
     * for each of a large model's values took most of its reading time), and only for a document that turns out
     * invalid a second time noting locations, so that the error names its line and column. The checks are the
     * same both times, so the second pass throws the same error, located.
     */
    private static Graph decode(String source, Parsers parsers) {
        try {
            try {
                return new Decoder(source, false).decode(parsers.open());
            } catch (GraphFormatException unlocated) {
                return new Decoder(source, true).decode(parsers.open());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read graph " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads one document. The JSON is first read into a tree while remembering where each value started, keyed
     * by its JSON path, because Jackson's tree model keeps no locations and the graph is easiest to check from a
     * tree (object members may come in any order).
     */
    private static final class Decoder {
        private final String source;
        /** Where each value starts, by JSON path; kept only when {@code located}. */
        private final Map<String, JsonLocation> locations;
        private final boolean located;
        /** Metas and symbolic dimensions read so far, by their JSON: equal JSON, equal value. */
        private final Map<JsonNode, NodeMeta> metas = new HashMap<>();
        private final Map<String, Dim> dimTexts = new HashMap<>();
        private final Map<String, String> definedAt = new HashMap<>();
        private Graph.Builder builder;
        /** Names the node being read in messages: "node NAME", or its path until its name is known. */
        private String who = "the graph document";

        Decoder(String source, boolean located) {
            this.source = source;
            this.located = located;
            this.locations = located ? new HashMap<>() : Map.of();
        }

        Graph decode(JsonParser parser) throws IOException {
            JsonNode root;
            try (parser) {
                if (located) {
                    locations.put("", parser.currentLocation());
                }
                if (parser.nextToken() == null) {
                    throw fail("", "the document is empty; expected a " + FORMAT + " JSON object");
                }
                root = tree(parser, "");
                if (parser.nextToken() != null) {
                    throw new GraphFormatException(source, parser.currentTokenLocation().getLineNr(),
                            parser.currentTokenLocation().getColumnNr(), "",
                            "unexpected content after the end of the graph document", null);
                }
            } catch (StreamReadException e) {
                JsonLocation at = e.getLocation();
                throw new GraphFormatException(source, at == null ? 0 : at.getLineNr(),
                        at == null ? 0 : at.getColumnNr(), "", "malformed JSON: " + e.getOriginalMessage(), e);
            } catch (JsonProcessingException e) {
                // A limit of the reader (nesting deeper than 1,000, a string longer than 20 M characters, a number of
                // more than 1,000 digits): said as such, where the parser stood.
                JsonLocation at = parser.currentLocation();
                throw new GraphFormatException(source, at.getLineNr(), at.getColumnNr(), "",
                        DocumentText.limit(e.getOriginalMessage()), e);
            }
            return graph(root);
        }

        /** The tree of the value at the parser; {@code path} is its JSON path, or {@code null} when not located. */
        private JsonNode tree(JsonParser p, String path) throws IOException {
            if (located) {
                locations.put(path, p.currentTokenLocation());
            }
            return switch (p.currentToken()) {
                case START_OBJECT -> {
                    ObjectNode o = JSON.objectNode();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        String keyPath = !located ? null : path.isEmpty() ? key : path + "." + key;
                        if (o.has(key)) {
                            if (located) {
                                locations.put(keyPath, p.currentTokenLocation());
                            }
                            throw fail(keyPath, "duplicate member \"" + key + "\"");
                        }
                        p.nextToken();
                        o.set(key, tree(p, keyPath));
                    }
                    yield o;
                }
                case START_ARRAY -> {
                    ArrayNode a = JSON.arrayNode();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        a.add(tree(p, located ? path + "[" + a.size() + "]" : null));
                    }
                    yield a;
                }
                case VALUE_STRING -> JSON.textNode(p.getText());
                case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? JSON.numberNode(p.getBigIntegerValue()) : JSON.numberNode(p.getLongValue());
                case VALUE_NUMBER_FLOAT -> JSON.numberNode(p.getDoubleValue());
                case VALUE_TRUE, VALUE_FALSE -> JSON.booleanNode(p.getBooleanValue());
                case VALUE_NULL -> JSON.nullNode();
                default -> throw fail(path, "unexpected JSON token " + p.currentToken());
            };
        }

        private Graph graph(JsonNode root) {
            if (!root.isObject()) {
                throw fail("", "a graph document must be a JSON object, got " + typeOf(root));
            }
            JsonNode format = root.get("format");
            if (format == null || !FORMAT.equals(format.textValue())) {
                throw fail(format == null ? "" : "format", "not a kernel-ir graph: expected \"format\": \"" + FORMAT
                        + "\", got " + (format == null ? "no \"format\" member" : Literals.brief(format.toString())));
            }
            JsonNode version = root.get("version");
            if (version == null || !version.isIntegralNumber() || !version.canConvertToInt()
                    || version.intValue() != VERSION) {
                throw fail(version == null ? "" : "version", "unsupported graph format version "
                        + (version == null ? "(none given)" : version) + "; this kernel-ir reads version " + VERSION
                        + " only, written as \"version\": " + VERSION);
            }
            // Members are checked after the version, so a newer document gets the version error, not a member error.
            members(root, "", "the graph document", Set.of("format", "version", "name", "nodes"));
            String name = text(required(root, "", "name"), "name", "the graph name");
            ArrayNode nodes = array(required(root, "", "nodes"), "nodes", "\"nodes\"");
            builder = Graph.builder(name);
            boolean done = false;
            for (int i = 0; i < nodes.size(); i++) {
                String path = "nodes[" + i + "]";
                who = path;
                if (done) {
                    throw fail(path, "node " + nodes.get(i).path("name").asText(path)
                            + " follows the output node; the output node must be the last node");
                }
                done = node(nodes.get(i), path);
            }
            if (!done) {
                who = "the graph document";
                throw fail("nodes", "graph " + name + " has no output node; the last node must be "
                        + "{\"name\": \"output\", \"op\": \"output\", \"args\": [...]}");
            }
            return builder.build();
        }

        /** Adds one node to the builder; returns whether it was the output node. */
        private boolean node(JsonNode json, String path) {
            object(json, path, "a node");
            String op = text(required(json, path, "op"), path + ".op", "op");
            if (!Set.of("placeholder", "call", "output").contains(op)) {
                throw fail(path + ".op", "node " + json.path("name").asText(path) + " has unknown op \"" + Literals.brief(op)
                        + "\"; expected \"placeholder\", \"call\" or \"output\"");
            }
            if (op.equals("output")) {
                members(json, path, "the output node", Set.of("name", "op", "args"));
                JsonNode name = json.get("name");
                if (name != null && !"output".equals(name.textValue())) {
                    throw fail(path + ".name", "the output node must be named \"output\", got " + Literals.brief(name.toString()));
                }
                who = "node output";
                List<Object> results = args(json, path);
                for (int i = 0; i < results.size(); i++) {
                    if (results.get(i) != null && !(results.get(i) instanceof Node)) {
                        throw fail(path + ".args[" + i + "]", who + ": a result must be a node reference "
                                + "{\"node\": NAME} or null, got " + Literals.formatShort(results.get(i)));
                    }
                }
                build(path, () -> builder.output(results));
                return true;
            }
            String name = text(required(json, path, "name"), path + ".name", "a node name");
            who = "node " + name;
            if (definedAt.containsKey(name)) {
                throw fail(path + ".name", "duplicate node name " + name + "; it is first defined at "
                        + definedAt.get(name));
            }
            definedAt.put(name, path);
            if (op.equals("placeholder")) {
                members(json, path, who, Set.of("name", "op", "meta"));
                NodeMeta meta = requiredMeta(json, path);
                if (!(meta instanceof TensorMeta t)) {
                    throw fail(path + ".meta", who + ": a placeholder's meta must be a tensor, not a tuple");
                }
                build(path, () -> builder.placeholder(name, t));
                return false;
            }
            members(json, path, who, Set.of("name", "op", "target", "args", "meta"));
            String text = text(required(json, path, "target"), path + ".target", "a target");
            Target target;
            try {
                target = Target.parse(text);
            } catch (IllegalArgumentException e) {
                throw fail(path + ".target", who + ": " + e.getMessage());
            }
            who = "node " + name + " (" + target + ")";
            List<Object> args = args(json, path);
            NodeMeta meta = requiredMeta(json, path);
            build(path, () -> builder.call(name, target, args, meta));
            return false;
        }

        /** Runs a builder step; the builder's own checks become format errors located at the node. */
        private void build(String path, Runnable step) {
            try {
                step.run();
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw fail(path, e.getMessage());
            }
        }

        private List<Object> args(JsonNode node, String path) {
            JsonNode args = required(node, path, "args");
            return literalList(array(args, path + ".args", "\"args\""), path + ".args");
        }

        private List<Object> literalList(ArrayNode a, String path) {
            List<Object> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                out.add(literal(a.get(i), path + "[" + i + "]"));
            }
            return out;
        }

        private Object literal(JsonNode v, String path) {
            return switch (v.getNodeType()) {
                case NULL -> null;
                case BOOLEAN -> v.booleanValue();
                case STRING -> v.textValue();
                case ARRAY -> literalList((ArrayNode) v, path);
                case NUMBER -> {
                    if (!v.isIntegralNumber()) {
                        yield v.doubleValue();
                    }
                    if (!v.canConvertToLong()) {
                        throw fail(path, who + ": integer " + v + " does not fit in 64 bits");
                    }
                    yield v.longValue();
                }
                case OBJECT -> tagged(v, path);
                default -> throw fail(path, who + ": unsupported JSON value " + v);
            };
        }

        /** A one-member object naming what its string means: a node, a dtype, a dim or a special double. */
        private Object tagged(JsonNode v, String path) {
            String expected = "expected {\"node\": NAME}, {\"dtype\": ID}, {\"dim\": EXPRESSION} or "
                    + "{\"double\": \"NaN\" | \"Infinity\" | \"-Infinity\"}";
            if (v.size() != 1 || !v.properties().iterator().next().getValue().isTextual()) {
                throw fail(path, who + ": unknown argument " + v + "; " + expected);
            }
            String key = v.properties().iterator().next().getKey();
            String text = v.get(key).textValue();
            String at = path + "." + key;
            try {
                return switch (key) {
                    case "node" -> {
                        Node n = builder.node(text);
                        if (n == null) {
                            throw fail(at, who + " uses " + text + ", which is not defined before it");
                        }
                        yield n;
                    }
                    case "dtype" -> DType.of(text);
                    case "dim" -> Literals.normalize(Dim.parse(text));
                    case "double" -> switch (text) {
                        case "NaN" -> Double.NaN;
                        case "Infinity" -> Double.POSITIVE_INFINITY;
                        case "-Infinity" -> Double.NEGATIVE_INFINITY;
                        default -> throw fail(at, who + ": {\"double\": ...} must be \"NaN\", \"Infinity\" or "
                                + "\"-Infinity\" (write finite doubles as JSON numbers), got \"" + text + "\"");
                    };
                    default -> throw fail(path, who + ": unknown argument " + v + "; " + expected);
                };
            } catch (IllegalArgumentException e) {
                throw fail(at, who + ": " + e.getMessage());
            }
        }

        private NodeMeta requiredMeta(JsonNode node, String path) {
            JsonNode meta = node.get("meta");
            if (meta == null || meta.isNull()) {
                throw fail(path, who + " has no \"meta\"; every placeholder and call node records the dtype, "
                        + "shape, strides and device of what it produces");
            }
            // Nodes repeat a few shapes: each distinct meta is checked and built once per document.
            NodeMeta known = metas.get(meta);
            if (known == null) {
                known = meta(meta, path + ".meta");
                metas.put(meta, known);
            }
            return known;
        }

        private NodeMeta meta(JsonNode json, String path) {
            object(json, path, "a meta");
            if (json.has("tuple")) {
                members(json, path, "a tuple meta", Set.of("tuple"));
                ArrayNode a = array(json.get("tuple"), path + ".tuple", "\"tuple\"");
                List<TensorMeta> elements = new ArrayList<>(a.size());
                for (int i = 0; i < a.size(); i++) {
                    String at = path + ".tuple[" + i + "]";
                    if (a.get(i).isNull()) {
                        elements.add(null);
                    } else if (meta(a.get(i), at) instanceof TensorMeta t) {
                        elements.add(t);
                    } else {
                        throw fail(at, who + ": a tuple's elements must be tensor metas or null, not tuples");
                    }
                }
                return new TupleMeta(elements);
            }
            members(json, path, "a tensor meta", Set.of("dtype", "shape", "strides", "device"));
            try {
                DType dtype = DType.of(text(required(json, path, "dtype"), path + ".dtype", "a dtype"));
                List<Dim> shape = dims(required(json, path, "shape"), path + ".shape");
                List<Dim> strides = json.has("strides") ? dims(json.get("strides"), path + ".strides")
                        : TensorMeta.contiguousStrides(shape);
                Device device = json.has("device")
                        ? Device.parse(text(json.get("device"), path + ".device", "a device")) : Device.CPU;
                return new TensorMeta(dtype, shape, strides, device);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw fail(path, who + ": " + e.getMessage());
            }
        }

        private List<Dim> dims(JsonNode json, String path) {
            ArrayNode a = array(json, path, "a list of dimensions");
            List<Dim> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                JsonNode d = a.get(i);
                String at = path + "[" + i + "]";
                if (d.isIntegralNumber() && d.canConvertToLong()) {
                    out.add(Dim.of(d.longValue()));
                } else if (d.isTextual()) {
                    try {
                        out.add(dimTexts.computeIfAbsent(d.textValue(), Dim::parse));
                    } catch (IllegalArgumentException e) {
                        throw fail(at, who + ": " + e.getMessage());
                    }
                } else {
                    throw fail(at, who + ": a dimension must be an integer or an expression string such as "
                            + "\"32*s0\", got " + Literals.brief(d.toString()));
                }
            }
            return out;
        }

        // ---- small typed accessors; each failure says what was expected where ----

        private void object(JsonNode json, String path, String what) {
            if (!json.isObject()) {
                throw fail(path, who + ": " + what + " must be a JSON object, got " + typeOf(json));
            }
        }

        private static String typeOf(JsonNode json) {
            return json.getNodeType().name().toLowerCase(Locale.ROOT);
        }

        private ArrayNode array(JsonNode json, String path, String what) {
            if (!json.isArray()) {
                throw fail(path, who + ": " + what + " must be a JSON array, got " + Literals.brief(json.toString()));
            }
            return (ArrayNode) json;
        }

        private String text(JsonNode json, String path, String what) {
            if (!json.isTextual()) {
                throw fail(path, who + ": " + what + " must be a JSON string, got " + Literals.brief(json.toString()));
            }
            return json.textValue();
        }

        private JsonNode required(JsonNode object, String path, String key) {
            JsonNode v = object.get(key);
            if (v == null) {
                throw fail(path, who + " has no \"" + key + "\" member");
            }
            return v;
        }

        /** Unknown members are errors: a misspelled "meta" must not silently read as a missing one. */
        private void members(JsonNode object, String path, String what, Set<String> allowed) {
            for (String key : (Iterable<String>) object::fieldNames) {
                if (!allowed.contains(key)) {
                    throw fail(path.isEmpty() ? key : path + "." + key, what + " has unknown member \"" + key
                            + "\"; expected " + allowed.stream().sorted().toList());
                }
            }
        }

        private GraphFormatException fail(String path, String reason) {
            JsonLocation at = path == null ? null : locations.get(path);
            return new GraphFormatException(source, at == null ? 0 : at.getLineNr(),
                    at == null ? 0 : at.getColumnNr(), path == null ? "" : path, reason, null);
        }
    }
}
