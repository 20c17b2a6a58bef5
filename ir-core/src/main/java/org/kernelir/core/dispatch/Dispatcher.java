package org.kernelir.core.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.provider.Fingerprints;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.core.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses an implementation for each op call from a {@link Priority} and the providers of a
 * {@link ProviderRegistry}.
 *
 * <p>For each op the priority list is filtered as follows: an unknown provider name is an error (when the
 * priority is set); a provider that does not implement the op, or is unavailable, is dropped (logged at debug
 * level with the reason); the list is cut after the first implementation that supports all arguments; if
 * none does, {@code native} is appended, with a warning logged once per op. An op without any list dispatches
 * to {@code native}, with a warning once per op.
 *
 * <p>The priority has a permanent value ({@link #setPriority}) and scoped overrides ({@link #override}),
 * which nest and are undone when their scope closes, also when the body throws:
 *
 * <pre>{@code
 * try (var scope = dispatcher.override(Priority.parse("rms_norm=cpu,native"))) {
 *     Tensor y = (Tensor) dispatcher.handle(IrOps.RMS_NORM).call(x, w, 1e-6);
 * }
 * }</pre>
 */
public final class Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final ProviderRegistry registry;
    private final Map<OpDef<?>, OpHandle<?>> handles = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final Deque<Scope> scopes = new ArrayDeque<>();
    /** Bumped on every change of priority or providers; handles re-resolve when it moves (one volatile read). */
    private volatile long stamp;
    private volatile IdentityMemo identityMemo;
    private volatile Priority permanent = Priority.NONE;
    private volatile Priority effective = Priority.NONE;

    /** A dispatcher over {@code registry} with no priorities set. */
    public Dispatcher(ProviderRegistry registry) {
        this.registry = registry;
        registry.addListener(new ForgetOnRemoval(this, registry));
    }

    /**
     * Makes the handles drop their resolved candidates when a provider leaves the registry. A handle resolves
     * again on its next call anyway; this is for a handle that is never called again, whose candidate array would
     * otherwise keep an unloaded plugin's implementations, and so its class loader, reachable. Holds the
     * dispatcher weakly, since a registry may outlive its dispatchers.
     */
    private static final class ForgetOnRemoval implements ProviderRegistry.Listener {
        private final java.lang.ref.WeakReference<Dispatcher> dispatcher;
        private final ProviderRegistry registry;

        ForgetOnRemoval(Dispatcher dispatcher, ProviderRegistry registry) {
            this.dispatcher = new java.lang.ref.WeakReference<>(dispatcher);
            this.registry = registry;
        }

        @Override
        public void registered(RegisteredProvider provider) {
            Dispatcher d = dispatcher.get();
            if (d == null) {
                registry.removeListener(this);
                return;
            }
            d.bump();
        }

        @Override
        public void unregistered(RegisteredProvider provider) {
            Dispatcher d = dispatcher.get();
            if (d == null) {
                registry.removeListener(this);
                return;
            }
            d.bump();
            d.handles.values().forEach(OpHandle::forget);
        }
    }

    /** A dispatcher over {@code registry} with {@code priority} as its permanent priority. */
    public Dispatcher(ProviderRegistry registry, Priority priority) {
        this(registry);
        setPriority(priority);
    }

    public ProviderRegistry registry() {
        return registry;
    }

    /** The priority in force: the permanent one with the open scopes on top. */
    public Priority priority() {
        return effective;
    }

    /**
     * Sets the permanent priority.
     *
     * @throws IllegalArgumentException naming an unknown op or provider
     */
    public synchronized void setPriority(Priority priority) {
        validate(priority);
        permanent = priority;
        recompute();
    }

    /**
     * Applies {@code priority} on top of the current one until the returned scope is closed. Scopes nest;
     * close them in reverse order (try-with-resources does).
     *
     * @throws IllegalArgumentException naming an unknown op or provider
     */
    public synchronized Scope override(Priority priority) {
        validate(priority);
        Scope s = new Scope(priority);
        scopes.push(s);
        recompute();
        return s;
    }

    /** A scoped priority; closing it restores the priority that was in force before it. */
    public final class Scope implements AutoCloseable {
        private final Priority priority;
        private boolean closed;

        private Scope(Priority priority) {
            this.priority = priority;
        }

        @Override
        public void close() {
            synchronized (Dispatcher.this) {
                if (closed) {
                    return;
                }
                closed = true;
                boolean top = scopes.peek() == this;
                scopes.remove(this);
                recompute();
                if (!top) {
                    throw new IllegalStateException("a scoped priority was closed before a scope opened inside it; "
                            + "close scopes in reverse order (use try-with-resources)");
                }
            }
        }
    }

    private void recompute() {
        Priority p = permanent;
        List<Scope> bottomUp = new ArrayList<>(scopes);
        java.util.Collections.reverse(bottomUp);
        for (Scope s : bottomUp) {
            p = p.overlay(s.priority);
        }
        // Bumped before and after: whoever sees the new priority also sees a new stamp, and a memo made in between
        // is stale once the second bump lands.
        bump();
        effective = p;
        bump();
    }

    private void validate(Priority p) {
        for (String op : p.perOp().keySet()) {
            registry.ops().require(op);
        }
        for (String name : p.providerNames()) {
            if (!name.equals(ProviderRegistry.NATIVE) && registry.find(name).isEmpty()) {
                throw new IllegalArgumentException("unknown provider '" + name + "' in priority " + p
                        + "; known providers: " + registry.all().stream().map(RegisteredProvider::name).toList());
            }
        }
    }

    /**
     * Changes whenever the priority or the set of providers changes. The registry's version is part of it, so that
     * a handle or identity computed after a provider came or went is never taken for one computed before, even in
     * the moment before the registry's listeners have run. Both parts only grow, so their sum changes when either
     * does.
     */
    long stamp() {
        return stamp + registry.version();
    }

    /**
     * The generation of what dispatch depends on: it changes whenever the priority in force or the set of
     * registered providers changes, and it is never the same for two different states. Read it before
     * {@link #identity()}; if it is unchanged when a piece of work ends, every dispatch decision of that work was
     * made under the state that identity describes. The lowered-graph cache keeps a result only then.
     *
     * @return an opaque number; compare it for equality only
     */
    public long generation() {
        return stamp();
    }

    private synchronized void bump() {
        stamp++;
    }

    /** The eager dispatch handle of {@code op}. */
    @SuppressWarnings("unchecked")
    public <F> OpHandle<F> handle(OpDef<F> op) {
        return (OpHandle<F>) handles.computeIfAbsent(op, o -> {
            if (!registry.ops().contains(o)) {
                throw new IllegalArgumentException("op " + o.name() + " is not registered with this dispatcher's ops");
            }
            return new OpHandle<>(o, this);
        });
    }

    /** The implementation that handles {@code args} for {@code op}. */
    public <F> Implementation<F> select(OpDef<F> op, CallArgs args) {
        return handle(op).select(args);
    }

    /** Eagerly calls {@code op}'s functional overload (see {@link OpHandle#call}). */
    public Object call(OpDef<?> op, Object... args) {
        return handle(op).call(args);
    }

    /** Eagerly calls a single-result op. */
    public Tensor call1(OpDef<?> op, Object... args) {
        return (Tensor) handle(op).call(args);
    }

    /** Eagerly calls a two-result op. */
    public TensorPair call2(OpDef<?> op, Object... args) {
        return (TensorPair) handle(op).call(args);
    }

    /** The filtered candidate list of {@code op} under the current priority. */
    @SuppressWarnings("unchecked")
    <F> Implementation<F>[] resolve(OpDef<F> op) {
        Priority p = effective;
        List<String> names = p.listFor(op.name());
        List<Implementation<F>> out = new ArrayList<>();
        if (names.isEmpty()) {
            warnOnce("nopriority:" + op.name(), "no priority set for op {}; dispatching to native (set one, e.g. {}=cpu,native, "
                    + "or a default list)", op.name(), op.name());
        }
        boolean closed = false;
        for (String name : names) {
            var impl = registry.implementation(op, name);
            if (registry.find(name).isEmpty()) {
                warnOnce("gone:" + name, "provider {} in the priority list is no longer loaded; skipping it", name);
                continue;
            }
            if (impl.isEmpty()) {
                LOG.debug("op {}: provider {} has no implementation of it; dropped", op.name(), name);
                continue;
            }
            Implementation<F> i = impl.get();
            if (!i.availability().available()) {
                LOG.debug("op {}: provider {} dropped: {}", op.name(), name, i.availability().reason());
                continue;
            }
            out.add(i);
            if (i.supportsAll()) {
                closed = true;
                break;
            }
        }
        if (!closed) {
            if (!names.isEmpty()) {
                warnOnce("notall:" + op.name(), "no implementation in the priority list {} of op {} supports all args; "
                        + "native is appended (add native explicitly to silence this)", names, op.name());
            }
            out.add(registry.nativeImplementation(op));
        }
        return out.toArray(new Implementation[0]);
    }

    void warnOnce(String key, String format, Object... args) {
        if (warned.add(key)) {
            LOG.warn(format, args);
        }
    }

    /**
     * A stable identity of what dispatch depends on: the priority in force and the identity and availability
     * of every provider it names (and of native). Equal identities choose equal implementations for equal
     * arguments; an outer compile cache can key on it.
     */
    public String identity() {
        // Pipelines ask for this on every run: compute it once per stamp. The stamp is read before the state it
        // describes, so a concurrent change can only make the memo stale-by-stamp, never wrong for its stamp.
        long at = stamp();
        IdentityMemo memo = identityMemo;
        if (memo != null && memo.stamp() == at) {
            return memo.identity();
        }
        String id = computeIdentity();
        identityMemo = new IdentityMemo(at, id);
        return id;
    }

    private record IdentityMemo(long stamp, String identity) {
    }

    private String computeIdentity() {
        Priority p = effective;
        StringBuilder sb = new StringBuilder("priority:").append(p).append('\n');
        Set<String> names = new TreeSet<>(p.providerNames());
        names.add(ProviderRegistry.NATIVE);
        for (String n : names) {
            registry.find(n).ifPresent(rp -> sb.append(rp.identity().key()).append(' ').append(rp.availability()).append('\n'));
        }
        return Fingerprints.sha256Bytes(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
