package org.kernelir.core.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernelir.core.shape.Dim;

/** Shape arithmetic shared by the primitives' meta functions and every device's kernels for them. */
public final class ShapeRules {

    private ShapeRules() {
    }

    /** NumPy broadcasting of two shapes; symbolic dimensions must be equal or meet a 1. */
    public static List<Dim> broadcast(List<Dim> a, List<Dim> b) {
        int rank = Math.max(a.size(), b.size());
        Dim[] out = new Dim[rank];
        for (int i = 0; i < rank; i++) {
            Dim da = i < rank - a.size() ? Dim.ONE : a.get(i - (rank - a.size()));
            Dim db = i < rank - b.size() ? Dim.ONE : b.get(i - (rank - b.size()));
            if (da.equals(db) || db.equals(Dim.ONE)) {
                out[i] = da;
            } else if (da.equals(Dim.ONE)) {
                out[i] = db;
            } else {
                throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast: dimension " + i
                        + " is " + da + " in one and " + db + " in the other");
            }
        }
        return List.of(out);
    }

    /**
     * Normalized, sorted, distinct reduction dimensions. A rank-0 tensor has nothing to reduce: it accepts no
     * dimension, or dimension 0 (or -1), and the result is empty (the reduction is the identity).
     */
    public static int[] reductionDims(int rank, List<?> dims) {
        if (dims.isEmpty()) {
            if (rank == 0) {
                return new int[0];
            }
            throw new IllegalArgumentException("a reduction needs at least one dimension");
        }
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            int d = (int) (long) (Long) dims.get(i);
            int n = d < 0 ? d + rank : d;
            if (n < 0 || n >= Math.max(rank, 1)) {
                throw new IndexOutOfBoundsException("reduction dimension " + d + " out of range for rank " + rank);
            }
            out[i] = n;
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException("reduction dimension " + out[i] + " given twice");
            }
        }
        return rank == 0 ? new int[0] : out;
    }

    public static List<Dim> reduced(List<Dim> shape, int[] dims, boolean keepdim) {
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < shape.size(); i++) {
            if (Arrays.binarySearch(dims, i) >= 0) {
                if (keepdim) {
                    out.add(Dim.ONE);
                }
            } else {
                out.add(shape.get(i));
            }
        }
        return out;
    }

    public static Dim toDim(Object o) {
        return switch (o) {
            case Long l -> Dim.of(l);
            case Dim d -> d;
            default -> throw new IllegalArgumentException("not a size: " + o);
        };
    }

    public static List<Dim> toDims(List<?> sizes) {
        List<Dim> out = new ArrayList<>(sizes.size());
        for (Object o : sizes) {
            out.add(toDim(o));
        }
        return out;
    }

    /** Resolves a reshape target with at most one {@code -1} against the number of elements. */
    public static List<Dim> reshapeTarget(List<Dim> from, List<?> sizes) {
        List<Dim> target = toDims(sizes);
        Dim numel = Dim.ONE;
        for (Dim d : from) {
            numel = numel.times(d);
        }
        int infer = -1;
        Dim known = Dim.ONE;
        for (int i = 0; i < target.size(); i++) {
            Dim d = target.get(i);
            if (d.equals(Dim.of(-1))) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape of " + from + " to " + target + ": only one -1 allowed");
                }
                infer = i;
            } else {
                known = known.times(d);
            }
        }
        if (infer >= 0) {
            Dim knownPart = known;
            Dim inferred = numel.exactDivide(knownPart).orElseThrow(() -> new IllegalArgumentException(
                    "reshape of " + from + " to " + sizes + ": cannot infer -1, " + knownPart + " does not divide "
                            + "the element count"));
            target.set(infer, inferred);
        } else if (!known.equals(numel)) {
            throw new IllegalArgumentException("reshape of " + from + " to " + target + " changes the element count from "
                    + numel + " to " + known);
        }
        return target;
    }

    /** Resolves an expand target ({@code -1} keeps a dimension). */
    public static List<Dim> expandTarget(List<Dim> from, List<?> sizes) {
        List<Dim> target = toDims(sizes);
        if (target.size() < from.size()) {
            throw new IllegalArgumentException("expand of " + from + " to " + target + ": fewer dimensions");
        }
        int lead = target.size() - from.size();
        for (int i = 0; i < target.size(); i++) {
            Dim t = target.get(i);
            if (i >= lead) {
                Dim f = from.get(i - lead);
                if (t.equals(Dim.of(-1))) {
                    target.set(i, f);
                } else if (!f.equals(t) && !f.equals(Dim.ONE)) {
                    throw new IllegalArgumentException("expand of " + from + " to " + sizes + ": dimension " + i
                            + " has size " + f + ", which is neither 1 nor " + t);
                }
            } else if (t.equals(Dim.of(-1))) {
                throw new IllegalArgumentException("expand of " + from + " to " + sizes + ": -1 in a new dimension");
            }
        }
        return target;
    }
}
