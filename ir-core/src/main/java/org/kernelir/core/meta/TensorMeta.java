package org.kernelir.core.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.shape.Dim;

/**
 * What is known about a tensor without its data: dtype, shape, strides (in elements) and device.
 *
 * <p>Dimensions and strides are {@link Dim}s, so a shape may be symbolic ({@code [s0, 4096]}). This is the
 * metadata that graph nodes carry, that {@code supports(args)} checks look at, and that the replacement cache
 * keys on.
 *
 * @param dtype   element type
 * @param shape   sizes, outermost first
 * @param strides distance in elements between neighbours along each dimension
 * @param device  where the storage lives
 */
public record TensorMeta(DType dtype, List<Dim> shape, List<Dim> strides, Device device) implements NodeMeta {

    public TensorMeta {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
        shape = List.copyOf(shape);
        strides = List.copyOf(strides);
        if (shape.size() != strides.size()) {
            throw new IllegalArgumentException("shape " + shape + " and strides " + strides + " differ in rank");
        }
    }

    /** A contiguous (row-major) CPU tensor of the given dtype and shape. */
    public static TensorMeta of(DType dtype, List<Dim> shape) {
        return new TensorMeta(dtype, shape, contiguousStrides(shape), Device.CPU);
    }

    /** A contiguous CPU tensor with constant sizes. */
    public static TensorMeta of(DType dtype, long... shape) {
        List<Dim> dims = new ArrayList<>(shape.length);
        for (long s : shape) {
            dims.add(Dim.of(s));
        }
        return of(dtype, dims);
    }

    /** Row-major strides for {@code shape}. */
    public static List<Dim> contiguousStrides(List<Dim> shape) {
        Dim[] strides = new Dim[shape.size()];
        Dim running = Dim.ONE;
        for (int i = shape.size() - 1; i >= 0; i--) {
            strides[i] = running;
            running = running.times(shape.get(i));
        }
        return List.of(strides);
    }

    public int rank() {
        return shape.size();
    }

    /** The size of dimension {@code d}; negative {@code d} counts from the end. */
    public Dim size(int d) {
        return shape.get(normalizeDim(d));
    }

    /** The stride of dimension {@code d}; negative {@code d} counts from the end. */
    public Dim stride(int d) {
        return strides.get(normalizeDim(d));
    }

    /** Number of elements, possibly symbolic. */
    public Dim numel() {
        Dim n = Dim.ONE;
        for (Dim d : shape) {
            n = n.times(d);
        }
        return n;
    }

    /** Whether the strides are the row-major strides of the shape (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        // Innermost first, multiplying only while an outer dimension is left to check: dispatch asks this of
        // every argument, and the product of all sizes (s0*4096*...) is never needed.
        Dim expected = Dim.ONE;
        for (int i = shape.size() - 1; i >= 0; i--) {
            Dim size = shape.get(i);
            if (!size.equals(Dim.ONE) && !strides.get(i).equals(expected)) {
                return false;
            }
            if (i > 0) {
                expected = expected.times(size);
            }
        }
        return true;
    }

    /** Whether the last dimension has stride 1 (or the tensor has rank 0). */
    public boolean isLastDimContiguous() {
        return shape.isEmpty() || strides.getLast().equals(Dim.ONE) || shape.getLast().equals(Dim.ONE);
    }

    /** The same shape, contiguous, with another dtype. */
    public TensorMeta withDtype(DType newDtype) {
        return new TensorMeta(newDtype, shape, contiguousStrides(shape), device);
    }

    /** A contiguous tensor of this dtype and device with another shape. */
    public TensorMeta withShape(List<Dim> newShape) {
        return new TensorMeta(dtype, newShape, contiguousStrides(newShape), device);
    }

    /** This metadata made contiguous. */
    public TensorMeta contiguous() {
        return isContiguous() ? this : withShape(shape);
    }

    /** Converts {@code d} in {@code [-rank, rank)} to {@code [0, rank)}. */
    public int normalizeDim(int d) {
        int r = shape.size();
        int n = d < 0 ? d + r : d;
        if (n < 0 || n >= Math.max(r, 1)) {
            throw new IndexOutOfBoundsException("dimension " + d + " out of range for rank " + r + " tensor " + this);
        }
        return n;
    }

    /** Prints as {@code f32[s0, 4096]}, adding strides when not contiguous and the device when not the CPU. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype.id()).append('[')
                .append(shape.stream().map(Dim::toString).collect(Collectors.joining(", "))).append(']');
        if (!isContiguous()) {
            sb.append("{strides=").append(strides.stream().map(Dim::toString).collect(Collectors.joining(", ")))
                    .append('}');
        }
        if (!device.equals(Device.CPU)) {
            sb.append('@').append(device);
        }
        return sb.toString();
    }
}
