package org.kernelir.core.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;

/**
 * The tensor API that implementation authors write against.
 *
 * <p>The same code runs in two worlds: on {@link CpuTensor}s every call computes at once; on traced tensors
 * every call appends a node (with its metadata) to the graph being traced. An implementation therefore never
 * looks at data to decide what to do, only at metadata ({@link #meta()}), and it passes constants as Java
 * scalars, which become literals in a traced graph.
 *
 * <h2>Dtypes</h2>
 * Binary operations compute in {@link DType#promote(DType, DType)} of their tensor operands; a Java scalar
 * never changes a floating tensor's dtype ({@code x_f16.mul(2.0)} is {@code f16}), while a {@code double}
 * scalar with an integer or bool tensor gives {@code f32}. Floating results are computed in at least f32
 * precision and rounded once to the result dtype (round to nearest even; saturating for fp8). Unary math
 * ({@code exp}, {@code erf}, ...) on integer tensors gives {@code f32}. Comparisons give {@code bool}.
 * Reductions keep the dtype, except {@code sum} of integers or bools, which gives {@code i64}.
 *
 * <h2>Shapes</h2>
 * Elementwise operations broadcast as NumPy does: shapes align at the right, and a dimension of size 1
 * stretches. Negative dimension indices count from the end. Views ({@code reshape} of a contiguous tensor,
 * {@code narrow}, {@code permute}, {@code transpose}, {@code expand}) share storage with their base, so an
 * in-place {@link #copy_(Tensor)} into a view writes into the base.
 */
public interface Tensor {

    /** Dtype, shape, strides and device. */
    TensorMeta meta();

    /** Where this tensor's calls go (eager computation or tracing). */
    TensorBackend backend();

    default DType dtype() {
        return meta().dtype();
    }

    default List<Dim> shape() {
        return meta().shape();
    }

    /** Size of dimension {@code d} (negative counts from the end). */
    default Dim size(int d) {
        return meta().size(d);
    }

    default int rank() {
        return meta().rank();
    }

    /** Calls a kernel (a primitive or a provider's kernel op) on this tensor's backend. */
    default Tensor call(KernelDef kernel, Object... args) {
        return (Tensor) backend().call(kernel, Arrays.asList(args));
    }

    /** Calls a kernel that returns several tensors. */
    @SuppressWarnings("unchecked")
    default List<Tensor> callMulti(KernelDef kernel, Object... args) {
        return (List<Tensor>) backend().call(kernel, Arrays.asList(args));
    }

    // ---- elementwise arithmetic -------------------------------------------------------------------------

    default Tensor add(Tensor o) { return call(Prims.ADD, this, o); }

    default Tensor add(double s) { return call(Prims.ADD, this, s); }

    default Tensor sub(Tensor o) { return call(Prims.SUB, this, o); }

    default Tensor sub(double s) { return call(Prims.SUB, this, s); }

    /** {@code s - this}. */
    default Tensor rsub(double s) { return call(Prims.SUB, s, this); }

    default Tensor mul(Tensor o) { return call(Prims.MUL, this, o); }

    default Tensor mul(double s) { return call(Prims.MUL, this, s); }

    default Tensor div(Tensor o) { return call(Prims.DIV, this, o); }

    default Tensor div(double s) { return call(Prims.DIV, this, s); }

    /** {@code s / this}. */
    default Tensor rdiv(double s) { return call(Prims.DIV, s, this); }

    default Tensor pow(double exponent) { return call(Prims.POW, this, exponent); }

    default Tensor pow(Tensor exponent) { return call(Prims.POW, this, exponent); }

    /** {@code base ^ this}. */
    default Tensor rpow(double base) { return call(Prims.POW, base, this); }

    default Tensor maximum(Tensor o) { return call(Prims.MAXIMUM, this, o); }

    default Tensor maximum(double s) { return call(Prims.MAXIMUM, this, s); }

    default Tensor minimum(Tensor o) { return call(Prims.MINIMUM, this, o); }

    default Tensor minimum(double s) { return call(Prims.MINIMUM, this, s); }

    /** Limits every element to {@code [min, max]}; a {@code null} bound is open. */
    default Tensor clamp(Double min, Double max) { return call(Prims.CLAMP, this, min, max); }

    // ---- unary math ---------------------------------------------------------------------------------------

    default Tensor exp() { return call(Prims.EXP, this); }

    default Tensor log() { return call(Prims.LOG, this); }

    default Tensor log2() { return call(Prims.LOG2, this); }

    default Tensor sqrt() { return call(Prims.SQRT, this); }

    default Tensor rsqrt() { return call(Prims.RSQRT, this); }

