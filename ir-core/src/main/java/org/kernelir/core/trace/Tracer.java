package org.kernelir.core.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.Tensor;

/**
 * Turns a Java function over {@link Tensor}s into a {@link Graph}: the function runs once on traced tensors,
 * and every Tensor API call it makes becomes a node carrying its metadata. Java scalars the function uses
 * become literal arguments.
 *
 * <pre>{@code
 * Graph g = Tracer.trace("scale", List.of(Tracer.input("x", TensorMeta.of(DType.F32, 8, 16))),
 *         in -> in.getFirst().mul(2.0).add(1.0));
 * }</pre>
 */
public final class Tracer {

    private Tracer() {
    }

    /**
     * One input of a traced function.
     *
     * @param name the placeholder's name
     * @param meta its metadata, or {@code null} for an absent (None) tensor, which reaches the function as
     *             {@code null} and becomes no placeholder
     */
    public record Input(String name, TensorMeta meta) {
    }

    /** An input of the traced function. */
    public static Input input(String name, TensorMeta meta) {
        return new Input(name, meta);
    }

    /**
     * Traces {@code fn}.
     *
     * @param fn receives one tensor per input (or {@code null}) and returns a {@link Tensor}, a list of tensors
     *           (entries may be {@code null}), or {@code null}
     * @return the graph; its outputs are the returned tensors in order
     * @throws IllegalArgumentException if a call inside {@code fn} fails its metadata rules; the message names
     *                                  the call
     */
    public static Graph trace(String name, List<Input> inputs, Function<List<Tensor>, Object> fn) {
        Graph.Builder builder = Graph.builder(name);
        TraceSession session = new TraceSession(builder);
        List<Tensor> args = new ArrayList<>(inputs.size());
        for (Input in : inputs) {
            args.add(in.meta() == null ? null : new TracedTensor(session, builder.placeholder(in.name(), in.meta())));
        }
        Object result = fn.apply(java.util.Collections.unmodifiableList(args));
        List<Object> outputs = new ArrayList<>();
        if (result instanceof List<?> list) {
            for (Object o : list) {
                outputs.add(outputNode(session, o));
            }
        } else {
            outputs.add(outputNode(session, result));
        }
        return builder.output(outputs);
    }

    private static Node outputNode(TraceSession session, Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof TracedTensor t && t.session() == session) {
            return t.node();
        }
        throw new IllegalArgumentException("a traced function must return tensors of its own trace, got " + o);
    }
}
