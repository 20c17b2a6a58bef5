package org.kernelir.core.tensor;

import java.util.Objects;

/**
 * One positional parameter of a {@link Schema}.
 *
 * @param name         the parameter's name, matching {@code [a-z_][a-z_0-9]*}
 * @param type         its type
 * @param hasDefault   whether callers may omit it
 * @param defaultValue the value used when omitted (canonical form; may be {@code null})
 */
public record Param(String name, ParamType type, boolean hasDefault, Object defaultValue) {

    public Param {
        Objects.requireNonNull(type, "type");
        if (!Target.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("parameter name '" + name + "' must match " + Target.NAME.pattern());
        }
        defaultValue = Literals.normalize(defaultValue);
        if (hasDefault && !type.accepts(defaultValue)) {
            throw new IllegalArgumentException("default " + Literals.format(defaultValue) + " of parameter " + name
                    + " is not a " + type);
        }
    }

    /** A required parameter. */
    public static Param of(String name, ParamType type) {
        return new Param(name, type, false, null);
    }

    /** A parameter with a default. */
    public static Param withDefault(String name, ParamType type, Object defaultValue) {
        return new Param(name, type, true, defaultValue);
    }

    @Override
    public String toString() {
        return name + ": " + type + (hasDefault ? " = " + Literals.format(defaultValue) : "");
    }
}
