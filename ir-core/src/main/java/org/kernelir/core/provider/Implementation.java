package org.kernelir.core.provider;

import java.util.Objects;
import org.kernelir.core.op.OpDef;

/**
 * One provider's implementation of one IR op.
 *
 * <p>Create it with {@link #of(OpDef, Object)} (functional) or {@link #inplace(OpDef, Object)} (writes its
 * results into the activation inputs; only for ops that allow inplace), then narrow it with
 * {@link #supports(Supports)}. The provider it belongs to is set when it is registered.
 *
 * @param <F> the op's functional interface
 */
public final class Implementation<F> {

    private final OpDef<F> op;
    private final F fn;
    private final Supports supports;
    private final boolean inplace;
    private final String provider;
    private final Availability availability;

    private Implementation(OpDef<F> op, F fn, Supports supports, boolean inplace, String provider,
            Availability availability) {
        this.op = Objects.requireNonNull(op, "op");
        this.fn = Objects.requireNonNull(fn, () -> "implementation function of " + op.name());
        this.supports = supports;
        this.inplace = inplace;
        this.provider = provider;
        this.availability = availability;
    }

    /** A functional implementation that supports all arguments. */
    public static <F> Implementation<F> of(OpDef<F> op, F fn) {
        return new Implementation<>(op, fn, null, false, null, null);
    }

    /**
     * An in-place implementation: it writes its results into the op's activation inputs and returns them.
     * Registration rejects it for ops that do not allow inplace.
     */
    public static <F> Implementation<F> inplace(OpDef<F> op, F fn) {
        return new Implementation<>(op, fn, null, true, null, null);
    }

    /** This implementation restricted to the arguments {@code rule} accepts. */
    public Implementation<F> supports(Supports rule) {
        return new Implementation<>(op, fn, Objects.requireNonNull(rule, "supports"), inplace, provider, availability);
    }

    /** This implementation with its own availability (default: its provider's). */
    public Implementation<F> availability(Availability a) {
        return new Implementation<>(op, fn, supports, inplace, provider, Objects.requireNonNull(a));
    }

    Implementation<F> boundTo(String providerName, Availability providerAvailability) {
        return new Implementation<>(op, fn, supports, inplace, providerName,
                availability != null && !availability.available() ? availability : providerAvailability);
    }

    public OpDef<F> op() {
        return op;
    }

    public F fn() {
        return fn;
    }

    /** The per-call rule; {@link Supports#ALL} when none was given. */
    public Supports supportsRule() {
        return supports == null ? Supports.ALL : supports;
    }

    /** Whether it supports every argument list (no rule was given). */
    public boolean supportsAll() {
        return supports == null;
    }

    public boolean isInplace() {
        return inplace;
    }

    /** The provider's name; {@code null} until registered. */
    public String provider() {
        return provider;
    }

    /** Whether it can run on this machine; set at registration. */
    public Availability availability() {
        return availability == null ? Availability.AVAILABLE : availability;
    }

    @Override
    public String toString() {
        return op.name() + "@" + provider + (inplace ? " (inplace)" : "");
    }
}
