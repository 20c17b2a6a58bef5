package org.kernelir.providers.cuda.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.kernelir.providers.cuda.driver.CudaDriver;
import org.kernelir.providers.cuda.driver.CudaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cuda:N} device runtime: the device's primary context, the kernel module loaded from the fatbin, one
 * stream on which everything is ordered, a {@link CachingAllocator}, and pinned staging buffers for host copies.
 *
 * <p><b>Threads.</b> A CUDA context is current per OS thread. Every call here runs on a platform thread with the
 * context set (set once per thread and remembered); a call from a virtual thread is handed to this device's own
 * platform thread, since a virtual thread may move between carrier threads between two driver calls.
 *
 * <p><b>Synchronization.</b> Kernel launches, allocations, device-side copies and host-to-device copies are
 * queued on the stream and return at once; only {@link #copyToHost} (a result leaving the device) and
 * {@link #synchronize} wait.
 */
public final class CudaDevice implements DeviceMemoryRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
    /** Bytes of each of the two pinned staging buffers; larger copies go through them in pieces. */
    static final long STAGING_BYTES = 8L << 20;
    /** The dynamic shared memory the row-staging kernels may use: rows of up to 16384 f32 values. */
    public static final int MAX_ROW_SMEM = 64 * 1024;

    private final CudaDriver driver;
    private final int ordinal;
    private final int handle;
    private final MemorySegment context;
    private final MemorySegment module;
    private final MemorySegment stream;
    private final CachingAllocator allocator;
    private final Map<String, MemorySegment> functions = new ConcurrentHashMap<>();
    private final ThreadLocal<Boolean> contextSet = ThreadLocal.withInitial(() -> false);
    private final ExecutorService platform;
    private final MemorySegment[] staging = new MemorySegment[2];
    private final MemorySegment[] stagingDone = new MemorySegment[2];
    private final int multiprocessors;
    private final String name;
    private int nextStaging;
    private boolean closed;

    private CudaDevice(CudaDriver driver, int ordinal, byte[] fatbin) {
        this.driver = driver;
        this.ordinal = ordinal;
        this.platform = Executors.newSingleThreadExecutor(r -> {
            Thread t = Thread.ofPlatform().daemon().name("kir-cuda-" + ordinal).unstarted(r);
            return t;
        });
        driver.init();
        this.handle = driver.device(ordinal);
        this.name = driver.deviceName(handle);
        this.multiprocessors = driver.deviceAttribute(16, handle);
        this.context = driver.primaryCtxRetain(handle);
        driver.ctxSetCurrent(context);
        contextSet.set(true);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment image = a.allocate(fatbin.length, 16);
            MemorySegment.copy(MemorySegment.ofArray(fatbin), 0, image, 0, fatbin.length);
            this.module = driver.moduleLoadData(image);
        }
        this.stream = driver.streamCreate(1);
        this.allocator = new CachingAllocator(new CachingAllocator.Raw() {
            @Override
            public long allocate(long bytes) {
                try {
                    return driver.memAlloc(bytes);
                } catch (CudaException e) {
                    if (e.code() == 2) {
                        throw new CachingAllocator.OutOfMemory("cuda:" + ordinal + " is out of memory for "
                                + bytes + " bytes", e);
                    }
                    throw e;
                }
            }

            @Override
            public void free(long pointer) {
                driver.memFree(pointer);
            }
        });
        LOG.debug("cuda:{} ({}, {} SMs): module loaded, stream created", ordinal, name, multiprocessors);
    }

    /**
     * Opens device {@code ordinal}: retains its primary context, loads the fatbin, creates the stream.
     *
     * @throws CudaException when a driver call fails
     */
    public static CudaDevice open(CudaDriver driver, int ordinal, byte[] fatbin) {
        return new CudaDevice(driver, ordinal, fatbin);
    }

    @Override
    public String device() {
        return "cuda:" + ordinal;
    }

    /** The device's name, e.g. "NVIDIA H200". */
    public String name() {
        return name;
    }

    /** The number of multiprocessors (132 on an H200), for sizing grids. */
    public int multiprocessors() {
        return multiprocessors;
    }

    /** The caching allocator (for its statistics). */
    public CachingAllocator allocator() {
        return allocator;
    }

    /** The driver. */
    public CudaDriver driver() {
        return driver;
    }

    /** The stream everything is ordered on. */
    public MemorySegment stream() {
        return stream;
    }

    /**
     * Runs {@code body} on a platform thread with this device's context current: inline on a platform thread,
     * else on the device's own thread.
     */
    public <T> T call(Callable<T> body) {
        if (!Thread.currentThread().isVirtual()) {
            if (!contextSet.get()) {
                driver.ctxSetCurrent(context);
                contextSet.set(true);
            }
            try {
                return body.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Future<T> f = platform.submit(() -> call(body));
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for cuda:" + ordinal, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void run(Runnable body) {
        call(() -> {
            body.run();
            return null;
        });
    }

    private MemorySegment function(KernelSpec spec) {
        return functions.computeIfAbsent(spec.name(), n -> {
            MemorySegment f = driver.moduleGetFunction(module, n);
            if (n.contains("rms_norm") || n.contains("per_token_quant")) {
                driver.funcSetAttribute(f, 8, MAX_ROW_SMEM);
            }
            return f;
        });
    }

    /**
     * Queues a kernel on the stream with a one-dimensional grid.
     *
     * @param args the arguments, checked against {@code spec}: {@code Long} for pointers and 64-bit integers,
     *             {@code Integer}, {@code Float}
     */
    public void launch(KernelSpec spec, int grid, int block, int sharedBytes, Object... args) {
        spec.check(args);
        run(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment params = a.allocate(ADDRESS, args.length);
                for (int i = 0; i < args.length; i++) {
                    MemorySegment v;
                    switch (spec.params().get(i)) {
                        case PTR, I64 -> v = a.allocateFrom(JAVA_LONG, (Long) args[i]);
                        case I32 -> v = a.allocateFrom(JAVA_INT, (Integer) args[i]);
                        case F32 -> v = a.allocateFrom(JAVA_FLOAT, (Float) args[i]);
                        default -> throw new IllegalStateException();
                    }
                    params.setAtIndex(ADDRESS, i, v);
                }
                driver.launch(function(spec), grid, block, sharedBytes, stream, params, spec.name());
            }
        });
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        return call(() -> allocator.allocate(bytes, stream.address()));
    }

    @Override
    public void free(DeviceBuffer buffer) {
        allocator.free(buffer);
    }

    /** Queues filling {@code count} 32-bit words with {@code value}. */
    public void fill32(DeviceBuffer dst, int value, long count) {
        run(() -> driver.memsetD32Async(dst.pointer(), value, count, stream));
    }

    /** Synchronized: the two staging buffers and their events are shared by every caller. */
    @Override
    public synchronized void copyToDevice(MemorySegment src, DeviceBuffer dst) {
        run(() -> {
            long n = src.byteSize();
            for (long off = 0; off < n; off += STAGING_BYTES) {
                long len = Math.min(STAGING_BYTES, n - off);
                int i = nextStaging;
                nextStaging ^= 1;
                MemorySegment pinned = staging(i);
                // The copy queued from this buffer two pieces ago must have finished before it is refilled.
                driver.eventSynchronize(stagingDone[i]);
                MemorySegment.copy(src, off, pinned, 0, len);
                driver.memcpyHtoDAsync(dst.pointer() + off, pinned, len, stream);
                driver.eventRecord(stagingDone[i], stream);
            }
        });
    }

    @Override
    public synchronized void copyToHost(DeviceBuffer src, MemorySegment dst) {
        run(() -> {
            long n = dst.byteSize();
            for (long off = 0; off < n; off += STAGING_BYTES) {
                long len = Math.min(STAGING_BYTES, n - off);
                MemorySegment pinned = staging(0);
                driver.memcpyDtoHAsync(pinned, src.pointer() + off, len, stream);
                driver.streamSynchronize(stream);
                MemorySegment.copy(pinned, 0, dst, off, len);
            }
        });
    }

    @Override
    public void copyDeviceToDevice(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        run(() -> driver.memcpyDtoDAsync(dst.pointer(), src.pointer(), bytes, stream));
    }

    @Override
    public void synchronize() {
        run(() -> driver.streamSynchronize(stream));
    }

    private MemorySegment staging(int i) {
        if (staging[i] == null) {
            staging[i] = driver.memHostAlloc(STAGING_BYTES);
            stagingDone[i] = driver.eventCreate(2);  // CU_EVENT_DISABLE_TIMING
            driver.eventRecord(stagingDone[i], stream);
        }
        return staging[i];
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        run(() -> {
            driver.streamSynchronize(stream);
            allocator.releaseCached();
            for (int i = 0; i < 2; i++) {
                if (staging[i] != null) {
                    driver.memFreeHost(staging[i]);
                    driver.eventDestroy(stagingDone[i]);
                }
            }
            driver.streamDestroy(stream);
            driver.moduleUnload(module);
            driver.primaryCtxRelease(handle);
        });
        platform.shutdown();
    }
}
