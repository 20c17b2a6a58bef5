package org.kernelir.core.op;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;

/**
 * The definition of an IR op: what it means, defined once.
 *
 * <p>An op has a name, a positional schema, the names of its <em>activations</em> (the tensors carrying the
 * data that flows through the model), whether it allows an in-place overload ({@code maybe_inplace}), its
 * <em>native</em> implementation (written against the Tensor API; it is the op's semantics), an input
 * generator for conformance runs and per-dtype tolerances.
 *
 * <p>Implementations are values of the op's functional interface {@code F}, so an implementation with the
 * wrong signature does not compile. The op's {@link Invoker} calls an {@code F} with positional arguments.
 *
 * @param <F> the functional interface every implementation of this op has
 */
public final class OpDef<F> {

    /** The namespace of IR op targets. */
    public static final String NAMESPACE = "ir";
    /** The in-place overload's name. */
    public static final String MAYBE_INPLACE = "maybe_inplace";

    private final String name;
    private final Class<F> type;
    private final Schema schema;
    private final List<Integer> activations;
    private final boolean allowInplace;
    private final Invoker<F> invoker;
    private final F nativeImpl;
    private final Supplier<List<SampleInput>> generator;
    private final Map<DType, Tolerance> tolerances;
    private final Target target;
    private final Target inplaceTarget;

    private OpDef(Builder<F> b) {
        this.name = b.name;
        this.type = b.type;
        this.schema = schemaOf(b);
        this.allowInplace = b.allowInplace;
        this.invoker = Objects.requireNonNull(b.invoker, () -> "op " + b.name + " needs an invoker");
        this.nativeImpl = Objects.requireNonNull(b.nativeImpl, () -> "op " + b.name + " needs a native implementation");
        this.generator = b.generator == null ? List::of : b.generator;
        this.tolerances = Map.copyOf(b.tolerances);
        this.target = Target.of(NAMESPACE, name);
        this.inplaceTarget = target.withOverload(MAYBE_INPLACE);
        List<String> actNames = b.activations != null ? b.activations : defaultActivations(b.params);
        List<Integer> idx = new ArrayList<>();
        for (String a : actNames) {
            int i = schema.indexOf(a);
            if (i < 0 || !schema.params().get(i).type().isTensorLike()) {
                throw new IllegalArgumentException("op " + name + ": activation " + a + " is not a tensor parameter of "
                        + schema);
            }
            idx.add(i);
        }
        this.activations = List.copyOf(idx);
        if (allowInplace && activations.size() != schema.returns()) {
            throw new IllegalArgumentException("op " + name + " allows inplace, so it needs exactly as many tensor "
                    + "results as activations: " + activations.size() + " activations " + actNames + ", "
                    + schema.returns() + " results");
        }
    }

    private static Schema schemaOf(Builder<?> b) {
        try {
            return new Schema(b.params, b.returns);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("op " + b.name + ": " + e.getMessage(), e);
        }
    }

    private static List<String> defaultActivations(List<Param> params) {
        List<String> out = new ArrayList<>();
        for (Param p : params) {
            if (p.type().isTensorLike() && p.name().startsWith("x")) {
                out.add(p.name());
            }
        }
        return out;
    }

    /** Starts an op definition. Names match {@code [a-z_][a-z_0-9]*}. */
    public static <F> Builder<F> builder(String name, Class<F> type) {
        return new Builder<>(name, type);
    }

    public String name() {
        return name;
    }

    /** The functional interface implementations have. */
    public Class<F> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    /** Indices of the activation parameters, in order. */
    public List<Integer> activations() {
        return activations;
    }

    public boolean allowInplace() {
        return allowInplace;
    }

    public Invoker<F> invoker() {
        return invoker;
    }

    /** The native implementation: the op's meaning. */
    public F nativeImpl() {
        return nativeImpl;
    }

    /** The target of the default (functional) overload: {@code ir::name}. */
    public Target target() {
        return target;
    }

    /** The target of the in-place overload: {@code ir::name.maybe_inplace}. */
    public Target inplaceTarget() {
        return inplaceTarget;
    }

    /** The inputs a conformance run tries, freshly generated (deterministic). */
    public List<SampleInput> sampleInputs() {
        return generator.get();
    }

    /**
     * The tolerance for comparing results of {@code dtype}: the op's override, else the default.
     *
     * @throws IllegalArgumentException for a dtype with neither, saying how to add one
     */
    public Tolerance tolerance(DType dtype) {
        Tolerance t = tolerances.get(dtype);
        return t != null ? t : Tolerance.defaultFor(dtype);
    }

    @Override
    public String toString() {
        return target + schema.toString();
    }

    /**
     * Builds an {@link OpDef}. Parameters are added in call order.
     *
     * @param <F> the op's functional interface
     */
    public static final class Builder<F> {
        private final String name;
        private final Class<F> type;
        private final List<Param> params = new ArrayList<>();
        private int returns = 1;
        private List<String> activations;
        private boolean allowInplace;
        private Invoker<F> invoker;
        private F nativeImpl;
        private Supplier<List<SampleInput>> generator;
        private final Map<DType, Tolerance> tolerances = new EnumMap<>(DType.class);

        private Builder(String name, Class<F> type) {
            if (!Target.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("op name '" + name + "' must match " + Target.NAME.pattern()
                        + " (lower-case letters, digits and underscores, not starting with a digit)");
            }
            if (!type.isInterface()) {
                throw new IllegalArgumentException("op " + name + ": " + type.getName() + " must be a functional interface");
            }
            this.name = name;
            this.type = type;
        }

        /** Adds a required parameter. */
        public Builder<F> param(String paramName, ParamType paramType) {
            params.add(Param.of(paramName, paramType));
            return this;
        }

        /** Adds a parameter with a default. */
        public Builder<F> param(String paramName, ParamType paramType, Object defaultValue) {
            params.add(Param.withDefault(paramName, paramType, defaultValue));
            return this;
        }

        /** Number of tensor results (default 1). */
        public Builder<F> returns(int count) {
            this.returns = count;
            return this;
        }

        /** Names the activation parameters (default: tensor parameters whose names start with {@code x}). */
        public Builder<F> activations(String... names) {
            this.activations = List.of(names);
            return this;
        }

        /** Gives the op a {@code maybe_inplace} overload. */
        public Builder<F> allowInplace() {
            this.allowInplace = true;
            return this;
        }

        public Builder<F> invoker(Invoker<F> inv) {
            this.invoker = inv;
            return this;
        }

        /** The native implementation, which defines the op's meaning. */
        public Builder<F> nativeImpl(F impl) {
            this.nativeImpl = impl;
            return this;
        }

        /** The inputs a conformance run must try. */
        public Builder<F> inputs(Supplier<List<SampleInput>> gen) {
            this.generator = gen;
            return this;
        }

        /** Overrides the default tolerance for one dtype. */
        public Builder<F> tolerance(DType dtype, double atol, double rtol) {
            tolerances.put(dtype, new Tolerance(atol, rtol));
            return this;
        }

        /**
         * @throws IllegalArgumentException when the definition is inconsistent, naming the op
         */
        public OpDef<F> build() {
            return new OpDef<>(this);
        }
    }
}
