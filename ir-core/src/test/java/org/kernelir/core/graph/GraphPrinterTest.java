package org.kernelir.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;

class GraphPrinterTest {

    @Test
    void printsAGraphAsCode() {
        Dim s0 = Dim.sym("s0");
        Graph g = Tracer.trace("tiny",
                List.of(Tracer.input("x", TensorMeta.of(DType.F32, List.of(s0, Dim.of(64)))),
                        Tracer.input("w", TensorMeta.of(DType.F32, 64))),
                in -> {
                    Tensor x = in.get(0);
                    Tensor y = x.mul(in.get(1)).add(1.0).clamp(null, 6.0);
                    return List.of(y.reshape(s0.times(2), 32).to(DType.BF16), y.transpose(0, 1));
                });
        assertEquals("""
                graph tiny(x: f32[s0, 64], w: f32[64]):
                    mul: f32[s0, 64] = prim::mul(x, w)
                    add: f32[s0, 64] = prim::add(mul, 1.0)
                    clamp: f32[s0, 64] = prim::clamp(add, None, 6.0)
                    reshape: f32[2*s0, 32] = prim::reshape(clamp, [2*s0, 32])
                    cast: bf16[2*s0, 32] = prim::cast(reshape, bf16)
                    permute: f32[64, s0]{strides=1, 64} = prim::permute(clamp, [1, 0])
                    return (cast, permute)
                """, GraphPrinter.print(g));
        assertEquals(GraphPrinter.print(g), g.toString());
    }
}
