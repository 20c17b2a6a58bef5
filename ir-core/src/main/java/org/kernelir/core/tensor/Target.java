package org.kernelir.core.tensor;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a call node calls: {@code namespace::name} with an optional overload, written
 * {@code ir::rms_norm}, {@code ir::fused_add_rms_norm.maybe_inplace}, {@code prim::add} or
 * {@code cpu::rms_norm_f32}.
 *
 * <p>Namespaces in use: {@code prim} for the Tensor API primitives, {@code ir} for IR ops, and a provider's
 * name for that provider's kernel ops.
 *
 * @param namespace who defines the target
 * @param name      the target's name within the namespace
 * @param overload  the overload, or {@code null} for the default one
 */
public record Target(String namespace, String name, String overload) implements Comparable<Target> {

    /** The rule every namespace, name and overload follows. */
    public static final Pattern NAME = Pattern.compile("[a-z_][a-z_0-9]*");

    public Target {
        check("namespace", namespace);
        check("name", name);
        if (overload != null) {
            check("overload", overload);
        }
    }

    /** A target with the default overload. */
    public static Target of(String namespace, String name) {
        return new Target(namespace, name, null);
    }

    /** The same target with another overload ({@code null} for the default). */
    public Target withOverload(String newOverload) {
        return new Target(namespace, name, newOverload);
    }

    /** The same target without an overload. */
    public Target base() {
        return overload == null ? this : new Target(namespace, name, null);
    }

    /**
     * Parses {@code namespace::name} or {@code namespace::name.overload}.
     *
     * @throws IllegalArgumentException saying which part is wrong and the expected form
     */
    public static Target parse(String text) {
        int sep = text.indexOf("::");
        if (sep < 0) {
            throw new IllegalArgumentException("target '" + text
                    + "' has no namespace; expected namespace::name or namespace::name.overload, e.g. ir::rms_norm");
        }
        String ns = text.substring(0, sep);
        String rest = text.substring(sep + 2);
        int dot = rest.indexOf('.');
        try {
            return dot < 0 ? new Target(ns, rest, null) : new Target(ns, rest.substring(0, dot), rest.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid target '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Whether {@code s} matches {@link #NAME}; a hand-written check, since graphs test every node name. */
    public static boolean isValidName(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static void check(String what, String value) {
        Objects.requireNonNull(value, what);
        if (!isValidName(value)) {
            throw new IllegalArgumentException(what + " '" + value + "' must match " + NAME.pattern()
                    + " (lower-case letters, digits and underscores, not starting with a digit)");
        }
    }

    @Override
    public int compareTo(Target o) {
        return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
        return overload == null ? namespace + "::" + name : namespace + "::" + name + "." + overload;
    }
}
