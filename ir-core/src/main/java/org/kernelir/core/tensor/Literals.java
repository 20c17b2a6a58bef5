package org.kernelir.core.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.shape.Dim;

/**
 * The values a node argument may hold besides another node: {@code null}, {@link Boolean}, {@link Long},
 * {@link Double}, {@link String}, {@link DType}, a symbolic {@link Dim}, and (nested) lists of these.
 *
 * <p>{@link #normalize(Object)} brings Java values to this canonical set: every integral number becomes a
 * {@code Long}, {@code Float} becomes {@code Double}, a constant {@code Dim} becomes its {@code Long} value,
 * arrays and lists become unmodifiable lists. Canonical values are what graphs print, serialize and compare,
 * and what cache keys are built from.
 */
public final class Literals {

    private Literals() {
    }

    /**
     * The canonical form of an argument value.
     *
     * @throws IllegalArgumentException naming the value's class when it is not a supported literal
     */
    public static Object normalize(Object v) {
        // Values already canonical return at once, before the type switch: building a graph normalizes every
        // argument, and a switch on types is slow until the JIT compiler has seen it (a process that has just
        // started builds its graphs from the cache before that).
        if (v == null || v instanceof TensorRef || v instanceof Long || v instanceof Double || v instanceof String
                || v instanceof Boolean || v instanceof DType) {
            return v;
        }
        return switch (v) {
            case null -> null;
            case TensorRef n -> n;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Double d -> d;
            case Float f -> (double) f;
            case Boolean b -> b;
            case String s -> s;
            case DType d -> d;
            case Dim d -> d.isConstant() ? (Object) d.constant() : d;
            case long[] a -> {
                List<Object> out = new ArrayList<>(a.length);
                for (long x : a) {
                    out.add(x);
                }
                yield Collections.unmodifiableList(out);
            }
            case int[] a -> {
                List<Object> out = new ArrayList<>(a.length);
                for (int x : a) {
                    out.add((long) x);
                }
                yield Collections.unmodifiableList(out);
            }
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                for (Object x : list) {
                    out.add(normalize(x));
                }
                yield Collections.unmodifiableList(out);
            }
            default -> throw new IllegalArgumentException("unsupported argument value of type "
                    + v.getClass().getName() + ": " + v
                    + " (expected a node, null, boolean, integer, double, string, dtype, dim or a list of these)");
        };
    }

    /** Normalizes every element of {@code args}. */
    public static List<Object> normalizeAll(List<?> args) {
        List<Object> out = new ArrayList<>(args.size());
        for (Object a : args) {
            out.add(normalize(a));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Normalizes every element of {@code args} but leaves tensors ({@link org.kernelir.core.tensor.Tensor}) as
     * they are, for eager calls.
     */
    public static List<Object> normalizeAllKeepingTensors(List<?> args) {
        List<Object> out = new ArrayList<>(args.size());
        for (Object a : args) {
            out.add(a instanceof org.kernelir.core.tensor.Tensor ? a : normalize(a));
        }
        return out;
    }

    /** Prints a canonical value as it reads in a graph listing. */
    public static String format(Object v) {
        return switch (v) {
            case null -> "None";
            case TensorRef n -> n.name();
            case Boolean b -> b ? "True" : "False";
            case Double d -> formatDouble(d);
            case String s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            case DType d -> d.id();
            case Dim d -> d.toString();
            case List<?> l -> {
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(format(l.get(i)));
                }
                yield sb.append(']').toString();
            }
            default -> v.toString();
        };
    }

    /** Lists longer than this are echoed with their first elements and their length. */
    private static final int ECHO_ELEMENTS = 8;
    /** Texts longer than this are echoed with their start and their length. */
    private static final int ECHO_CHARS = 120;

    /**
     * {@link #format} for an error message: a long list keeps its first elements and says how long it is, a long
     * text its start, so that echoing a user's value never makes a message of megabytes.
     */
    public static String formatShort(Object v) {
        if (v instanceof List<?> l && l.size() > ECHO_ELEMENTS) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < ECHO_ELEMENTS; i++) {
                sb.append(i == 0 ? "" : ", ").append(formatShort(l.get(i)));
            }
            return sb.append(", ... (").append(l.size()).append(" elements)]").toString();
        }
        return brief(v instanceof List<?> l ? "[" + String.join(", ", l.stream().map(Literals::formatShort).toList())
                + "]" : format(v));
    }

    /** {@code text} as is, or its start and its length when it is longer than an error message should echo. */
    public static String brief(String text) {
        return text == null || text.length() <= ECHO_CHARS ? text
                : text.substring(0, ECHO_CHARS) + "... (" + text.length() + " characters)";
    }

    /** What kind of value {@code v} is, in the words of the graph format, for messages. */
    public static String kind(Object v) {
        return switch (v) {
            case null -> "None";
            case TensorRef n -> "a node";
            case Boolean b -> "a bool";
            case Long l -> "an int";
            case Integer i -> "an int";
            case Double d -> "a float";
            case String str -> "a string";
            case DType d -> "a dtype";
            case List<?> l -> "a list";
            default -> "a " + v.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(
                    java.util.Locale.ROOT);
        };
    }

    private static String formatDouble(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        return Double.toString(d);
    }

    /** Argument lists equal with nodes compared by name (for comparing nodes of two graphs). */
    public static boolean sameArgs(List<Object> a, List<Object> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!sameValue(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static boolean sameValue(Object x, Object y) {
        if (x instanceof TensorRef nx) {
            return y instanceof TensorRef ny && nx.name().equals(ny.name());
        }
        if (x instanceof List<?> lx) {
            return y instanceof List<?> ly && sameArgs((List<Object>) lx, (List<Object>) ly);
        }
        if (x instanceof Double dx && y instanceof Double dy) {
            return Double.doubleToLongBits(dx) == Double.doubleToLongBits(dy);
        }
        return Objects.equals(x, y);
    }
}
