package org.kernelir.core.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphVerificationException;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.trace.Tracer;

class GraphModuleTest {

    @Test
    void tracedFunctionRunsAsAModule() {
        TensorMeta x = TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(3)));
        Graph g = Tracer.trace("affine", List.of(Tracer.input("x", x)), in -> in.getFirst().mul(2.0).add(1.0));
        GraphModule m = GraphModule.ofPrimitives(g);
        CpuTensor input = CpuTensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertArrayEquals(new float[] {1, 3, 5, 7, 9, 11}, m.run(List.of(input)).getFirst().toFloatArray());
        assertTrue(m.toString().startsWith("graph affine(x: f32[s0, 3]):"), m.toString());
    }

    @Test
    void unknownTargetsAreRejectedWhenTheModuleIsMade() {
        Graph.Builder b = Graph.builder("bad");
        var p = b.placeholder("x", TensorMeta.of(DType.F32, 2));
        var n = b.call(Target.parse("vendor::mystery"), List.of(p), TensorMeta.of(DType.F32, 2));
        Graph g = b.output(List.of(n));
        GraphVerificationException e = assertThrows(GraphVerificationException.class, () -> GraphModule.ofPrimitives(g));
        assertTrue(e.getMessage().contains("vendor::mystery"), e.getMessage());
    }
}
