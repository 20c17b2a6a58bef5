package org.kernelir.core.interp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.kernel.KernelCatalog;
import org.kernelir.core.kernel.KernelDef;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.CpuTensor;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.TensorMeta;

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

    private Object evaluate(Node n, Map<Node, Object> values, Map<String, Long> symbols) {
        if (n.calls(Prims.GETITEM.target())) {
            List<?> tuple = (List<?>) values.get((Node) n.arg(0));
            return tuple.get((int) (long) (Long) n.arg(1));
        }
        KernelDef k = catalog.require(n.target());
        if (k.cpu() == null) {
            throw new UnsupportedOperationException(n.target() + " has no CPU kernel");
        }
        List<Object> args = new ArrayList<>(n.args().size());
        for (Object a : n.args()) {
            args.add(resolve(a, values, symbols));
        }
        return k.cpu().run(k.schema().bind("node " + n.name() + " (" + n.target() + ")", args));
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
