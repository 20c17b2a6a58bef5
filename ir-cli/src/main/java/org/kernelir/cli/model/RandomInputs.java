package org.kernelir.cli.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Prims;

/**
 * Random inputs for a graph, reproducible from a seed. Float inputs whose shape depends on the token count
 * (activations) are standard normal; the others (weights, caches) are normal times 0.05, and rank-0 floats (scales)
 * uniform in [0.01, 0.1). Integer inputs used as positions or indices stay within the table they index (the rows of
 * a rotary cos/sin cache, the indexed dimension of {@code index_select}); other integers are in [0, 16).
 */
public final class RandomInputs {

    private static final long DEFAULT_INT_BOUND = 16;

    private RandomInputs() {
    }

    /**
     * One tensor per placeholder of {@code g}, in order.
     *
     * @param symbols the value of every symbolic dimension of the placeholders
     */
    public static List<CpuTensor> of(Graph g, Map<String, Long> symbols, long seed) {
        Map<Node, Long> bounds = indexBounds(g, symbols);
        List<CpuTensor> out = new ArrayList<>();
        SplittableRandom root = new SplittableRandom(seed);
        for (Node p : g.placeholders()) {
            TensorMeta m = (TensorMeta) p.meta();
            SplittableRandom rnd = root.split();
            long[] shape = new long[m.rank()];
            boolean activation = false;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = m.shape().get(d).evaluate(symbols);
                activation |= !m.shape().get(d).isConstant();
            }
            int n = Math.toIntExact(numel(shape));
            DType dt = m.dtype();
            if (dt.isFloatingPoint()) {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = shape.length == 0 ? 0.01 + 0.09 * rnd.nextDouble() : gaussian(rnd) * (activation ? 1.0 : 0.05);
                }
                out.add(CpuTensor.of(dt, v, shape));
            } else {
                long bound = dt == DType.BOOL ? 2 : bounds.getOrDefault(p, DEFAULT_INT_BOUND);
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = rnd.nextLong(Math.max(1, bound));
                }
                out.add(CpuTensor.ofLongs(dt, v, shape));
            }
        }
        return out;
    }

    /** How far each integer placeholder may go, from the tables it indexes. */
    private static Map<Node, Long> indexBounds(Graph g, Map<String, Long> symbols) {
        Map<Node, Long> bounds = new HashMap<>();
        for (Node n : g.calls()) {
            if (n.calls(IrOps.ROTARY_EMBEDDING.target()) && n.arg(0) instanceof Node pos
                    && n.args().size() > 5 && n.arg(5) instanceof Node cache) {
                bound(bounds, pos, ((TensorMeta) cache.meta()).size(0), symbols);
            } else if (n.calls(Prims.INDEX_SELECT.target()) && n.arg(0) instanceof Node table
                    && n.arg(1) instanceof Long dim && n.arg(2) instanceof Node index) {
                bound(bounds, index, ((TensorMeta) table.meta()).size(dim.intValue()), symbols);
            }
        }
        return bounds;
    }

    private static void bound(Map<Node, Long> bounds, Node index, Dim size, Map<String, Long> symbols) {
        if (index.kind() == Node.Kind.PLACEHOLDER) {
            bounds.merge(index, size.evaluate(symbols), Math::min);
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    private static double gaussian(SplittableRandom rnd) {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