    default Tensor sigmoid() { return call(Prims.SIGMOID, this); }

    default Tensor tanh() { return call(Prims.TANH, this); }

    default Tensor erf() { return call(Prims.ERF, this); }

    /** {@code 1 - erf(x)}, keeping its relative accuracy where it is tiny. */
    default Tensor erfc() { return call(Prims.ERFC, this); }

    default Tensor abs() { return call(Prims.ABS, this); }

    default Tensor neg() { return call(Prims.NEG, this); }

    default Tensor ceil() { return call(Prims.CEIL, this); }

    default Tensor floor() { return call(Prims.FLOOR, this); }

    // ---- comparisons and selection ------------------------------------------------------------------------

    default Tensor eq(Tensor o) { return call(Prims.EQ, this, o); }

    default Tensor eq(double s) { return call(Prims.EQ, this, s); }

    default Tensor ne(Tensor o) { return call(Prims.NE, this, o); }

    default Tensor lt(Tensor o) { return call(Prims.LT, this, o); }

    default Tensor lt(double s) { return call(Prims.LT, this, s); }

    default Tensor le(Tensor o) { return call(Prims.LE, this, o); }

    default Tensor le(double s) { return call(Prims.LE, this, s); }

    default Tensor gt(Tensor o) { return call(Prims.GT, this, o); }

    default Tensor gt(double s) { return call(Prims.GT, this, s); }

    default Tensor ge(Tensor o) { return call(Prims.GE, this, o); }

    default Tensor ge(double s) { return call(Prims.GE, this, s); }

    /** Elementwise {@code this ? a : b}; this tensor must be {@code bool}. */
    default Tensor where(Tensor a, Tensor b) { return call(Prims.WHERE, this, a, b); }

    /** Elementwise {@code this ? a : b} with scalars. */
    default Tensor where(double a, double b) { return call(Prims.WHERE, this, a, b); }

    /** Elementwise {@code this ? a : b}, {@code b} a scalar. */
    default Tensor where(Tensor a, double b) { return call(Prims.WHERE, this, a, b); }

    // ---- dtype ------------------------------------------------------------------------------------------

    /** This tensor converted to {@code dtype} (see {@link DType} for the conversion rules); a no-op if equal. */
    default Tensor to(DType dtype) { return dtype == dtype() ? this : call(Prims.CAST, this, dtype); }

    // ---- reductions -------------------------------------------------------------------------------------

    default Tensor sum(int dim, boolean keepdim) { return sum(new int[] {dim}, keepdim); }

    default Tensor sum(int[] dims, boolean keepdim) { return call(Prims.SUM, this, dims, keepdim); }

    default Tensor mean(int dim, boolean keepdim) { return mean(new int[] {dim}, keepdim); }

    default Tensor mean(int[] dims, boolean keepdim) { return call(Prims.MEAN, this, dims, keepdim); }

    default Tensor amax(int dim, boolean keepdim) { return amax(new int[] {dim}, keepdim); }

    default Tensor amax(int[] dims, boolean keepdim) { return call(Prims.AMAX, this, dims, keepdim); }

