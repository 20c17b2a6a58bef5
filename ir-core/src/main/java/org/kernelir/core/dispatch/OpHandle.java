package org.kernelir.core.dispatch;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Eager dispatch of one op through one {@link Dispatcher}. Keep the handle: its calls resolve the priority
 * once per change of priorities or providers, and otherwise only walk a small array.
 *
 * @param <F> the op's functional interface
 */
public final class OpHandle<F> {

    private static final Logger LOG = LoggerFactory.getLogger(OpHandle.class);

    private record Resolved<F>(long stamp, Implementation<F>[] candidates) {
    }

    private final OpDef<F> op;
    private final Dispatcher dispatcher;
    /** The op's parameter types, as an array: the eager path reads them on every call. */
    private final ParamType[] paramTypes;
    /** The argument classes of the last call that needed no normalization (a benign race: any value is valid). */
    private KnownClasses lastCanonical;

    /** Argument classes ({@code null} for a None argument); the final field publishes the array safely. */
    private static final class KnownClasses {
        private final Class<?>[] classes;

        private KnownClasses(Class<?>[] classes) {
            this.classes = classes;
        }

        static KnownClasses of(CallArgs a) {
            Class<?>[] c = new Class<?>[a.size()];
            for (int i = 0; i < c.length; i++) {
                Object v = a.value(i);
                c[i] = v == null ? null : v.getClass();
            }
            return new KnownClasses(c);
        }

        boolean matches(CallArgs a) {
            for (int i = 0; i < classes.length; i++) {
                Object v = a.value(i);
                if (v == null ? classes[i] != null : v.getClass() != classes[i]) {
                    return false;
                }
            }
            return true;
        }
    }
    private volatile Resolved<F> resolved;

    OpHandle(OpDef<F> op, Dispatcher dispatcher) {
        this.op = op;
        this.dispatcher = dispatcher;
        this.paramTypes = op.schema().params().stream().map(Param::type).toArray(ParamType[]::new);
    }

    public OpDef<F> op() {
        return op;
    }

    /** The filtered priority list of this op, ending with an implementation that supports all arguments. */
    public List<Implementation<F>> candidates() {
        return List.of(candidateArray());
    }

    /** Drops the resolved candidates (a provider left the registry), so that they keep none of its classes alive. */
    void forget() {
        resolved = null;
    }

    private Implementation<F>[] candidateArray() {
        Resolved<F> r = resolved;
        long stamp = dispatcher.stamp();
        if (r == null || r.stamp != stamp) {
            r = new Resolved<>(stamp, dispatcher.resolve(op));
            resolved = r;
        }
        return r.candidates;
    }

    /**
     * The implementation that handles {@code args}: the first candidate whose {@code supports} accepts them. A
     * {@code supports} rule that throws is skipped with a warning naming its provider.
     */
    public Implementation<F> select(CallArgs args) {
        Implementation<F>[] c = candidateArray();
        for (Implementation<F> impl : c) {
            if (impl.supportsAll()) {
                return impl;
            }
            boolean ok;
            try {
                ok = impl.supportsRule().test(args);
            } catch (RuntimeException e) {
                dispatcher.warnOnce("supports:" + impl.provider() + ":" + op.name(), "provider {}: supports() of op {} "
                        + "threw {}; skipping it", impl.provider(), op.name(), e.toString());
                continue;
            }
            if (ok) {
                return impl;
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("op {}: provider {} does not support {}", op.name(), impl.provider(), args);
            }
        }
        throw new IllegalStateException("op " + op.name() + ": no candidate accepted " + args
                + " although the list ends with native");
    }

    /**
     * Calls the op's default (functional) overload eagerly: inputs are never modified. When the selected
     * implementation works in place, the activations are cloned first. Omitted trailing arguments take their
     * defaults.
     *
     * @return a {@link Tensor}, or a {@link org.kernelir.core.op.TensorPair} for two-result ops
     * @throws IllegalArgumentException when the arguments do not fit the op's schema
     */
    public Object call(Object... args) {
        return invoke(CallArgs.wrap(args), true);
    }

    /** {@link #call(Object...)} with one argument, without a varargs array. */
    public Object call(Object a0) {
        return invoke(CallArgs.of(a0), true);
    }

    /** {@link #call(Object...)} with two arguments, without a varargs array. */
    public Object call(Object a0, Object a1) {
        return invoke(CallArgs.of(a0, a1), true);
    }

    /** {@link #call(Object...)} with three arguments, without a varargs array. */
    public Object call(Object a0, Object a1, Object a2) {
        return invoke(CallArgs.of(a0, a1, a2), true);
    }

    /** {@link #call(Object...)} with four arguments, without a varargs array. */
    public Object call(Object a0, Object a1, Object a2, Object a3) {
        return invoke(CallArgs.of(a0, a1, a2, a3), true);
    }

    /** {@link #call(Object...)} with five arguments, without a varargs array. */
    public Object call(Object a0, Object a1, Object a2, Object a3, Object a4) {
        return invoke(CallArgs.of(a0, a1, a2, a3, a4), true);
    }

    /**
     * Calls the {@code maybe_inplace} overload eagerly: the implementation may write its results into the
     * activation inputs. Always use the returned tensors.
     */
    public Object callMaybeInplace(Object... args) {
        if (!op.allowInplace()) {
            throw new IllegalArgumentException("op " + op.name() + " does not allow inplace; call its default overload");
        }
        return invoke(CallArgs.wrap(args), false);
    }

    private Object invoke(CallArgs given, boolean functional) {
        CallArgs a = bind(given);
        Implementation<F> impl = select(a).formFor(functional, a);
        if (functional && impl.isInplace()) {
            a = cloneActivations(op, a);
        }
        return op.invoker().invoke(impl.fn(), a);
    }

    /**
     * Completes call arguments. The common case (every argument given, each already of its parameter's
     * canonical type) returns them as they are, so eager dispatch allocates nothing of its own there.
     */
    private CallArgs bind(CallArgs given) {
        ParamType[] types = paramTypes;
        if (given.size() == types.length) {
            // Whether a value is canonical depends only on its class, so the classes of the last canonical call
            // let the next call with the same classes skip the per-parameter checks.
            KnownClasses known = lastCanonical;
            if (known != null && known.matches(given)) {
                return given;
            }
            boolean canonical = true;
            for (int i = 0; i < types.length && canonical; i++) {
                Object v = given.value(i);
                canonical = v instanceof Tensor || (!(v instanceof List) && types[i].accepts(v));
            }
            if (canonical) {
                lastCanonical = KnownClasses.of(given);
                return given;
            }
        }
        List<Object> values = new ArrayList<>(given.size());
        for (int i = 0; i < given.size(); i++) {
            Object v = given.value(i);
            values.add(v instanceof Tensor ? v : Literals.normalize(v));
        }
        return new CallArgs(op.schema().bind("op " + op.name(), values));
    }

    static CallArgs cloneActivations(OpDef<?> op, CallArgs a) {
        Object[] v = a.values().toArray();
        for (int i : op.activations()) {
            if (v[i] instanceof Tensor t) {
                v[i] = t.cloneTensor();
            }
        }
        return CallArgs.wrap(v);
    }
}
