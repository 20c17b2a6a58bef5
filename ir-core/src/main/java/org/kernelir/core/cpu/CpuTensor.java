package org.kernelir.core.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.tensor.TensorBackend;

/**
 * A tensor whose data lives in CPU memory: a little-endian {@link MemorySegment} of elements of one
 * {@link DType}, viewed through a shape, strides (in elements) and an offset (in elements).
 *
 * <p>Calls on a {@code CpuTensor} compute at once ({@link #BACKEND}). Views share the segment with their base.
 * Memory is normally garbage collected: it is freed when no tensor refers to it. Inside an
 * {@link AllocationScope} (a pooled interpreter run), {@link #zeros} and {@link #empty} take blocks of the
 * scope's {@link TensorPool} instead, which go back to the pool when the run or its result says so.
 */
public final class CpuTensor implements Tensor {

    /** The eager backend: runs every call's CPU kernel immediately. */
    public static final TensorBackend BACKEND = CpuTensor::eagerCall;

    private final MemorySegment segment;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long offset;
    private TensorMeta meta;

    CpuTensor(MemorySegment segment, DType dtype, long[] shape, long[] strides, long offset) {
        this.segment = segment;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /**
     * A new contiguous tensor of zeros.
     *
     * <p>Storage is a {@code byte[]} on the Java heap (up to 2 GiB; larger tensors go to native memory). A small
     * one costs what any Java array costs, where a native arena costs tens of microseconds; a large one reuses
     * memory the heap has already committed, where fresh native memory pays a page fault for every page (on a
     * [8192 x 4096] f32 output: 24 ms against 60 ms, measured). {@link #zerosNative} always gives native memory,
     * which native code (ONNX Runtime, CUDA) can see.
     */
    public static CpuTensor zeros(DType dtype, long... shape) {
        long bytes = Math.max(1, numel(shape) * dtype.byteSize());
        AllocationScope scope = AllocationScope.current();
        if (scope != null) {
            MemorySegment seg = scope.allocate(bytes);
            seg.fill((byte) 0); // pooled blocks hold whatever their last tensor left
            return new CpuTensor(seg, dtype, shape.clone(), contiguousStrides(shape), 0);
        }
        if (bytes > HEAP_LIMIT_BYTES) {
            return zerosNative(dtype, shape);
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) bytes]);
        return new CpuTensor(seg, dtype, shape.clone(), contiguousStrides(shape), 0);
    }

    /**
     * A new contiguous tensor whose contents are unspecified, for code that writes every element before reading
     * any. Inside an {@link AllocationScope} it is a pooled native block, not cleared; elsewhere it is
     * {@link #zeros}.
     */
    public static CpuTensor empty(DType dtype, long... shape) {
        AllocationScope scope = AllocationScope.current();
        if (scope == null) {
            return zeros(dtype, shape);
        }
        MemorySegment seg = scope.allocate(Math.max(1, numel(shape) * dtype.byteSize()));
        return new CpuTensor(seg, dtype, shape.clone(), contiguousStrides(shape), 0);
    }

    /** Largest storage kept on the heap (the largest {@code byte[]}). */
    private static final long HEAP_LIMIT_BYTES = Integer.MAX_VALUE - 16;

    /** A new contiguous tensor of zeros in native memory (64-byte aligned), freed when unreachable. */
    public static CpuTensor zerosNative(DType dtype, long... shape) {
        long n = numel(shape);
        MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, n * dtype.byteSize()), 64);
        return new CpuTensor(seg, dtype, shape.clone(), contiguousStrides(shape), 0);
    }

    /** A contiguous tensor viewing an existing segment (no copy); the caller keeps the segment alive. */
    public static CpuTensor wrap(MemorySegment segment, DType dtype, long... shape) {
        if (segment.byteSize() < numel(shape) * dtype.byteSize()) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for "
                    + dtype + Arrays.toString(shape));
        }
        return new CpuTensor(segment, dtype, shape.clone(), contiguousStrides(shape), 0);
    }

    /**
     * A strided tensor viewing an existing segment (no copy): element {@code (i0, i1, ...)} is at element
     * {@code offset + i0*strides[0] + ...}. The caller keeps the segment alive; a device runtime that computes on
     * host-addressable memory views its blocks this way.
     */
    public static CpuTensor view(MemorySegment segment, DType dtype, long[] sizes, long[] strides, long offset) {
        if (sizes.length != strides.length) {
            throw new IllegalArgumentException("sizes " + Arrays.toString(sizes) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        return new CpuTensor(segment, dtype, sizes.clone(), strides.clone(), offset);
    }

    /** A tensor of {@code dtype} holding {@code values} (row-major, rounded to the dtype). */
    public static CpuTensor of(DType dtype, double[] values, long... shape) {
        CpuTensor t = zeros(dtype, shape);
        if (values.length != numel(shape)) {
            throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
        }
        for (int i = 0; i < values.length; i++) {
            Storage.store(t.segment, dtype, i, values[i]);
        }
        return t;
    }

    /** An f32 tensor holding {@code values}. */
    public static CpuTensor of(float[] values, long... shape) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return of(DType.F32, d, shape);
    }

    /** An integer tensor of {@code dtype} holding {@code values} exactly. */
    public static CpuTensor ofLongs(DType dtype, long[] values, long... shape) {
        CpuTensor t = zeros(dtype, shape);
        if (values.length != numel(shape)) {
            throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
        }
        for (int i = 0; i < values.length; i++) {
            Storage.storeLong(t.segment, dtype, i, values[i]);
        }
        return t;
    }

    /** A rank-0 tensor. */
    public static CpuTensor scalar(DType dtype, double value) {
        return of(dtype, new double[] {value});
    }

    @Override
    public TensorMeta meta() {
        TensorMeta m = meta;
        if (m == null) {
            List<Dim> s = new ArrayList<>(shape.length);
            List<Dim> st = new ArrayList<>(shape.length);
            for (int i = 0; i < shape.length; i++) {
                s.add(Dim.of(shape[i]));
                st.add(Dim.of(strides[i]));
            }
            m = new TensorMeta(dtype, s, st, Device.CPU);
            meta = m;
        }
        return m;
    }

    @Override
    public TensorBackend backend() {
        return BACKEND;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** The storage segment (shared with views). */
    public MemorySegment segment() {
        return segment;
    }

    /** Offset of the first element in the segment, in elements. */
    public long offset() {
        return offset;
    }

    /** Sizes as {@code long}s. */
    public long[] sizes() {
        return shape.clone();
    }

    /** Strides in elements. */
    public long[] strides() {
        return strides.clone();
    }

    /** Size of dimension {@code d} as a {@code long}. */
    public long sizeAt(int d) {
        return shape[d < 0 ? d + shape.length : d];
    }

    /** Stride of dimension {@code d} in elements. */
    public long strideAt(int d) {
        return strides[d < 0 ? d + shape.length : d];
    }

    /** Number of elements. */
    public long numel() {
        return numel(shape);
    }

    /** Whether the elements are laid out row-major without gaps. */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** The element at a multi-index, as a double. */
    public double get(long... index) {
        return Storage.load(segment, dtype, storageIndex(index));
    }

    /** Sets the element at a multi-index (rounded to the dtype). */
    public void set(double value, long... index) {
        Storage.store(segment, dtype, storageIndex(index), value);
    }

    private long storageIndex(long[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " for rank " + shape.length);
        }
        long i = offset;
        for (int d = 0; d < index.length; d++) {
            Objects.checkIndex(index[d], shape[d]);
            i += index[d] * strides[d];
        }
        return i;
    }

    /** All elements in row-major order, as doubles. */
    public double[] toDoubleArray() {
        return CpuKernels.gather(this, shape);
    }

    /** All elements in row-major order, as floats. */
    public float[] toFloatArray() {
        double[] d = toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** All elements of an integer tensor in row-major order, exactly. */
    public long[] toLongArray() {
        return CpuKernels.gatherLong(this);
    }

    @Override
    public String toString() {
        return "CpuTensor" + meta();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative size in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long running = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = running;
            running *= shape[i];
        }
        return st;
    }

    CpuTensor view(long[] newShape, long[] newStrides, long newOffset) {
        return new CpuTensor(segment, dtype, newShape, newStrides, newOffset);
    }

    /** Runs a kernel eagerly: binds the schema, evaluates sizes, checks every tensor is a CPU tensor. */
    private static Object eagerCall(KernelDef kernel, List<Object> args) {
        KernelBody body = CpuPrims.require(kernel);
        List<Object> normalized = new ArrayList<>(args.size());
        for (Object a : args) {
            normalized.add(normalizeEager(kernel, a));
        }
        List<Object> bound = kernel.schema().bind(kernel.target().toString(), normalized);
        Object result = body.run(bound);
        if (kernel.device() != null) {
            checkEager(kernel, bound, result);
        }
        return result;
    }

    /**
     * Holds a provider's kernel op to the metadata its meta function gives for the call's arguments (dtype and
     * sizes), as the interpreter does for graph nodes: a lying kernel fails at its call, naming its provider.
     */
    private static void checkEager(KernelDef kernel, List<Object> bound, Object result) {
        NodeMeta declared;
        try {
            List<Object> metas = new ArrayList<>(bound.size());
            for (Object a : bound) {
                metas.add(metaOf(a));
            }
            declared = kernel.meta().infer(metas);
        } catch (RuntimeException e) {
            return; // the schema accepted the call; a meta function that cannot say is not the kernel's lie
        }
        List<TensorMeta> expected = switch (declared) {
            case TensorMeta m -> List.of(m);
            case TupleMeta t -> t.elements();
            case null, default -> List.of();
        };
        List<?> got = declared instanceof TupleMeta && result instanceof List<?> l ? l
                : java.util.Collections.singletonList(result);
        if (got.size() != expected.size()) {
            throw lie(kernel, "returned " + got.size() + " values where its metadata declares " + declared);
        }
        for (int i = 0; i < expected.size(); i++) {
            TensorMeta m = expected.get(i);
            if (got.get(i) == null) {
                continue;
            }
            if (!(got.get(i) instanceof CpuTensor t)) {
                throw lie(kernel, "returned " + got.get(i) + " where its metadata declares the CPU tensor " + m);
            }
            boolean same = t.dtype == m.dtype() && t.shape.length == m.rank();
            for (int d = 0; same && d < t.shape.length; d++) {
                same = m.shape().get(d).isConstant() && m.shape().get(d).constant() == t.shape[d];
            }
            if (!same) {
                throw lie(kernel, "returned " + t.meta() + " where its metadata declares " + m);
            }
        }
    }

    private static Object metaOf(Object a) {
        return switch (a) {
            case CpuTensor t -> t.meta();
            case List<?> l when l.stream().anyMatch(x -> x instanceof CpuTensor) -> l.stream().map(CpuTensor::metaOf)
                    .toList();
            case null, default -> a;
        };
    }

    private static IllegalStateException lie(KernelDef kernel, String problem) {
        String provider = kernel.target().namespace();
        return new IllegalStateException("kernel op " + kernel.target() + " of provider " + provider + " " + problem
                + "; its output contradicts the metadata it declared: fix provider " + provider + "'s kernel or its "
                + "meta function, or use another provider for this op");
    }

    private static Object normalizeEager(KernelDef kernel, Object a) {
        return switch (a) {
            case null -> null;
            case CpuTensor t -> t;
            case Tensor t -> throw new IllegalArgumentException(kernel.target() + " was given " + t
                    + ", which is not a CPU tensor; eager calls take CpuTensors only (a traced tensor cannot be "
                    + "mixed with real data: pass constants as Java scalars)");
            case List<?> l when l.stream().anyMatch(x -> x instanceof Tensor) -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object x : l) {
                    out.add(normalizeEager(kernel, x));
                }
                yield out;
            }
            case Dim d when !d.isConstant() -> throw new IllegalArgumentException(kernel.target()
                    + ": symbolic size " + d + " in an eager call");
            default -> Literals.normalize(a);
        };
    }
}
