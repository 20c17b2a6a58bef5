package org.kernelir.passes.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.format.GraphFormatException;
import org.kernelir.format.ModelFile;

class ModelFileTest {

    private static ModelFile piecewiseTiny() {
        var model = LlamaBuilder.tiny().attention(LlamaBuilder.AttentionStyle.OPAQUE).build();
        return new ModelFile("tiny-piecewise", Piecewise.split(model, Attention.KERNEL.target()).pieces());
    }

    @Test
    void aModelSurvivesWritingAndReading() {
        ModelFile model = piecewiseTiny();

        String json = model.toJson();

        assertEquals(model, ModelFile.parse(json, "tiny.json"));
        assertEquals(json, ModelFile.parse(json, "tiny.json").toJson());
        assertTrue(json.startsWith("{\n  \"format\": \"kernel-ir.model\",\n  \"version\": 1,\n  \"name\": "
                + "\"tiny-piecewise\",\n  \"graphs\": [\n    {\n      \"format\": \"kernel-ir.graph\","), json);
    }

    @Test
    void aProblemInsideAGraphIsLocatedInTheModelFile() {
        String json = piecewiseTiny().toJson();
        String bad = json.replaceFirst("\"target\": \"prim::matmul\"", "\"target\": \"prim::MatMul\"");
        int line = (int) bad.substring(0, bad.indexOf("prim::MatMul")).chars().filter(c -> c == '\n').count() + 1;

        GraphFormatException e = assertThrows(GraphFormatException.class, () -> ModelFile.parse(bad, "tiny.json"));

        assertEquals("tiny.json", e.source());
        assertTrue(e.path().startsWith("graphs[0].nodes["), e.path());
        assertTrue(e.location().startsWith(line + ":"), e.location() + " vs line " + line);
        assertTrue(e.getMessage().contains("MatMul"), e.getMessage());
    }

    @Test
    void documentsOfAnotherFormatOrVersionAreRejected() {
        String graph = "{\"format\": \"kernel-ir.graph\", \"version\": 1, \"name\": \"g\", \"nodes\": []}";
        String newer = "{\"format\": \"kernel-ir.model\", \"version\": 2, \"name\": \"m\", \"graphs\": []}";
        String unknown = "{\"format\": \"kernel-ir.model\", \"version\": 1, \"name\": \"m\", \"graphs\": [], \"x\": 1}";

        assertTrue(assertThrows(GraphFormatException.class, () -> ModelFile.parse(graph, "g.json")).getMessage()
                .contains("not a kernel-ir model: expected \"format\": \"kernel-ir.model\""));
        assertTrue(assertThrows(GraphFormatException.class, () -> ModelFile.parse(newer, "m.json")).getMessage()
                .contains("unsupported model format version 2"));
        assertTrue(assertThrows(GraphFormatException.class, () -> ModelFile.parse(unknown, "m.json")).getMessage()
                .contains("unknown member \"x\""));
        assertTrue(assertThrows(GraphFormatException.class, () -> ModelFile.parse("{\"graphs\": [", "m.json"))
                .getMessage().startsWith("m.json:1:"));
    }

    @Test
    void anEmptyModelIsValid() {
        ModelFile empty = new ModelFile("empty", List.of());
        assertEquals(empty, ModelFile.parse(empty.toJson(), "empty.json"));
    }
}
