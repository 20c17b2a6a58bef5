package org.kernelir.core.device;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.StoredTensor;

/**
 * A tensor whose storage is a {@link DeviceBuffer} of a device other than the CPU (CPU tensors are
 * {@code org.kernelir.core.cpu.CpuTensor}s over a {@code MemorySegment}, with no wrapper). It is what the kernels of
 * a device runtime take and return: element {@code (i0, i1, ...)} is at element offset
 * {@code offset + i0*strides[0] + i1*strides[1] + ...} of the buffer. Views (reshape, permute, narrow) share the
 * buffer of the tensor they view; the executor frees a buffer once no live value uses it.
 */
public final class DeviceTensor implements StoredTensor {

    private final DeviceBuffer buffer;
    private final DType dtype;
    private final long[] sizes;
    private final long[] strides;
    private final long offset;
    private TensorMeta meta;

    /**
     * A tensor over {@code buffer}.
     *
     * @param offset in elements from the buffer's start
     * @throws IllegalArgumentException when the ranks differ or the tensor reaches beyond the buffer
     */
    public DeviceTensor(DeviceBuffer buffer, DType dtype, long[] sizes, long[] strides, long offset) {
        this.buffer = Objects.requireNonNull(buffer, "buffer");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.sizes = sizes.clone();
        this.strides = strides.clone();
        this.offset = offset;
        if (sizes.length != strides.length) {
            throw new IllegalArgumentException("sizes " + Arrays.toString(sizes) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        long last = offset;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == 0) {
                last = offset;
                break;
            }
            last += (sizes[i] - 1) * strides[i];
        }
        if (offset < 0 || (last + 1) * dtype.byteSize() > Math.max(buffer.byteSize(), dtype.byteSize())) {
            throw new IllegalArgumentException("a " + dtype + Arrays.toString(sizes) + " tensor at element offset "
                    + offset + " does not fit in a buffer of " + buffer.byteSize() + " bytes on " + buffer.device());
        }
    }

    /** A contiguous tensor filling the start of {@code buffer}. */
    public static DeviceTensor contiguous(DeviceBuffer buffer, DType dtype, long... sizes) {
        return new DeviceTensor(buffer, dtype, sizes, contiguousStrides(sizes), 0);
    }

    /** Row-major strides for {@code sizes}. */
    public static long[] contiguousStrides(long[] sizes) {
        long[] st = new long[sizes.length];
        long running = 1;
        for (int i = sizes.length - 1; i >= 0; i--) {
            st[i] = running;
            running *= sizes[i];
        }
        return st;
    }

    public DeviceBuffer buffer() {
        return buffer;
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the sizes. */
    public long[] sizes() {
        return sizes.clone();
    }

    /** A copy of the strides, in elements. */
    public long[] strides() {
        return strides.clone();
    }

    /** The offset of the first element, in elements from the buffer's start. */
    public long offset() {
        return offset;
    }

    public long numel() {
        long n = 1;
        for (long s : sizes) {
            n *= s;
        }
        return n;
    }

    /** Bytes of its elements ({@code numel * dtype size}). */
    public long byteSize() {
        return numel() * dtype.byteSize();
    }

    /** Whether its elements are the row-major run starting at {@link #offset()}. */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = sizes.length - 1; i >= 0; i--) {
            if (sizes[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= sizes[i];
        }
        return true;
    }

    /** Its metadata, with the buffer's device. */
    @Override
    public TensorMeta meta() {
        TensorMeta m = meta;
        if (m == null) {
            List<Dim> s = new ArrayList<>(sizes.length);
            List<Dim> st = new ArrayList<>(sizes.length);
            for (int i = 0; i < sizes.length; i++) {
                s.add(Dim.of(sizes[i]));
                st.add(Dim.of(strides[i]));
            }
            m = new TensorMeta(dtype, s, st, buffer.device());
            meta = m;
        }
        return m;
    }

    @Override
    public String toString() {
        return "DeviceTensor" + meta();
    }
}
