package org.kernelir.core.graph;

import java.util.List;
import java.util.Objects;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Target;
import org.kernelir.core.tensor.TensorRef;

/**
 * One step of a {@link Graph}: a graph input ({@link Kind#PLACEHOLDER}), a call of a {@link Target}
 * ({@link Kind#CALL}), or the graph's result ({@link Kind#OUTPUT}).
 *
 * <p>Arguments are other nodes of the same graph or literals (see {@link Literals}). A node is immutable; its
 * identity is its place in its graph. Nodes are created only by a {@link Graph.Builder}, which guarantees
 * that every node argument was defined earlier in the same graph.
 */
public final class Node implements TensorRef {

    /** The closed set of node kinds. */
    public enum Kind { PLACEHOLDER, CALL, OUTPUT }

    private final String name;
    private final Kind kind;
    private final Target target;
    private final List<Object> args;
    private final NodeMeta meta;
    final int index;

    Node(String name, Kind kind, Target target, List<Object> args, NodeMeta meta, int index) {
        this.name = name;
        this.kind = kind;
        this.target = target;
        this.args = args;
        this.meta = meta;
        this.index = index;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** The called target; {@code null} unless this is a {@link Kind#CALL} node. */
    public Target target() {
        return target;
    }

    /** The arguments: nodes or literals; for an output node, the graph's results (nodes or {@code null}). */
    public List<Object> args() {
        return args;
    }

    /** The argument at {@code i}. */
    public Object arg(int i) {
        return args.get(i);
    }

    /** The metadata of what this node produces; {@code null} for the output node. */
    public NodeMeta meta() {
        return meta;
    }

    /** Position of this node in its graph. */
    public int index() {
        return index;
    }

    public boolean isCall() {
        return kind == Kind.CALL;
    }

    /** Whether this node calls {@code t} (any overload of it when {@code t} has none). */
    public boolean calls(Target t) {
        return kind == Kind.CALL && (t.overload() == null ? target.base().equals(t) : target.equals(t));
    }

    /** Structural equality with a node of another graph: same name, kind, target, arguments and metadata. */
    boolean sameAs(Node o) {
        return name.equals(o.name) && kind == o.kind && Objects.equals(target, o.target)
                && Objects.equals(meta, o.meta) && Literals.sameArgs(args, o.args);
    }

    @Override
    public String toString() {
        return "%" + name;
    }
}
