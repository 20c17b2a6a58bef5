package org.kernelir.core.dispatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.kernelir.core.tensor.Target;

/**
 * Which providers to try for each op, in order: a list per op, and a default list for ops without one.
 * Immutable; the {@code with...} methods return new priorities.
 *
 * <p>The text form, accepted by {@link #parse(String)} and printed by {@link #toString()}, is a list of
 * entries separated by spaces or semicolons, each {@code OP=P1,P2,...}, where {@code OP} is an op name or
 * {@code default}: {@code "default=cpu,native rms_norm=cuda,cpu,native"}.
 *
 * @param defaults the list for ops without their own (may be empty)
 * @param perOp    the lists of individual ops
 */
public record Priority(List<String> defaults, Map<String, List<String>> perOp) {

    /** No priorities: every op dispatches to native (with a once-per-op warning). */
    public static final Priority NONE = new Priority(List.of(), Map.of());

    /** The key that sets the default list in the text form. */
    public static final String DEFAULT_KEY = "default";

    public Priority {
        defaults = List.copyOf(defaults);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        perOp.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        perOp = java.util.Collections.unmodifiableMap(copy);
        check(DEFAULT_KEY, defaults);
        perOp.forEach(Priority::check);
    }

    private static void check(String op, List<String> providers) {
        if (!Target.NAME.matcher(op).matches()) {
            throw new IllegalArgumentException("priority: op name '" + op + "' must match " + Target.NAME.pattern());
        }
        for (String p : providers) {
            if (!Target.NAME.matcher(p).matches()) {
                throw new IllegalArgumentException("priority for " + op + ": provider name '" + p + "' must match "
                        + Target.NAME.pattern());
            }
        }
        if (providers.stream().distinct().count() != providers.size()) {
            throw new IllegalArgumentException("priority for " + op + " names a provider twice: " + providers);
        }
    }

    /** A priority with only a default list. */
    public static Priority ofDefault(String... providers) {
        return new Priority(List.of(providers), Map.of());
    }

    /** This priority with {@code op}'s list replaced. */
    public Priority with(String op, String... providers) {
        Map<String, List<String>> m = new LinkedHashMap<>(perOp);
        m.put(op, List.of(providers));
        return new Priority(defaults, m);
    }

    /** This priority with the default list replaced. */
    public Priority withDefault(String... providers) {
        return new Priority(List.of(providers), perOp);
    }

    /** This priority with {@code other}'s entries on top: its per-op lists win, and its default if it has one. */
    public Priority overlay(Priority other) {
        Map<String, List<String>> m = new LinkedHashMap<>(perOp);
        m.putAll(other.perOp);
        return new Priority(other.defaults.isEmpty() ? defaults : other.defaults, m);
    }

    /** The list that applies to {@code op}: its own, else the default; empty when neither is set. */
    public List<String> listFor(String op) {
        return Optional.ofNullable(perOp.get(op)).orElse(defaults);
    }

    /** Every provider name this priority mentions. */
    public List<String> providerNames() {
        List<String> out = new ArrayList<>(defaults);
        perOp.values().forEach(out::addAll);
        return out.stream().distinct().toList();
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException naming the entry that is not {@code OP=P1,P2,...}
     */
    public static Priority parse(String text) {
        Priority p = NONE;
        for (String entry : text.trim().split("[;\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("priority entry '" + entry
                        + "' must be OP=P1,P2,... (for example rms_norm=cuda,cpu,native or default=cpu,native)");
            }
            String op = entry.substring(0, eq).trim();
            String[] providers = Arrays.stream(entry.substring(eq + 1).split(",", -1)).map(String::trim).toArray(String[]::new);
            if (op.equals(DEFAULT_KEY) ? !p.defaults().isEmpty() : p.perOp().containsKey(op)) {
                throw new IllegalArgumentException("priority '" + text + "' sets " + op + " twice; give each op one list");
            }
            p = op.equals(DEFAULT_KEY) ? p.withDefault(providers) : p.with(op, providers);
        }
        return p;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!defaults.isEmpty()) {
            parts.add(DEFAULT_KEY + "=" + String.join(",", defaults));
        }
        perOp.forEach((op, l) -> parts.add(op + "=" + String.join(",", l)));
        return parts.stream().collect(Collectors.joining(" "));
    }
}
