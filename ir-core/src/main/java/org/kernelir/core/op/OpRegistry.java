package org.kernelir.core.op;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The IR ops known to one kernel-ir instance. It is a plain object: create one, register ops, pass it on.
 * {@link #standard()} gives a new registry holding the standard op set of {@link IrOps}.
 */
public final class OpRegistry {

    private final Map<String, OpDef<?>> ops = new LinkedHashMap<>();

    /** An empty registry. */
    public OpRegistry() {
    }

    /** A new registry with every op of {@link IrOps}. */
    public static OpRegistry standard() {
        OpRegistry r = new OpRegistry();
        IrOps.all().forEach(r::register);
        return r;
    }

    /**
     * Registers {@code op}.
     *
     * @throws IllegalArgumentException if an op of that name is registered already
     */
    public synchronized void register(OpDef<?> op) {
        OpDef<?> prev = ops.putIfAbsent(op.name(), op);
        if (prev != null) {
            throw new IllegalArgumentException("op " + op.name() + " is already registered; op names are unique, "
                    + "choose another name or register the op once");
        }
    }

    /** The op called {@code name}. */
    public synchronized Optional<OpDef<?>> find(String name) {
        return Optional.ofNullable(ops.get(name));
    }

    /**
     * The op called {@code name}.
     *
     * @throws IllegalArgumentException listing the registered ops when there is none
     */
    public OpDef<?> require(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown op '" + name + "'; registered ops: "
                + names()));
    }

    /** Whether {@code op} (this very definition) is registered. */
    public synchronized boolean contains(OpDef<?> op) {
        return ops.get(op.name()) == op;
    }

    /** All ops in registration order. */
    public synchronized Collection<OpDef<?>> all() {
        return Collections.unmodifiableList(new ArrayList<>(ops.values()));
    }

    /** The names of all ops in registration order. */
    public synchronized List<String> names() {
        return List.copyOf(ops.keySet());
    }
}
