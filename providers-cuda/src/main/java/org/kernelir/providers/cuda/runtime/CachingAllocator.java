package org.kernelir.providers.cuda.runtime;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator for device memory, after PyTorch's CUDA caching allocator: requests are rounded up to a size
 * class, freed blocks are kept in a free list per (stream, size class) and reused by later requests on the same
 * stream, and memory goes back to the driver only on demand ({@link #releaseCached()}, or when the driver is out
 * of memory).
 *
 * <p>Reuse is ordered on the stream: a block freed while kernels queued on stream S may still read it is reused
 * only by work queued on S afterwards, which the stream runs after them, so no synchronization is needed. A
 * different stream gets it only after {@link #releaseCached()} (which the caller invokes after synchronizing).
 *
 * <p>Size classes: multiples of 512 bytes up to 1 MiB, multiples of 2 MiB above (large blocks round to fewer
 * classes, so they are reused more often). Thread-safe.
 */
public final class CachingAllocator {

    /** Raw allocation, e.g. {@code cuMemAlloc_v2} / {@code cuMemFree_v2}. */
    public interface Raw {
        /** Allocates; throws {@link OutOfMemory} when the device has no room. */
        long allocate(long bytes);

        /** Frees a pointer {@link #allocate} returned. */
        void free(long pointer);
    }

    /** The raw allocator had no room. */
    public static final class OutOfMemory extends RuntimeException {
        /** @param message what was asked for */
        public OutOfMemory(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final long SMALL = 1L << 20;
    private static final long SMALL_STEP = 512;
    private static final long LARGE_STEP = 2L << 20;

    private record Key(long stream, long block) {
    }

    private final Raw raw;
    private final Map<Key, ArrayDeque<Long>> free = new HashMap<>();
    private long reserved;
    private long cached;
    private long inUse;

    /** @param raw where blocks come from */
    public CachingAllocator(Raw raw) {
        this.raw = raw;
    }

    /** The size class of a request. */
    public static long sizeClass(long bytes) {
        long b = Math.max(bytes, 1);
        long step = b <= SMALL ? SMALL_STEP : LARGE_STEP;
        return (b + step - 1) / step * step;
    }

    /** A block of at least {@code bytes} ordered on {@code stream}: a cached one if there is one, else a new one. */
    public synchronized DeviceBuffer allocate(long bytes, long stream) {
        long block = sizeClass(bytes);
        ArrayDeque<Long> list = free.get(new Key(stream, block));
        Long p = list == null ? null : list.pollLast();
        if (p == null) {
            p = rawAllocate(block);
            reserved += block;
        } else {
            cached -= block;
        }
        inUse += block;
        return new DeviceBuffer(p, bytes, block, stream);
    }

    private long rawAllocate(long block) {
        try {
            return raw.allocate(block);
        } catch (OutOfMemory e) {
            // Give the cached blocks back and try once more, as the caching allocator of PyTorch does.
            releaseCachedLocked();
            return raw.allocate(block);
        }
    }

    /** Returns a block to the free list of its stream. */
    public synchronized void free(DeviceBuffer buffer) {
        free.computeIfAbsent(new Key(buffer.stream(), buffer.block()), k -> new ArrayDeque<>()).addLast(buffer.pointer());
        inUse -= buffer.block();
        cached += buffer.block();
    }

    /** Frees every cached block to the driver; call it when no queued work uses them (after a synchronize). */
    public synchronized void releaseCached() {
        releaseCachedLocked();
    }

    private void releaseCachedLocked() {
        for (Map.Entry<Key, ArrayDeque<Long>> e : free.entrySet()) {
            for (long p : e.getValue()) {
                raw.free(p);
                reserved -= e.getKey().block();
            }
        }
        free.clear();
        cached = 0;
    }

    /** Bytes held from the driver (in use and cached). */
    public synchronized long reservedBytes() {
        return reserved;
    }

    /** Bytes in blocks handed out and not yet freed. */
    public synchronized long inUseBytes() {
        return inUse;
    }

    /** Bytes in cached free blocks. */
    public synchronized long cachedBytes() {
        return cached;
    }
}
