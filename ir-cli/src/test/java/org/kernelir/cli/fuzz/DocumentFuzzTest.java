package org.kernelir.cli.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cli.Kir;
import org.kernelir.cli.base.Progress;
import org.kernelir.cli.model.LoweredModel;
import org.kernelir.cli.model.Model;
import org.kernelir.cli.options.ModelOptions;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;
import org.kernelir.format.GraphJson;
import org.kernelir.format.ModelFile;
import org.kernelir.passes.examples.IrOpCalls;
import org.kernelir.runtime.KernelIr;

/**
 * Mutated graph and model documents, as a hostile user would write them: every one is either lowered or answered
 * with one clear message that names the document and where in it the problem is (line and column, or the node),
 * never with an exception class name and never as "a bug in kir". The mutations are seeded, so a failure names the
 * seed and document that reproduce it.
 */
class DocumentFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** A Java exception or error class name, simple or qualified, as a user must never see one. */
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\b(?:[a-z]+\\.)*[A-Z][A-Za-z]*(?:Exception|Error)\\b|\\bjava\\.[a-z]+\\.|\\bcom\\.fasterxml\\.");
    private static final int DOCUMENTS = 10_000;

    @Test
    void everyMutatedDocumentIsLoweredOrAnsweredWithOneClearMessage() throws Exception {
        Path examples = Path.of(System.getProperty("kernelir.test.root", "..")).resolve("examples/models");
        // The tiny example model (21 KB, every kind of node) for one document in ten; a small graph of the IR ops
        // with tuples, lists and dtypes (3 KB) for the others, so that 10,000 documents take seconds.
        JsonNode tinyModel = JSON.readTree(Files.readAllBytes(examples.resolve("tiny.json")));
        JsonNode tinyGraph = tinyModel.get("graphs").get(0);
        Graph small = small();
        JsonNode smallGraph = JSON.readTree(GraphJson.write(small));
        JsonNode smallModel = JSON.readTree(new ModelFile("small", List.of(small)).toJson());
        Random random = new Random(15);
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        long t0 = System.nanoTime();
        long mutating = 0;
        try (KernelIr ir = KernelIr.builder().plugins(false).classpathProviders(false)
                .cache(ReplacementCaches.builder().noDisk().build()).priority(Priority.parse("default=native")).build()) {
            for (int i = 0; i < DOCUMENTS; i++) {
                boolean asModel = random.nextBoolean();
                boolean tiny = i % 10 == 0;
                String source = "fuzz-" + i + (tiny ? "-tiny" : "-small") + (asModel ? "-model" : "-graph") + ".json";
                long m0 = System.nanoTime();
                byte[] doc = mutate(asModel ? (tiny ? tinyModel : smallModel) : (tiny ? tinyGraph : smallGraph), random);
                mutating += System.nanoTime() - m0;
                String outcome = outcome(doc, source, ir);
                outcomes.merge(outcome.equals("lowered") ? "lowered" : kind(outcome), 1, Integer::sum);
                String problem = judge(outcome, source);
                if (problem != null && bad.size() < 20) {
                    bad.add(problem + "\n    document: " + preview(doc));
                }
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("DocumentFuzzTest: %d documents in %.1f s (%.1f s of it making them): %s%n", DOCUMENTS, s,
                mutating / 1e9, outcomes);
        assertEquals(List.of(), bad);
        assertTrue(outcomes.getOrDefault("lowered", 0) > 0 && outcomes.size() >= 3, outcomes::toString);
    }

    /** Eight IR op calls: rms_norm, fused_add_rms_norm (a tuple taken apart), silu_and_mul, group quantization. */
    private static Graph small() {
        return Tracer.trace("small", List.of(
                Tracer.input("x", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(64)))),
                Tracer.input("residual", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(64)))),
                Tracer.input("w", TensorMeta.of(DType.F32, List.of(Dim.of(64))))),
                t -> {
                    IrOpCalls calls = IrOpCalls.standard();
                    Tensor y = calls.call(IrOps.RMS_NORM, t.get(0), t.get(2), 1e-6);
                    List<Tensor> fused = calls.callMulti(IrOps.FUSED_ADD_RMS_NORM, y, t.get(1), t.get(2), 1e-5);
                    Tensor act = calls.call(IrOps.SILU_AND_MUL, fused.get(0));
                    List<Tensor> q = calls.callMulti(IrOps.DYNAMIC_GROUP_QUANT_FP8, fused.get(1), List.of(1L, 16L));
                    return List.of(act, q.get(0), q.get(1));
                });
    }

    /** "lowered", or the message kir would print (after "kir lower: "). */
    private static String outcome(byte[] doc, String source, KernelIr ir) {
        try {
            Model m = ModelOptions.parse(doc, source);
            LoweredModel.lower(m, ir, Progress.none());
            return "lowered";
        } catch (RuntimeException | StackOverflowError e) {
            return Kir.userMessage(e);
        }
    }

    /** What is wrong with {@code message} as an answer to a bad document, or null. */
    private static String judge(String message, String source) {
        if (message.equals("lowered")) {
            return null;
        }
        if (message.contains("this is a bug")) {
            return "called a bug: " + message;
        }
        if (CLASS_NAME.matcher(message).find()) {
            return "names an exception class: " + message;
        }
        if (!message.contains(source)) {
            return "does not name the document " + source + ": " + message;
        }
        boolean located = Pattern.compile(Pattern.quote(source) + ":\\d+:\\d+").matcher(message).find()
                || message.contains("node ");
        if (!located) {
            return "has no location (line:column or node): " + message;
        }
        if (message.length() > 4_000) {
            return "is " + message.length() + " characters long: " + message.substring(0, 300);
        }
        return null;
    }

    private static String kind(String message) {
        if (message.contains("is not a valid graph")) {
            return "rejected by verification";
        }
        if (message.startsWith("cannot read model")) {
            return "rejected by the reader";
        }
        return "rejected by lowering";
    }

    private static String preview(byte[] doc) {
        String s = new String(doc, StandardCharsets.UTF_8);
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    // ---- mutations ----------------------------------------------------------------------------------------

    private static byte[] mutate(JsonNode original, Random r) throws Exception {
        int kind = r.nextInt(10);
        if (kind < 2) {
            return bytes(JSON.writeValueAsBytes(original), r);
        }
        JsonNode tree = original.deepCopy();
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits; e++) {
            List<JsonNode[]> slots = new ArrayList<>(); // {container, value}
            collect(tree, slots);
            JsonNode[] slot = slots.get(r.nextInt(slots.size()));
            edit(slot[0], slot[1], r);
        }
        return JSON.writeValueAsBytes(tree);
    }

    /** Byte-level damage: truncation, a flipped byte, garbage inserted, a wrong encoding. */
    private static byte[] bytes(byte[] b, Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> java.util.Arrays.copyOf(b, r.nextInt(b.length));
            case 1 -> {
                byte[] c = b.clone();
                c[r.nextInt(c.length)] ^= (byte) (1 << r.nextInt(8));
                yield c;
            }
            case 2 -> {
                int at = r.nextInt(b.length);
                byte[] junk = {(byte) '}', (byte) ']', (byte) ',', (byte) 0xff, (byte) '"', (byte) 0};
                byte[] c = new byte[b.length + 1];
                System.arraycopy(b, 0, c, 0, at);
                c[at] = junk[r.nextInt(junk.length)];
                System.arraycopy(b, at, c, at + 1, b.length - at);
                yield c;
            }
            case 3 -> new String(b, StandardCharsets.UTF_8).getBytes(r.nextBoolean() ? StandardCharsets.UTF_16
                    : StandardCharsets.UTF_16LE);
            default -> {
                StringBuilder deep = new StringBuilder();
                int depth = 990 + r.nextInt(30);
                deep.append("[".repeat(depth)).append("]".repeat(depth));
                String s = new String(b, StandardCharsets.UTF_8);
                int at = s.indexOf("\"args\": [") + 9;
                yield at < 9 ? deep.toString().getBytes(StandardCharsets.UTF_8)
                        : (s.substring(0, at) + deep + ", " + s.substring(at)).getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    private static void collect(JsonNode n, List<JsonNode[]> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(new JsonNode[] {n, F.textNode(e.getKey())});
                collect(e.getValue(), out);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                out.add(new JsonNode[] {n, F.numberNode(i)});
                collect(n.get(i), out);
            }
        }
    }

    private static final List<JsonNode> REPLACEMENTS = List.of(F.numberNode(-1), F.numberNode(0),
            F.numberNode(1L << 62), F.numberNode(Long.MAX_VALUE), F.numberNode(2.5), F.numberNode(-7),
            F.textNode("prim::conv2d"), F.textNode("ir::rms_norm"), F.textNode("f99"), F.textNode("s1"),
            F.textNode(""), F.textNode("cuda:0"), F.textNode("call"), F.textNode("placeholder"), F.nullNode(),
            F.booleanNode(true), F.arrayNode(), F.objectNode(), F.textNode("x".repeat(200)),
            F.numberNode(1e308), F.textNode("layers_0_input_norm"), F.textNode("input_ids"));

    private static void edit(JsonNode container, JsonNode slot, Random r) {
        JsonNode value = REPLACEMENTS.get(r.nextInt(REPLACEMENTS.size()));
        if (container instanceof ObjectNode o) {
            String key = slot.asText();
            switch (r.nextInt(4)) {
                case 0 -> o.remove(key);
                case 1 -> o.set(key, value);
                case 2 -> o.set(key, mutateValue(o.get(key), r));
                default -> o.set(key + (r.nextBoolean() ? "" : "_x"), value);
            }
        } else if (container instanceof ArrayNode a) {
            int i = slot.asInt();
            if (i >= a.size()) {
                return;
            }
            switch (r.nextInt(5)) {
                case 0 -> a.remove(i);
                case 1 -> a.set(i, value);
                case 2 -> a.insert(i, a.get(r.nextInt(a.size())).deepCopy()); // a duplicate
                case 3 -> {
                    int j = r.nextInt(a.size()); // two elements swap
                    JsonNode x = a.get(i);
                    a.set(i, a.get(j));
                    a.set(j, x);
                }
                default -> a.set(i, mutateValue(a.get(i), r));
            }
        }
    }

    /** A value changed in kind: numbers negated or blown up, strings changed, containers emptied. */
    private static JsonNode mutateValue(JsonNode v, Random r) {
        if (v == null) {
            return F.nullNode();
        }
        if (v.isIntegralNumber()) {
            long x = v.asLong();
            return F.numberNode(switch (r.nextInt(4)) {
                case 0 -> -x;
                case 1 -> x * 1_000_003L;
                case 2 -> x + 1;
                default -> 1L << (40 + r.nextInt(23));
            });
        }
        if (v.isTextual()) {
            String s = v.asText();
            return F.textNode(switch (r.nextInt(3)) {
                case 0 -> s.isEmpty() ? "?" : s.substring(0, s.length() / 2);
                case 1 -> s + "_";
                default -> s.toUpperCase(java.util.Locale.ROOT);
            });
        }
        if (v.isContainerNode()) {
            return v.isArray() ? F.arrayNode() : F.objectNode();
        }
        return F.textNode(v.toString());
    }
}
