package org.kernelir.core.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The signature of a callable target: positional parameters, optionally with defaults (no keyword-only
 * parameters), and the number of tensor results.
 *
 * @param params  the parameters in call order; parameters with defaults come last
 * @param returns how many tensors the call returns (1: a single tensor; more: a tuple)
 */
public record Schema(List<Param> params, int returns) {

    public Schema {
        params = List.copyOf(params);
        if (returns < 1) {
            throw new IllegalArgumentException("a schema returns at least one tensor, got " + returns);
        }
        boolean seenDefault = false;
        for (Param p : params) {
            if (seenDefault && !p.hasDefault()) {
                throw new IllegalArgumentException("parameter " + p.name()
                        + " has no default but follows a parameter with one; put parameters with defaults last");
            }
            seenDefault |= p.hasDefault();
            if (params.stream().filter(q -> q.name().equals(p.name())).count() > 1) {
                throw new IllegalArgumentException("parameter name " + p.name() + " appears twice");
            }
        }
    }

    /** Number of parameters. */
    public int arity() {
        return params.size();
    }

    /** Number of parameters without a default. */
    public int requiredArity() {
        return (int) params.stream().filter(p -> !p.hasDefault()).count();
    }

    /** Index of the parameter called {@code name}, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Checks canonical argument values against this schema and fills in defaults for omitted trailing
     * parameters.
     *
     * @param who names the call in error messages (for example {@code "node rms_norm_3 (ir::rms_norm)"})
     * @return the arguments, completed with defaults
     * @throws IllegalArgumentException naming {@code who}, the parameter and the mismatch
     */
    public List<Object> bind(String who, List<?> args) {
        if (args.size() > params.size() || args.size() < requiredArity()) {
            throw new IllegalArgumentException(who + ": expected " + (requiredArity() == arity() ? "" : requiredArity()
                    + " to ") + arity() + " arguments " + this + ", got " + args.size());
        }
        List<Object> out = new ArrayList<>(params.size());
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            Object v = i < args.size() ? args.get(i) : p.defaultValue();
            if (!p.type().accepts(v)) {
                throw new IllegalArgumentException(who + ": argument " + i + " (" + p.name() + ") must be "
                        + p.type() + ", got " + describe(v));
            }
            out.add(v);
        }
        return out;
    }

    private static String describe(Object v) {
        return v == null ? "None" : Literals.formatShort(v instanceof org.kernelir.core.tensor.Tensor t ? t.meta() : v)
                + " (" + Literals.kind(v) + ")";
    }

    @Override
    public String toString() {
        return "(" + params.stream().map(Param::toString).collect(Collectors.joining(", ")) + ") -> "
                + (returns == 1 ? "Tensor" : "(" + "Tensor, ".repeat(returns - 1) + "Tensor)");
    }
}
