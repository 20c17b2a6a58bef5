package org.kernelir.core.trace;

import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.tensor.TensorBackend;

/** A tensor during tracing: it stands for a graph node and has only metadata. */
final class TracedTensor implements Tensor {

    private final TraceSession session;
    private Node node;

    TracedTensor(TraceSession session, Node node) {
        this.session = session;
        this.node = node;
    }

    Node node() {
        return node;
    }

    TraceSession session() {
        return session;
    }

    /** After an in-place call this tensor stands for the call's result. */
    void rebind(Node newNode) {
        this.node = newNode;
    }

    @Override
    public TensorMeta meta() {
        return (TensorMeta) node.meta();
    }

    @Override
    public TensorBackend backend() {
        return session;
    }

    @Override
    public String toString() {
        return "Traced(" + node.name() + ": " + meta() + ")";
    }
}
