package org.kernelir.core.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.tensor.TensorBackend;

/** The tracing backend of one trace: every call appends a node to the graph being built. */
final class TraceSession implements TensorBackend {

    private final Graph.Builder builder;

    TraceSession(Graph.Builder builder) {
        this.builder = builder;
    }

    Graph.Builder builder() {
        return builder;
    }

    @Override
    public Object call(KernelDef kernel, List<Object> args) {
        List<Object> nodeArgs = new ArrayList<>(args.size());
        for (Object a : args) {
            nodeArgs.add(toNodeArg(kernel, a));
        }
        String who = kernel.target().toString();
        List<Object> bound = kernel.schema().bind(who, nodeArgs);
        List<Object> metaArgs = metaArgs(bound);
        NodeMeta meta;
        try {
            meta = kernel.meta().infer(metaArgs);
        } catch (RuntimeException e) {
            // Name the call: the meta function only knows shapes, not which line of the traced code it serves.
            throw new IllegalArgumentException(who + "(" + metaArgs.stream().map(Literals::format)
                    .collect(Collectors.joining(", ")) + ") while tracing: " + e.getMessage(), e);
        }
        Node node = builder.call(kernel.target(), bound, meta);
        for (int i : kernel.mutates()) {
            if (args.get(i) instanceof TracedTensor t) {
                t.rebind(node);
            }
        }
        if (meta instanceof TupleMeta tuple) {
            List<Tensor> outs = new ArrayList<>(tuple.size());
            for (int i = 0; i < tuple.size(); i++) {
                if (tuple.get(i) == null) {
                    outs.add(null);
                } else {
                    Node item = builder.call(builder.freshName(node.name() + "_" + i), Prims.GETITEM.target(),
                            List.of(node, (long) i), tuple.get(i));
                    outs.add(new TracedTensor(this, item));
                }
            }
            return Collections.unmodifiableList(outs);
        }
        return new TracedTensor(this, node);
    }

    private Object toNodeArg(KernelDef kernel, Object a) {
        if (a instanceof TracedTensor t) {
            if (t.session() != this) {
                throw new IllegalArgumentException(kernel.target() + " was given a tensor of another trace");
            }
            return t.node();
        }
        if (a instanceof Tensor t) {
            throw new IllegalArgumentException(kernel.target() + " was given " + t + " while tracing; a traced "
                    + "function must not capture real tensors: pass constants as Java scalars or as inputs");
        }
        if (a instanceof List<?> l && l.stream().anyMatch(x -> x instanceof Tensor)) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) {
                out.add(toNodeArg(kernel, x));
            }
            return Collections.unmodifiableList(out);
        }
        return Literals.normalize(a);
    }

    /** Arguments as meta functions see them: nodes replaced by their metadata. */
    static List<Object> metaArgs(List<Object> nodeArgs) {
        List<Object> out = new ArrayList<>(nodeArgs.size());
        for (Object a : nodeArgs) {
            if (a instanceof Node n) {
                out.add(n.meta());
            } else if (a instanceof List<?> l && l.stream().anyMatch(x -> x instanceof Node)) {
                out.add(metaArgs(new ArrayList<>(l)));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    static TensorMeta tensorMeta(Node n) {
        return (TensorMeta) n.meta();
    }
}
