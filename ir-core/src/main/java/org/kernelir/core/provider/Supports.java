package org.kernelir.core.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.kernelir.core.op.CallArgs;

/**
 * A per-call check of whether an implementation handles these arguments, looking only at metadata: dtypes,
 * shapes, strides, devices and scalar values. It must not specialize on the token count (the symbolic
 * dimension), since a lowered graph serves every token count.
 *
 * <p>A lambda is a rule that can only say yes or no. A rule made of named conditions can also say <em>why</em> it
 * declines, which {@code kir explain} shows to the user:
 *
 * <pre>{@code
 * Supports rule = Supports.when("x is float32", a -> a.dtype(0) == DType.F32)
 *         .and("x has 2 or more dimensions", a -> a.meta(0).shape().size() >= 2);
 * rule.whyNot(args); // Optional[condition 'x is float32' is false], or empty when the rule accepts
 * }</pre>
 */
@FunctionalInterface
public interface Supports {

    /** Supports every argument list. */
    Supports ALL = args -> true;

    /**
     * Whether the implementation handles {@code args}.
     *
     * @param args the call's arguments, tensors as metadata
     * @return {@code true} to accept the call
     */
    boolean test(CallArgs args);

    /**
     * Why this rule declines {@code args}: empty when it accepts them. The default asks {@link #test} and, on a
     * refusal, can only say that the rule returned {@code false}; rules made with {@link #when} name the condition
     * that failed.
     *
     * @param args the call's arguments, tensors as metadata
     * @return the reason of a refusal, or empty
     */
    default Optional<String> whyNot(CallArgs args) {
        return test(args) ? Optional.empty() : Optional.of("its supports rule returned false (the rule names no "
                + "conditions; build it with Supports.when to say which)");
    }

    /**
     * This rule and then a named condition: accepts when both do; a refusal names the first condition that fails.
     *
     * @param condition what must hold, in words (for example {@code "x is 2-D"})
     * @param rule      the check of that condition
     * @return the combined rule
     */
    default Supports and(String condition, Predicate<CallArgs> rule) {
        return allOf(this, when(condition, rule));
    }

    /**
     * A rule of one named condition.
     *
     * @param condition what must hold, in words; shown when the rule declines
     * @param rule      the check
     * @return a rule whose {@link #whyNot} names {@code condition} when {@code rule} is false
     */
    static Supports when(String condition, Predicate<CallArgs> rule) {
        return new Named(List.of(new Condition(condition, rule)));
    }

    /**
     * A rule that accepts when every one of {@code rules} does; its refusal is that of the first that declines.
     *
     * @param rules the rules, checked in order
     * @return the combined rule
     */
    static Supports allOf(Supports... rules) {
        List<Condition> all = new ArrayList<>();
        for (Supports s : rules) {
            if (s instanceof Named n) {
                all.addAll(n.conditions());
            } else if (s != ALL) {
                all.add(new Condition(null, Objects.requireNonNull(s, "rule")::test));
            }
        }
        return new Named(List.copyOf(all));
    }

    /** A named condition of a rule ({@code name} is {@code null} for an unnamed rule). */
    record Condition(String name, Predicate<CallArgs> check) {
        public Condition {
            Objects.requireNonNull(check, "check");
        }
    }

    /**
     * A rule made of conditions that all must hold.
     *
     * @param conditions the conditions, checked in order
     */
    record Named(List<Condition> conditions) implements Supports {
        @Override
        public boolean test(CallArgs args) {
            for (Condition c : conditions) {
                if (!c.check().test(args)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Optional<String> whyNot(CallArgs args) {
            for (Condition c : conditions) {
                if (!c.check().test(args)) {
                    return Optional.of(c.name() == null ? "its supports rule returned false"
                            : "condition '" + c.name() + "' is false");
                }
            }
            return Optional.empty();
        }
    }
}
