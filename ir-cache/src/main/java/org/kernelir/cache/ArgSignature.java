package org.kernelir.cache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;

/**
 * The canonical signature of an op call's arguments: what a traced replacement may depend on, and nothing
 * else.
 *
 * <p>Tensors contribute dtype, shape, strides and device; scalars their exact value (doubles bit for bit);
 * lists, {@code null}s, dtypes and strings themselves. Symbolic dimensions are renamed {@code s0, s1, ...} in
 * order of first appearance across all arguments, so {@code x: [s7, 4096]} and {@code x: [s0, 4096]} share a
 * signature, while {@code x: [s0, h], residual: [s0, h]} differs from {@code x: [s0, h], residual: [s1, h]}.
 * Function references and classes never enter a signature.
 *
 * <p>{@link #canonicalArgs()} are the arguments with the renamed symbols: trace with them, and map the traced
 * graph back to the call's own symbols with {@link #toCallSymbols()}.
 */
public final class ArgSignature {

    private final String text;
    private final List<Object> canonicalArgs;
    private final Map<String, Dim> toCallSymbols;

    private ArgSignature(String text, List<Object> canonicalArgs, Map<String, Dim> toCallSymbols) {
        this.text = text;
        this.canonicalArgs = canonicalArgs;
        this.toCallSymbols = toCallSymbols;
    }

    /**
     * The signature of bound arguments whose tensors are given as {@link TensorMeta} (or {@code null}).
     *
     * @throws IllegalArgumentException for a value that cannot be part of a signature (for example a class or a
     *                                  function), naming it
     */
    public static ArgSignature of(List<Object> metaArgs) {
        Map<String, String> rename = new LinkedHashMap<>();
        for (Object a : metaArgs) {
            collectSymbols(a, rename);
        }
        Map<String, Dim> forward = new HashMap<>();
        Map<String, Dim> back = new LinkedHashMap<>();
        boolean identity = true;
        for (Map.Entry<String, String> e : rename.entrySet()) {
            identity &= e.getKey().equals(e.getValue());
            forward.put(e.getKey(), Dim.sym(e.getValue()));
            back.put(e.getValue(), Dim.sym(e.getKey()));
        }
        // Lowering hits this once per IR node: when the call already uses canonical symbols (the usual case
        // for a model with one token symbol s0), the arguments are their own canonical form.
        List<Object> canonical = identity ? metaArgs : new ArrayList<>(metaArgs.size());
        StringBuilder sb = new StringBuilder(128);
        for (Object a : metaArgs) {
            Object c = identity ? a : rename(a, forward);
            if (!identity) {
                canonical.add(c);
            }
            if (!sb.isEmpty()) {
                sb.append(';');
            }
            encode(c, sb);
        }
        return new ArgSignature(sb.toString(), Collections.unmodifiableList(canonical),
                Collections.unmodifiableMap(back));
    }

    /** The canonical text, e.g. {@code X(f32,[s0,4096],[4096,1],cpu);N;D(1.0E-6);N}. */
    public String text() {
        return text;
    }

    /** The arguments with symbols renamed canonically: the arguments to trace with. */
    public List<Object> canonicalArgs() {
        return canonicalArgs;
    }

    /** Maps each canonical symbol back to the call's own symbol. */
    public Map<String, Dim> toCallSymbols() {
        return toCallSymbols;
    }

    private static void collectSymbols(Object a, Map<String, String> rename) {
        switch (a) {
            case TensorMeta m -> {
                m.shape().forEach(d -> addSymbols(d, rename));
                m.strides().forEach(d -> addSymbols(d, rename));
            }
            case Dim d -> addSymbols(d, rename);
            case List<?> l -> l.forEach(x -> collectSymbols(x, rename));
            case null, default -> { }
        }
    }

    private static void addSymbols(Dim d, Map<String, String> rename) {
        if (d.isConstant()) {
            return;
        }
        if (d.isSymbol()) {
            String s = d.symbolName();
            if (!rename.containsKey(s)) {
                rename.put(s, "s" + rename.size());
            }
            return;
        }
        for (String s : d.symbols()) {
            rename.computeIfAbsent(s, k -> "s" + rename.size());
        }
    }

    private static Object rename(Object a, Map<String, Dim> forward) {
        return switch (a) {
            case TensorMeta m -> new TensorMeta(m.dtype(), substituteAll(m.shape(), forward),
                    substituteAll(m.strides(), forward), m.device());
            case Dim d -> d.substitute(forward);
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(x -> out.add(rename(x, forward)));
                yield Collections.unmodifiableList(out);
            }
            case null, default -> a;
        };
    }

    private static List<Dim> substituteAll(List<Dim> dims, Map<String, Dim> forward) {
        Dim[] out = new Dim[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dims.get(i).substitute(forward);
        }
        return List.of(out);
    }

    private static void encode(Object v, StringBuilder sb) {
        switch (v) {
            case null -> sb.append('N');
            case TensorMeta m -> {
                sb.append("X(").append(m.dtype().id()).append(',');
                dims(m.shape(), sb).append(',');
                dims(m.strides(), sb).append(',').append(m.device()).append(')');
            }
            case Long l -> sb.append("I(").append(l).append(')');
            case Double d -> sb.append("D(").append(Long.toHexString(Double.doubleToRawLongBits(d))).append(')');
            case Boolean b -> sb.append("B(").append(b).append(')');
            case String s -> sb.append("S(").append(s.length()).append(':').append(s).append(')');
            case DType d -> sb.append("T(").append(d.id()).append(')');
            case Dim d -> sb.append("Y(").append(d).append(')');
            case List<?> l -> {
                sb.append("L[");
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    encode(l.get(i), sb);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("argument value " + v + " of type " + v.getClass().getName()
                    + " cannot be part of a cache signature; only metadata and literals can");
        }
    }

    private static StringBuilder dims(List<Dim> ds, StringBuilder sb) {
        sb.append('[');
        for (int i = 0; i < ds.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(ds.get(i));
        }
        return sb.append(']');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArgSignature s && text.equals(s.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
