package org.kernelir.core.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.SampleInput;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.op.Tolerance;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Tensor;

/**
 * Compares an implementation with its op's native implementation on every input the op's generator yields,
 * within the op's per-dtype tolerances. {@code kir verify} and the provider authors' testkit run this.
 *
 * <p>Each sample runs on fresh copies of its inputs. In-place implementations are compared through the
 * functional overload (activations cloned first); functional ones must leave their inputs untouched.
 */
public final class Conformance {

    private Conformance() {
    }

    /**
     * Runs every sample of {@code impl}'s op. An in-place implementation with a functional form is checked in
     * both forms; the functional form's samples are described with a {@code " (functional form)"} suffix.
     */
    public static <F> ConformanceResult check(Implementation<F> impl) {
        OpDef<F> op = impl.op();
        List<SampleResult> results = new ArrayList<>();
        for (SampleInput sample : op.sampleInputs()) {
            results.add(checkOne(impl.ownForm(), sample, ""));
        }
        if (impl.functionalForm().isPresent()) {
            for (SampleInput sample : op.sampleInputs()) {
                results.add(checkOne(impl.functionalForm().get(), sample, " (functional form)"));
            }
        }
        return new ConformanceResult(op.name(), impl.provider(), results);
    }

    private static <F> SampleResult checkOne(Implementation<F> impl, SampleInput original, String form) {
        SampleInput sample = form.isEmpty() ? original
                : new SampleInput(original.description() + form, original.args(), original.rows());
        OpDef<F> op = impl.op();
        String where = "op " + op.name() + ", provider " + impl.provider() + ", sample " + sample.description();
        CallArgs nativeArgs = bind(op, sample.args());
        CallArgs implArgs = bind(op, copies(sample.args()));
        try {
            if (!impl.supportsRule().test(implArgs)) {
                return new SampleResult(sample.description(), SampleResult.Status.UNSUPPORTED, "");
            }
        } catch (RuntimeException e) {
            return new SampleResult(sample.description(), SampleResult.Status.ERROR, where + ": supports() threw " + e);
        }
        List<Tensor> expected = results(op.invoker().invoke(op.nativeImpl(), nativeArgs));
        List<Tensor> actual;
        List<Object> before = copies(implArgs.values());
        try {
            CallArgs a = implArgs;
            if (impl.isInplace()) {
                Object[] v = a.values().toArray();
                for (int i : op.activations()) {
                    if (v[i] instanceof Tensor t) {
                        v[i] = t.cloneTensor();
                    }
                }
                a = new CallArgs(Arrays.asList(v));
            }
            actual = results(op.invoker().invoke(impl.fn(), a));
        } catch (RuntimeException e) {
            return new SampleResult(sample.description(), SampleResult.Status.ERROR, where + ": threw " + e);
        }
        for (int i = 0; i < before.size(); i++) {
            if (before.get(i) instanceof CpuTensor b && !Arrays.equals(b.toDoubleArray(),
                    ((CpuTensor) implArgs.value(i)).toDoubleArray())) {
                return new SampleResult(sample.description(), SampleResult.Status.FAILED, where + ": modified its input "
                        + op.schema().params().get(i).name() + " although called through the functional overload");
            }
        }
        if (actual.size() != expected.size()) {
            return new SampleResult(sample.description(), SampleResult.Status.FAILED, where + ": returned "
                    + actual.size() + " results, native " + expected.size());
        }
        for (int k = 0; k < expected.size(); k++) {
            String problem = compare(op, (CpuTensor) actual.get(k), (CpuTensor) expected.get(k), sample);
            if (problem != null) {
                return new SampleResult(sample.description(), SampleResult.Status.FAILED, where + ": output " + k
                        + " " + problem);
            }
        }
        return new SampleResult(sample.description(), SampleResult.Status.PASSED, "");
    }

    /**
     * Compares one result with native's; {@code null} when they match, else a message that names the worst
     * element, its row (with what the sample's row holds, for edge samples), and how many elements differ.
     */
    static String compare(OpDef<?> op, CpuTensor actual, CpuTensor expected, SampleInput sample) {
        if (expected == null || actual == null) {
            return expected == actual ? null : "is " + (actual == null ? "None" : actual.meta()) + " but native gives "
                    + (expected == null ? "None" : expected.meta());
        }
        if (actual.dtype() != expected.dtype() || !Arrays.equals(actual.sizes(), expected.sizes())) {
            return "is " + actual.meta() + " but native gives " + expected.meta();
        }
        boolean sameLayout = (actual.isContiguous() && expected.isContiguous())
                || Arrays.equals(actual.strides(), expected.strides());
        if (!sameLayout) {
            return "has strides " + Arrays.toString(actual.strides()) + " but native's are "
                    + Arrays.toString(expected.strides()) + " (" + expected.meta() + ")";
        }
        DType dt = expected.dtype();
        Tolerance tol = op.tolerance(dt);
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        int worst = -1;
        double worstExcess = 0;
        long mismatches = 0;
        for (int i = 0; i < e.length; i++) {
            if (!tol.matches(a[i], e[i])) {
                mismatches++;
                double excess = Double.isNaN(a[i] - e[i]) ? Double.POSITIVE_INFINITY
                        : Math.abs(a[i] - e[i]) - (tol.atol() + tol.rtol() * Math.abs(e[i]));
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (worst < 0) {
            return null;
        }
        long[] at = unravel(worst, expected.sizes());
        String row = at.length >= 2 && !sample.rows().isEmpty() ? "row " + at[0] + sample.rowLabel(at[0]) + ", " : "";
        String diff = Double.isNaN(a[worst] - e[worst]) ? "" : " (|diff| " + Math.abs(a[worst] - e[worst])
                + " > atol " + tol.atol() + " + rtol " + tol.rtol() + " * |expected|)";
        return "(" + expected.meta() + ") " + row + "element " + Arrays.toString(at) + " = " + a[worst]
                + " but native gives " + e[worst] + diff + "; " + mismatches + " of " + e.length + " elements differ";
    }

    private static long[] unravel(long index, long[] shape) {
        long[] out = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            out[d] = shape[d] == 0 ? 0 : index % shape[d];
            index = shape[d] == 0 ? 0 : index / shape[d];
        }
        return out;
    }

    private static List<Tensor> results(Object r) {
        return switch (r) {
            case Tensor t -> List.of(t);
            case TensorPair p -> p.toList();
            default -> throw new IllegalStateException("an implementation returned " + r);
        };
    }

    private static CallArgs bind(OpDef<?> op, List<Object> args) {
        List<Object> values = new ArrayList<>();
        for (Object v : args) {
            values.add(v instanceof Tensor ? v : Literals.normalize(v));
        }
        return new CallArgs(op.schema().bind("op " + op.name(), values));
    }

    private static List<Object> copies(List<Object> args) {
        List<Object> out = new ArrayList<>(args.size());
        for (Object v : args) {
            out.add(v instanceof Tensor t ? t.cloneTensor() : v);
        }
        return out;
    }
}
