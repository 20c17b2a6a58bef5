package org.kernelir.passes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.IrOpCatalog;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.passes.examples.Attention;

/** Shared set-up of the pass tests: fresh registries, model inputs, running graphs, comparing results. */
final class Fixtures {

    private Fixtures() {
    }

    /** A dispatcher over a fresh registry with {@code providers} registered, under {@code priority}. */
    static Dispatcher dispatcher(String priority, KernelProvider... providers) {
        ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
        for (KernelProvider p : providers) {
            registry.register(p);
        }
        return new Dispatcher(registry, Priority.parse(priority));
    }

    /** What the interpreter needs to run graphs of {@code dispatcher}'s world, unlowered or lowered. */
    static KernelCatalog catalog(Dispatcher dispatcher) {
        return KernelCatalog.chain(new IrOpCatalog(dispatcher), dispatcher.registry().kernels(), Attention.catalog());
    }

    static List<CpuTensor> run(Graph g, Dispatcher dispatcher, List<CpuTensor> inputs) {
        return new Interpreter(catalog(dispatcher)).run(g, copies(inputs));
    }

    /** Fresh copies, so that a graph that writes into its inputs cannot disturb the next run. */
    static List<CpuTensor> copies(List<CpuTensor> inputs) {
        return inputs.stream().map(t -> (CpuTensor) t.cloneTensor()).toList();
    }

    /**
     * Inputs for a Llama graph with {@code tokens} tokens: token ids below {@code vocab}, positions 0..n-1, true
     * rotary cosines and sines, norm weights near 1, and projection weights scaled by 1/sqrt(fan in) so that
     * activations stay near 1 through the layers. Fixed seed.
     */
    static List<CpuTensor> llamaInputs(Graph g, int tokens, long vocab) {
        SplittableRandom seeds = new SplittableRandom(42);
        List<CpuTensor> out = new ArrayList<>();
        for (Node p : g.placeholders()) {
            TensorMeta m = (TensorMeta) p.meta();
            long[] shape = m.shape().stream().mapToLong(d -> d.isConstant() ? d.constant() : tokens).toArray();
            long seed = seeds.nextLong();
            out.add(switch (p.name()) {
                case "input_ids" -> Samples.randint(seed, vocab, shape);
                case "positions" -> CpuTensor.ofLongs(DType.I64, java.util.stream.LongStream.range(0, tokens).toArray(),
                        shape);
                case "cos_sin_cache" -> cosSin(m.dtype(), shape[0], shape[1]);
                default -> p.name().endsWith("norm")
                        ? add(Samples.randn(seed, m.dtype(), 0.1, shape), 1.0)
                        : Samples.randn(seed, m.dtype(), shape.length == 2 && !p.name().equals("embed_tokens")
                                ? 1.0 / Math.sqrt(shape[0]) : 1.0, shape);
            });
        }
        return out;
    }

    private static CpuTensor add(CpuTensor t, double v) {
        double[] d = t.toDoubleArray();
        Arrays.setAll(d, i -> d[i] + v);
        return CpuTensor.of(t.dtype(), d, t.sizes());
    }

    private static CpuTensor cosSin(DType dtype, long positions, long headSize) {
        long half = headSize / 2;
        double[] v = new double[(int) (positions * headSize)];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(10000.0, -2.0 * i / headSize);
                v[(int) (p * headSize + i)] = Math.cos(angle);
                v[(int) (p * headSize + half + i)] = Math.sin(angle);
            }
        }
        return CpuTensor.of(dtype, v, positions, headSize);
    }

    /** The largest |a - b| over all elements; the shapes must agree. */
    static double maxDifference(CpuTensor a, CpuTensor b) {
        if (!Arrays.equals(a.sizes(), b.sizes()) || a.dtype() != b.dtype()) {
            throw new AssertionError(a.meta() + " vs " + b.meta());
        }
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
            if (Double.isNaN(x[i]) != Double.isNaN(y[i])) {
                return Double.POSITIVE_INFINITY;
            }
        }
        return worst;
    }

    /** Asserts every output of the two runs agrees within {@code atol + rtol * |expected|}. */
    static void assertClose(List<CpuTensor> expected, List<CpuTensor> actual, double atol, double rtol) {
        if (expected.size() != actual.size()) {
            throw new AssertionError("output counts differ: " + expected.size() + " vs " + actual.size());
        }
        for (int k = 0; k < expected.size(); k++) {
            double[] e = expected.get(k).toDoubleArray();
            double[] a = actual.get(k).toDoubleArray();
            if (!Arrays.equals(expected.get(k).sizes(), actual.get(k).sizes())) {
                throw new AssertionError("output " + k + ": " + expected.get(k).meta() + " vs " + actual.get(k).meta());
            }
            for (int i = 0; i < e.length; i++) {
                if (!(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) {
                    throw new AssertionError("output " + k + " element " + i + ": " + a[i] + " but expected " + e[i]);
                }
            }
        }
    }
}
