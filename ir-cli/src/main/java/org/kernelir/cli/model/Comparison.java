package org.kernelir.cli.model;

import java.util.Arrays;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Tolerance;

/**
 * Compares one output of a lowered run with the same output of native eager execution.
 *
 * <p>The tolerance for an output of dtype {@code d} is the loosest that any IR op of the graph allows for {@code d}
 * (each op's {@link OpDef#tolerance}; the dtype's default when the graph has no IR op), so that every op may use all
 * of its own latitude; integer and bool outputs must match exactly.
 *
 * @param name             the output (the name of the node the graph returns)
 * @param shape            its shape
 * @param dtype            its dtype
 * @param maxAbsErr        {@code max |lowered - native|} over the elements where neither side is NaN
 * @param maxRelErr        {@code max |lowered - native| / |native|} over those where native is not 0 either
 * @param atol             the absolute tolerance applied
 * @param rtol             the relative tolerance applied
 * @param withinTolerance  whether every element has {@code |lowered - native| <= atol + rtol * |native|} (NaN
 *                         matching only NaN)
 * @param nanMismatches    how many elements are NaN on one side only
 * @param firstNanMismatch the index of the first of them (row-major), or {@code null} when there is none
 */
public record Comparison(String name, long[] shape, String dtype, double maxAbsErr, double maxRelErr, double atol,
        double rtol, boolean withinTolerance, long nanMismatches, long[] firstNanMismatch) {

    /**
     * What the NaN mismatches are, for a report: {@code "3 elements NaN on one side only, first at [0, 5]"}, or
     * empty when there are none.
     */
    public String nanSummary() {
        return nanMismatches == 0 ? "" : nanMismatches + (nanMismatches == 1 ? " element" : " elements")
                + " NaN on one side only, first at " + Arrays.toString(firstNanMismatch);
    }

    /** Compares {@code actual} (lowered) with {@code expected} (native) for the output called {@code name}. */
    public static Comparison of(String name, CpuTensor actual, CpuTensor expected, Tolerance tolerance) {
        if (!Arrays.equals(actual.sizes(), expected.sizes()) || actual.dtype() != expected.dtype()) {
            return new Comparison(name, actual.sizes(), actual.dtype().id(), Double.POSITIVE_INFINITY,
                    Double.POSITIVE_INFINITY, tolerance.atol(), tolerance.rtol(), false, 0, null);
        }
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        double maxAbs = 0;
        double maxRel = 0;
        boolean ok = true;
        long nans = 0;
        int firstNan = -1;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i]) != Double.isNaN(e[i])) {
                nans++;
                firstNan = firstNan < 0 ? i : firstNan;
                ok = false;
                continue;
            }
            double diff = Math.abs(a[i] - e[i]);
            if (Double.isNaN(diff)) {
                continue; // both NaN, or the same infinity
            }
            maxAbs = Math.max(maxAbs, diff);
            if (e[i] != 0) {
                maxRel = Math.max(maxRel, diff / Math.abs(e[i]));
            }
            ok &= tolerance.matches(a[i], e[i]);
        }
        return new Comparison(name, actual.sizes(), actual.dtype().id(), maxAbs, maxRel, tolerance.atol(),
                tolerance.rtol(), ok, nans, firstNan < 0 ? null : unravel(firstNan, actual.sizes()));
    }

    private static long[] unravel(long index, long[] shape) {
        long[] out = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            out[d] = shape[d] == 0 ? 0 : index % shape[d];
            index = shape[d] == 0 ? 0 : index / shape[d];
        }
        return out;
    }

    /** The tolerance for outputs of {@code dtype} of {@code graph} (see the class description). */
    public static Tolerance toleranceFor(Graph graph, OpRegistry ops, DType dtype) {
        if (!dtype.isFloatingPoint()) {
            return new Tolerance(0, 0);
        }
        double atol = 0;
        double rtol = 0;
        boolean any = false;
        for (Node n : graph.calls()) {
            if (n.target().namespace().equals(OpDef.NAMESPACE)) {
                var op = ops.find(n.target().name());
                if (op.isPresent()) {
                    Tolerance t = op.get().tolerance(dtype);
                    atol = Math.max(atol, t.atol());
                    rtol = Math.max(rtol, t.rtol());
                    any = true;
                }
            }
        }
        return any ? new Tolerance(atol, rtol) : Tolerance.defaultFor(dtype);
    }
}