    /** Maximum over all elements, as a rank-0 tensor. */
    default Tensor amaxAll() {
        int[] all = new int[rank()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return amax(all, false);
    }

    // ---- linear algebra ---------------------------------------------------------------------------------

    /** Matrix product over the last two dimensions, broadcasting the leading (batch) dimensions. */
    default Tensor matmul(Tensor o) { return call(Prims.MATMUL, this, o); }

    // ---- shape ------------------------------------------------------------------------------------------

    /**
     * The same elements in another shape; sizes are {@code Long}s, {@code Integer}s or {@link Dim}s, and one
     * may be {@code -1} (inferred). A view when this tensor is contiguous, a copy otherwise.
     */
    default Tensor reshape(Object... sizes) { return call(Prims.RESHAPE, this, Arrays.asList(sizes)); }

    /** Alias of {@link #reshape(Object...)}. */
    default Tensor view(Object... sizes) { return reshape(sizes); }

    /** A view with the dimensions reordered: result dimension i is this tensor's dimension {@code dims[i]}. */
    default Tensor permute(int... dims) { return call(Prims.PERMUTE, this, dims); }

    /** A view with two dimensions swapped. */
    default Tensor transpose(int a, int b) {
        int[] dims = new int[rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i;
        }
        int na = meta().normalizeDim(a);
        int nb = meta().normalizeDim(b);
        dims[na] = nb;
        dims[nb] = na;
        return permute(dims);
    }

    /** A view of {@code length} elements of dimension {@code dim} starting at {@code start}. */
    default Tensor narrow(int dim, long start, long length) { return call(Prims.NARROW, this, dim, start, length); }

    /** A view of {@code length} (possibly symbolic) elements of {@code dim} starting at {@code start}. */
    default Tensor narrow(int dim, long start, Dim length) { return call(Prims.NARROW, this, dim, start, length); }

    /**
     * Elements {@code [start, end)} of {@code dim}; {@code end} past the size is clamped, so
     * {@code slice(d, k, Long.MAX_VALUE)} takes everything from {@code k}.
     */
    default Tensor slice(int dim, long start, long end) {
        Dim size = size(dim);
        if (size.isConstant()) {
            long e = Math.min(end, size.constant());
            return narrow(dim, start, Math.max(0, e - start));
        }
        if (end != Long.MAX_VALUE) {
            return narrow(dim, start, end - start);
        }
        return narrow(dim, start, size.plus(-start));
    }

    /** Splits {@code dim} into {@code chunks} equal parts (its size must divide evenly). */
    default List<Tensor> chunk(int chunks, int dim) {
        Dim size = size(dim);
        Dim part = size.exactDivide(Dim.of(chunks)).orElseThrow(() -> new IllegalArgumentException(
                "cannot chunk dimension " + dim + " of size " + size + " of " + meta() + " into " + chunks
                        + " equal parts"));
        List<Tensor> out = new ArrayList<>(chunks);
        for (int i = 0; i < chunks; i++) {
            if (part.isConstant()) {
                out.add(narrow(dim, i * part.constant(), part.constant()));
            } else if (i == 0) {
                out.add(narrow(dim, 0, part));
            } else {
                throw new IllegalArgumentException("chunk of a symbolic dimension " + size + " beyond the first part");
            }
        }
        return out;
    }

    /** Splits {@code dim} into parts of the given constant sizes, which must add up to its size. */
    default List<Tensor> split(long[] sizes, int dim) {
        List<Tensor> out = new ArrayList<>(sizes.length);
        long start = 0;
        for (long s : sizes) {
            out.add(narrow(dim, start, s));
            start += s;
        }
        if (!size(dim).equals(Dim.of(start))) {
            throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " add up to " + start
                    + ", not to the size " + size(dim) + " of dimension " + dim + " of " + meta());
        }
        return out;
    }

    /** A view broadcast to {@code sizes} ({@code -1} keeps a dimension). */
    default Tensor expand(Object... sizes) { return call(Prims.EXPAND, this, Arrays.asList(sizes)); }

    /** Joins tensors along {@code dim}; all other dimensions must agree. */
    static Tensor cat(List<? extends Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("cat needs at least one tensor");
        }
        return (Tensor) tensors.getFirst().backend().call(Prims.CAT, Arrays.asList(List.copyOf(tensors), dim));
    }

    /** Picks slices of {@code dim} by an integer index tensor (for example rows of an embedding table). */
    default Tensor indexSelect(int dim, Tensor index) { return call(Prims.INDEX_SELECT, this, dim, index); }

    // ---- creation ---------------------------------------------------------------------------------------

    /** A new tensor of {@code shape} filled with {@code value}, on this tensor's backend and device. */
    default Tensor newFull(List<?> shape, double value, DType dtype) {
        return call(Prims.FULL, shape, value, dtype, meta().device().toString());
    }

    default Tensor newZeros(List<?> shape, DType dtype) { return newFull(shape, 0.0, dtype); }

    /** Zeros of this tensor's shape and dtype. */
    default Tensor zerosLike() { return newFull(shape(), 0.0, dtype()); }

    /** A tensor of this tensor's shape and dtype whose contents are unspecified (zeros on the CPU). */
    default Tensor emptyLike() { return zerosLike(); }

    /** {@code [0, 1, ..., end-1]} as {@code i64}. */
    default Tensor newArange(Object end) { return call(Prims.ARANGE, end, DType.I64, meta().device().toString()); }

    // ---- copies -----------------------------------------------------------------------------------------

    /** A contiguous copy that shares nothing with this tensor. */
    default Tensor cloneTensor() { return call(Prims.CLONE, this); }

    /** This tensor if contiguous, else a contiguous copy. */
    default Tensor contiguous() { return meta().isContiguous() ? this : cloneTensor(); }

    /**
     * Writes {@code src} (broadcast and converted to this dtype) into this tensor's storage, in place.
     *
     * @return the tensor that holds the result; when tracing, later code must use it instead of {@code this}
     */
    default Tensor copy_(Tensor src) { return call(Prims.COPY_, this, src); }
}
