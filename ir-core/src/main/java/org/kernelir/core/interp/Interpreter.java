package org.kernelir.core.interp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kernelir.core.cpu.AllocationScope;
import org.kernelir.core.cpu.CpuPrims;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Prims;

/**
 * Runs a {@link Graph} on CPU tensors, node by node, in graph order.
 *
 * <p>Symbolic dimensions are bound from the inputs: a placeholder dimension that is a plain symbol takes the
 * input's size; every other dimension (such as {@code 2*s0}) must then evaluate to the input's size, whichever
 * input bound its symbols. Two inputs that disagree on a symbol are an error naming both, and so is a symbol that
 * no input has as a whole dimension.
 */
public final class Interpreter {

    private final KernelCatalog catalog;

    /** An interpreter that resolves targets through {@code catalog} (primitives are always known). */
    public Interpreter(KernelCatalog catalog) {
        this.catalog = KernelCatalog.chain(KernelCatalog.of(Prims.all()), catalog);
    }

    /** An interpreter that knows only the primitives. */
    public static Interpreter primitivesOnly() {
        return new Interpreter(t -> java.util.Optional.empty());
    }

    /**
     * Runs {@code graph}.
     *
     * @param inputs one tensor per placeholder, in order
     * @return the graph's outputs, in order ({@code null} for absent outputs)
     * @throws IllegalArgumentException for inputs that do not fit the placeholders, naming the input
     * @throws InterpreterException     when a node fails, naming the node and its target
     */
    public List<CpuTensor> run(Graph graph, List<CpuTensor> inputs) {
        List<Node> placeholders = graph.placeholders();
        if (inputs.size() != placeholders.size()) {
            throw new IllegalArgumentException("graph " + graph.name() + " takes " + placeholders.size() + " inputs "
                    + placeholders.stream().map(Node::name).toList() + ", got " + inputs.size());
        }
        Map<String, Long> symbols = bindSymbols(placeholders, inputs);
        Map<Node, Object> values = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(placeholders.get(i), inputs.get(i));
        }
        for (Node n : graph.nodes()) {
            if (!n.isCall()) {
                continue;
            }
            try {
                values.put(n, evaluate(n, values, symbols));
            } catch (InterpreterException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InterpreterException("node " + n.name() + " (" + n.target() + ") of graph " + graph.name()
                        + " failed: " + e.getMessage(), e);
            }
        }
        List<CpuTensor> out = new ArrayList<>();
        for (Object o : graph.outputs()) {
            out.add(o == null ? null : (CpuTensor) values.get((Node) o));
        }
        return out;
    }

    /**
     * Runs {@code graph} with pooled memory: tensors the kernels allocate take blocks of {@code pool}, an
     * intermediate's block goes back to the pool after the last node that uses it (or a view of it), and the
     * outputs' blocks go back when the returned result is closed. A second run after the first result is closed
     * allocates nothing new when the shapes are the same.
     *
     * <p>Graph inputs are never released; a block is released only when no live value and no output uses it.
     * Memory that kernels allocate and drop within one node is released right after that node.
     *
     * @param inputs one tensor per placeholder, in order
     * @param pool   where the run's memory comes from
     * @return the outputs, to be closed (see {@link RunResult} for what happens to outputs after that)
     * @throws IllegalArgumentException for inputs that do not fit the placeholders, naming the input
     * @throws InterpreterException     when a node fails, naming the node and its target; every block of the run
     *                                  has been released then
     */
    public RunResult run(Graph graph, List<CpuTensor> inputs, TensorPool pool) {
        Objects.requireNonNull(pool, "pool");
        List<Node> placeholders = graph.placeholders();
        if (inputs.size() != placeholders.size()) {
            throw new IllegalArgumentException("graph " + graph.name() + " takes " + placeholders.size() + " inputs "
                    + placeholders.stream().map(Node::name).toList() + ", got " + inputs.size());
        }
        Map<String, Long> symbols = bindSymbols(placeholders, inputs);
        Liveness live = liveness(graph);
        AllocationScope scope = new AllocationScope(pool);
        try {
            return scope.call(() -> runPooled(graph, inputs, symbols, live, scope));
        } catch (RuntimeException e) {
            scope.unreleased().forEach(scope::release);
            throw e;
        }
    }

    private RunResult runPooled(Graph graph, List<CpuTensor> inputs, Map<String, Long> symbols, Liveness live,
            AllocationScope scope) {
        List<Node> nodes = graph.nodes();
        Map<Node, Object> values = new IdentityHashMap<>();
        List<Node> placeholders = graph.placeholders();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(placeholders.get(i), inputs.get(i));
        }
        // How many live values hold each lease (a value counts once per tensor it holds).
        Map<AllocationScope.Lease, int[]> holders = new IdentityHashMap<>();
        Map<Node, List<AllocationScope.Lease>> held = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!n.isCall()) {
                continue;
            }
            int mark = scope.mark();
            Object v;
            try {
                v = evaluate(n, values, symbols);
            } catch (InterpreterException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InterpreterException("node " + n.name() + " (" + n.target() + ") of graph " + graph.name()
                        + " failed: " + e.getMessage(), e);
            }
            values.put(n, v);
            List<AllocationScope.Lease> leases = leasesOf(v, scope);
            for (AllocationScope.Lease l : leases) {
                holders.computeIfAbsent(l, k -> new int[1])[0]++;
            }
            held.put(n, leases);
            // Memory the node allocated but does not hold (kernel temporaries) is free again.
            for (AllocationScope.Lease l : scope.leasesSince(mark)) {
                if (!l.released() && !holders.containsKey(l)) {
                    scope.release(l);
                }
            }
            for (Node dead : live.dyingAt(i)) {
                values.remove(dead);
                for (AllocationScope.Lease l : held.remove(dead)) {
                    if (--holders.get(l)[0] == 0) {
                        holders.remove(l);
                        scope.release(l);
                    }
                }
            }
        }
        List<CpuTensor> out = new ArrayList<>();
        List<java.lang.foreign.MemorySegment> blocks = new ArrayList<>();
        for (Object o : graph.outputs()) {
            CpuTensor t = o == null ? null : (CpuTensor) values.get((Node) o);
            out.add(t);
            AllocationScope.Lease l = t == null ? null : scope.leaseOf(t);
            if (l != null) {
                scope.detach(l); // now the result's; a second output on the same block finds it detached
                blocks.add(l.segment());
            }
        }
        scope.unreleased().forEach(scope::release);
        return new RunResult(graph.name(), out, blocks, scope.pool());
    }

    /** The unreleased leases holding the tensors of a node's value. */
    private static List<AllocationScope.Lease> leasesOf(Object value, AllocationScope scope) {
        List<AllocationScope.Lease> out = new ArrayList<>(1);
        if (value instanceof CpuTensor t) {
            AllocationScope.Lease l = scope.leaseOf(t);
            if (l != null) {
                out.add(l);
            }
        } else if (value instanceof List<?> list) {
            for (Object o : list) {
                out.addAll(leasesOf(o, scope));
            }
        }
        return out;
    }

    /** For each node position, the call nodes whose value is dead after it: neither used later nor an output. */
    private record Liveness(Graph graph, List<List<Node>> dying) {
        List<Node> dyingAt(int i) {
            return dying.get(i);
        }
    }

    /** The liveness of the graph run last (graphs are immutable, so it is reused while the graph is the same). */
    private volatile Liveness lastLiveness;

    private Liveness liveness(Graph graph) {
        Liveness l = lastLiveness;
        if (l != null && l.graph() == graph) {
            return l;
        }
        List<Node> nodes = graph.nodes();
        Map<Node, Integer> lastUse = new IdentityHashMap<>();
        for (Node n : nodes) {
            if (n.isCall()) {
                lastUse.put(n, n.index());
            }
        }
        Node output = graph.outputNode();
        for (Node n : nodes) {
            for (Node used : Graph.inputNodes(n)) {
                if (used.isCall()) {
                    lastUse.put(used, n == output ? Integer.MAX_VALUE : n.index());
                }
            }
        }
        List<List<Node>> dying = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            dying.add(new ArrayList<>(1));
        }
        lastUse.forEach((n, at) -> {
            if (at != Integer.MAX_VALUE) {
                dying.get(at).add(n);
            }
        });
        l = new Liveness(graph, dying);
        lastLiveness = l;
        return l;
    }

    private Object evaluate(Node n, Map<Node, Object> values, Map<String, Long> symbols) {
        if (n.calls(Prims.GETITEM.target())) {
            List<?> tuple = (List<?>) values.get((Node) n.arg(0));
            return tuple.get((int) (long) (Long) n.arg(1));
        }
        KernelDef k = catalog.require(n.target());
        KernelBody body = CpuPrims.require(k);
        List<Object> args = new ArrayList<>(n.args().size());
        for (Object a : n.args()) {
            args.add(resolve(a, values, symbols));
        }
        return body.run(k.schema().bind("node " + n.name() + " (" + n.target() + ")", args));
    }

    private static Object resolve(Object a, Map<Node, Object> values, Map<String, Long> symbols) {
        return switch (a) {
            case Node n -> values.get(n);
            case Dim d -> d.evaluate(symbols);
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object x : l) {
                    out.add(resolve(x, values, symbols));
                }
                yield out;
            }
            case null, default -> a;
        };
    }

    /** Binds each symbol from the first input that has it as a whole dimension, then checks every input. */
    static Map<String, Long> bindSymbols(List<Node> placeholders, List<CpuTensor> inputs) {
        Map<String, Long> symbols = new HashMap<>();
        Map<String, String> boundBy = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Node p = placeholders.get(i);
            CpuTensor t = inputs.get(i);
            TensorMeta m = (TensorMeta) p.meta();
            if (t == null) {
                throw new IllegalArgumentException("input " + p.name() + " is missing (null)");
            }
            if (t.dtype() != m.dtype() || t.sizes().length != m.rank()) {
                throw new IllegalArgumentException("input " + p.name() + " is " + t.meta() + " but the graph expects "
                        + m);
            }
            for (int d = 0; d < m.rank(); d++) {
                Dim dim = m.shape().get(d);
                if (dim.isSymbol()) {
                    String s = dim.symbolName();
                    Long prev = symbols.putIfAbsent(s, t.sizeAt(d));
                    if (prev == null) {
                        boundBy.put(s, p.name() + " dimension " + d);
                    } else if (prev != t.sizeAt(d)) {
                        throw new IllegalArgumentException("inputs disagree on symbol " + s + ": " + boundBy.get(s)
                                + " is " + prev + " but " + p.name() + " dimension " + d + " is " + t.sizeAt(d));
                    }
                }
            }
        }
        for (int i = 0; i < inputs.size(); i++) {
            Node p = placeholders.get(i);
            TensorMeta m = (TensorMeta) p.meta();
            for (int d = 0; d < m.rank(); d++) {
                Dim dim = m.shape().get(d);
                List<String> unbound = dim.symbols().stream().filter(s -> !symbols.containsKey(s)).toList();
                if (!unbound.isEmpty()) {
                    throw new IllegalArgumentException("input " + p.name() + " dimension " + d + " is " + dim
                            + ", but no input has " + String.join(", ", unbound) + " as a whole dimension, so its "
                            + "value is unknown; give the graph an input whose dimension is exactly the symbol");
                }
                long expected = dim.evaluate(symbols);
                if (expected != inputs.get(i).sizeAt(d)) {
                    throw new IllegalArgumentException("input " + p.name() + " has size " + inputs.get(i).sizeAt(d)
                            + " at dimension " + d + " but the graph expects " + m.shape().get(d) + " = " + expected
                            + " (symbols " + symbols + ")");
                }
            }
        }
        return symbols;
    }
}
