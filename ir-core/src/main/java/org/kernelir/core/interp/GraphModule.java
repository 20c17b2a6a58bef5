package org.kernelir.core.interp;

import java.util.List;
import java.util.Objects;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.GraphPrinter;
import org.kernelir.core.graph.GraphVerifier;
import org.kernelir.core.tensor.KernelCatalog;

/**
 * A graph bound to the kernels that give its targets meaning: something you can verify, print and call. It is
 * what a trace or a lowering hands to the code that runs it.
 *
 * <pre>{@code
 * GraphModule m = GraphModule.of(graph, registry.kernels());
 * List<CpuTensor> outputs = m.run(List.of(x, w));
 * try (RunResult r = m.run(List.of(x, w), pool)) { ... }   // outputs in pooled memory until closed
 * }</pre>
 *
 * @param graph   the program
 * @param catalog resolves every non-primitive target of the graph (primitives are always known)
 */
public record GraphModule(Graph graph, KernelCatalog catalog) {

    public GraphModule {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(catalog, "catalog");
    }

    /**
     * A verified module.
     *
     * @throws org.kernelir.core.graph.GraphVerificationException listing every problem of the graph
     */
    public static GraphModule of(Graph graph, KernelCatalog catalog) {
        GraphModule m = new GraphModule(graph, catalog);
        m.verify();
        return m;
    }

    /** A module over the primitives only (for example a freshly traced native implementation). */
    public static GraphModule ofPrimitives(Graph graph) {
        return of(graph, t -> java.util.Optional.empty());
    }

    /** Checks the graph against its catalog; see {@link GraphVerifier}. */
    public void verify() {
        GraphVerifier.verify(graph, KernelCatalog.chain(KernelCatalog.of(org.kernelir.core.tensor.Prims.all()), catalog));
    }

    /** Runs the graph on CPU tensors, one per placeholder; see {@link Interpreter#run}. */
    public List<CpuTensor> run(List<CpuTensor> inputs) {
        return new Interpreter(catalog).run(graph, inputs);
    }

    /**
     * Runs the graph with memory from {@code pool}; close the result to give its outputs' memory back. See
     * {@link Interpreter#run(Graph, List, TensorPool)}.
     */
    public RunResult run(List<CpuTensor> inputs, TensorPool pool) {
        return new Interpreter(catalog).run(graph, inputs, pool);
    }

    /** The graph's name. */
    public String name() {
        return graph.name();
    }

    /** The graph as code. */
    @Override
    public String toString() {
        return GraphPrinter.print(graph);
    }
}
