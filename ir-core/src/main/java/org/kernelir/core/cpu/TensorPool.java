package org.kernelir.core.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A bounded pool of native memory blocks for tensor storage, as an inference runtime's arena keeps them: a
 * released block goes to the free list of its size class, and the next request of that class takes it back
 * without asking the operating system (no fresh pages, no page faults, no zero fill).
 *
 * <p>Blocks are 64-byte aligned. Requests are rounded up to a size class: multiples of 64 bytes up to 256 bytes,
 * then four classes per power of two (so at most 25% is wasted). Each block has its own shared arena; a block
 * the pool does not keep is freed at once by closing that arena.
 *
 * <p>The pool keeps at most {@link #maxRetainedBytes()} bytes in its free lists: a released block that does not
 * fit is freed. {@link #trim()} frees every retained block, {@link #close()} also makes later releases free
 * their blocks. Blocks that are lent out are never touched by the pool.
 *
 * <p>The pool is thread-safe. Code normally does not call it directly: {@link AllocationScope} hands its blocks
 * to {@link CpuTensor#zeros} and {@link CpuTensor#empty} during a pooled interpreter run.
 *
 * <p><b>Lifetime.</b> A block released to the pool is reused by later requests. Memory read or written through a
 * tensor after its block went back is undefined: it may hold another tensor's data. Reading a block the pool
 * has freed fails with {@link IllegalStateException} ("Already closed").
 */
public final class TensorPool implements AutoCloseable {

    /** The default bound on retained bytes: 1 GiB. */
    public static final long DEFAULT_MAX_RETAINED_BYTES = 1L << 30;

    /** Alignment of every block, in bytes. */
    public static final long ALIGNMENT = 64;

    /**
     * A snapshot of the pool's counters.
     *
     * @param hits           requests served from a free list
     * @param misses         requests that allocated a new block
     * @param releases       blocks given back
     * @param freed          blocks freed (over the bound, trimmed, or released after close)
     * @param retainedBlocks blocks in the free lists now
     * @param retainedBytes  bytes in the free lists now
     * @param lentBlocks     blocks lent out now
     * @param lentBytes      bytes lent out now
     */
    public record Stats(long hits, long misses, long releases, long freed, long retainedBlocks, long retainedBytes,
            long lentBlocks, long lentBytes) {
    }

    /** One block: its arena and its whole (size-class) segment. */
    private record Block(Arena arena, MemorySegment segment) {
        long size() {
            return segment.byteSize();
        }
    }

    private final long maxRetainedBytes;
    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    /** Lent blocks by base address. */
    private final Map<Long, Block> lent = new HashMap<>();
    private long retainedBytes;
    private long retainedBlocks;
    private long lentBytes;
    private long hits;
    private long misses;
    private long releases;
    private long freed;
    private boolean closed;

    /** A pool that keeps at most {@link #DEFAULT_MAX_RETAINED_BYTES}. */
    public TensorPool() {
        this(DEFAULT_MAX_RETAINED_BYTES);
    }

    /**
     * A pool that keeps at most {@code maxRetainedBytes} bytes of released blocks.
     *
     * @throws IllegalArgumentException if the bound is negative
     */
    public TensorPool(long maxRetainedBytes) {
        if (maxRetainedBytes < 0) {
            throw new IllegalArgumentException("maxRetainedBytes must be >= 0, got " + maxRetainedBytes);
        }
        this.maxRetainedBytes = maxRetainedBytes;
    }

    /** The bound on bytes kept in the free lists. */
    public long maxRetainedBytes() {
        return maxRetainedBytes;
    }

    /** The size class of a request: the block size that serves it. */
    public static long sizeClass(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        if (bytes <= 4 * ALIGNMENT) {
            return Math.max(ALIGNMENT, roundUp(bytes, ALIGNMENT));
        }
        long base = Long.highestOneBit(bytes - 1); // base < bytes <= 2 * base
        return roundUp(bytes, Math.max(ALIGNMENT, base / 4));
    }

    private static long roundUp(long v, long step) {
        return Math.ceilDiv(v, step) * step;
    }

    /**
     * A block of at least {@code bytes} bytes, 64-byte aligned, with unspecified contents. The returned segment
     * is exactly {@code bytes} long and starts at the block's start; give it back with {@link #release}.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public MemorySegment acquire(long bytes) {
        long size = sizeClass(bytes);
        Block b;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("tensor pool is closed");
            }
            ArrayDeque<Block> list = free.get(size);
            b = list == null ? null : list.pollLast();
            if (b != null) {
                hits++;
                retainedBytes -= size;
                retainedBlocks--;
                lent.put(b.segment.address(), b);
                lentBytes += size;
                return b.segment.asSlice(0, bytes);
            }
            misses++;
        }
        // Allocate outside the lock: fresh memory is slow to get.
        Arena arena = Arena.ofShared();
        b = new Block(arena, arena.allocate(size, ALIGNMENT));
        synchronized (this) {
            lent.put(b.segment.address(), b);
            lentBytes += size;
        }
        return b.segment.asSlice(0, bytes);
    }

    /**
     * Gives back the block that {@code segment} starts (a segment {@link #acquire} returned, or any segment
     * starting at the same address).
     *
     * @return whether the segment was a lent block of this pool (anything else is left alone)
     */
    public boolean release(MemorySegment segment) {
        if (!segment.isNative()) {
            return false;
        }
        Block b;
        boolean keep;
        synchronized (this) {
            b = lent.remove(segment.address());
            if (b == null) {
                return false;
            }
            releases++;
            lentBytes -= b.size();
            keep = !closed && retainedBytes + b.size() <= maxRetainedBytes;
            if (keep) {
                free.computeIfAbsent(b.size(), k -> new ArrayDeque<>()).addLast(b);
                retainedBytes += b.size();
                retainedBlocks++;
            } else {
                freed++;
            }
        }
        if (!keep) {
            free(b);
        }
        return true;
    }

    /** Whether {@code segment} starts a block this pool has lent out. */
    public synchronized boolean isLent(MemorySegment segment) {
        return segment.isNative() && lent.containsKey(segment.address());
    }

    /** Frees every block in the free lists; lent blocks stay valid. */
    public void trim() {
        java.util.List<Block> drop = new java.util.ArrayList<>();
        synchronized (this) {
            free.values().forEach(drop::addAll);
            free.clear();
            freed += drop.size();
            retainedBytes = 0;
            retainedBlocks = 0;
        }
        drop.forEach(TensorPool::free);
    }

    /** The pool's counters now. */
    public synchronized Stats stats() {
        return new Stats(hits, misses, releases, freed, retainedBlocks, retainedBytes, lent.size(), lentBytes);
    }

    /**
     * Frees the retained blocks; blocks released later are freed too, and {@link #acquire} fails. Lent blocks
     * stay valid until released. Closing twice is harmless.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        trim();
    }

    private static void free(Block b) {
        try {
            b.arena.close();
        } catch (IllegalStateException e) {
            // Held by a native call (a tensor used after its release): the block then stays allocated.
        }
    }

    @Override
    public String toString() {
        return "TensorPool" + stats();
    }
}
