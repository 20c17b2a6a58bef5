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
 * <h2>Both forms</h2>
 * A provider may register one implementation of each form for an op that allows inplace. The registry then
 * holds one implementation: the in-place one, carrying the functional one as its {@link #functionalForm()}.
 * Dispatch selects it when either form supports the arguments, and {@link #formFor} picks the form a call runs:
 * the default overload runs the functional form where it supports the arguments (no clones of the
 * activations), else the in-place form on clones; the {@code maybe_inplace} overload runs the in-place form
 * where it supports them, else the functional form. Without a functional form, the default overload always
 * clones the activations for an in-place implementation.
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
    /** The functional form registered next to an in-place implementation, or {@code null}. */
    private final Implementation<F> functionalForm;

    private Implementation(OpDef<F> op, F fn, Supports supports, boolean inplace, String provider,
            Availability availability) {
        this(op, fn, supports, inplace, provider, availability, null);
    }

    private Implementation(OpDef<F> op, F fn, Supports supports, boolean inplace, String provider,
            Availability availability, Implementation<F> functionalForm) {
        this.op = Objects.requireNonNull(op, "op");
        this.fn = Objects.requireNonNull(fn, () -> "implementation function of " + op.name());
        this.supports = supports;
        this.inplace = inplace;
        this.provider = provider;
        this.availability = availability;
        this.functionalForm = functionalForm;
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
        return new Implementation<>(op, fn, Objects.requireNonNull(rule, "supports"), inplace, provider, availability,
                functionalForm);
    }

    /** This implementation with its own availability (default: its provider's). */
    public Implementation<F> availability(Availability a) {
        return new Implementation<>(op, fn, supports, inplace, provider, Objects.requireNonNull(a), functionalForm);
    }

    Implementation<F> boundTo(String providerName, Availability providerAvailability) {
        return new Implementation<>(op, fn, supports, inplace, providerName,
                availability != null && !availability.available() ? availability : providerAvailability,
                functionalForm == null ? null : functionalForm.boundTo(providerName, providerAvailability));
    }

    /**
     * The registry's form of an op with an in-place and a functional implementation: {@code inplaceImpl} carrying
     * {@code functionalImpl}. Both are bound to the same provider.
     */
    @SuppressWarnings("unchecked")
    static <F> Implementation<F> withBothForms(Implementation<?> inplaceImpl, Implementation<?> functionalImpl) {
        Implementation<F> i = (Implementation<F>) inplaceImpl;
        Implementation<F> f = (Implementation<F>) functionalImpl;
        if (!i.inplace || f.inplace || i.op != f.op || i.functionalForm != null) {
            throw new IllegalArgumentException("expected an in-place and a functional implementation of one op, got "
                    + i + " and " + f);
        }
        return new Implementation<>(i.op, i.fn, i.supports, true, i.provider, i.availability, f);
    }

    /** The functional implementation registered next to this in-place one, if any. */
    public java.util.Optional<Implementation<F>> functionalForm() {
        return java.util.Optional.ofNullable(functionalForm);
    }

    /** This implementation without its functional form: what was registered as in-place (or this, if none). */
    public Implementation<F> ownForm() {
        return functionalForm == null ? this
                : new Implementation<>(op, fn, supports, inplace, provider, availability, null);
    }

    /**
     * The form that runs a call of the default overload ({@code functional}) or of {@code maybe_inplace}, for
     * arguments this implementation supports; see the class comment. Without a functional form it is this.
     */
    public Implementation<F> formFor(boolean functional, org.kernelir.core.op.CallArgs args) {
        if (functionalForm == null) {
            return this;
        }
        Implementation<F> preferred = functional ? functionalForm : ownForm();
        Implementation<F> other = functional ? ownForm() : functionalForm;
        return preferred.supportsAll() || preferred.supportsRule().test(args) ? preferred : other;
    }

    public OpDef<F> op() {
        return op;
    }

    public F fn() {
        return fn;
    }

    /**
     * The per-call rule; {@link Supports#ALL} when none was given. With a functional form, the arguments either
     * form supports.
     */
    public Supports supportsRule() {
        Supports own = supports == null ? Supports.ALL : supports;
        if (functionalForm == null || supports == null) {
            return own;
        }
        Supports other = functionalForm.supportsRule();
        return a -> own.test(a) || other.test(a);
    }

    /** Whether it supports every argument list (no rule was given, to it or to its functional form). */
    public boolean supportsAll() {
        return supports == null || (functionalForm != null && functionalForm.supportsAll());
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
        return op.name() + "@" + provider + (functionalForm != null ? " (inplace + functional)"
                : inplace ? " (inplace)" : "");
    }
}
