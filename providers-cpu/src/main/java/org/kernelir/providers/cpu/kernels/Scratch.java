package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread f32 scratch rows in native memory.
 *
 * <p>Why: the kernels keep one type-free f32 code path. A 16-bit row is widened into scratch once, computed on
 * in f32 (the row stays in L1/L2), and narrowed into its destination once; DRAM traffic is unchanged, and the
 * JIT compiles small, monomorphic loops instead of one loop per element type (a loop that branches per vector
 * on the element type grows past C2's inlining limits and falls off the vectorized path).
 *
 * <p>Buffers live in native memory of an automatic arena (freed with the thread), are reused across calls and
 * grow as needed; each thread has a few independent slots so a kernel can hold several rows at once.
 */
final class Scratch {

    /** Slots per thread; a kernel uses at most this many scratch rows at the same time. */
    static final int SLOTS = 4;

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private final MemorySegment[] slots = new MemorySegment[SLOTS];

    private Scratch() {
    }

    /** A native f32 buffer of at least {@code floats} elements for slot {@code slot} of the current thread. */
    static MemorySegment floats(int slot, long floats) {
        return LOCAL.get().get(slot, floats);
    }

    private MemorySegment get(int slot, long floats) {
        MemorySegment s = slots[slot];
        long bytes = Math.max(floats, 1) * Float.BYTES;
        if (s == null || s.byteSize() < bytes) {
            // Grow geometrically, so a sequence of growing rows allocates O(log n) times.
            long size = Math.max(bytes, s == null ? 4096 : 2 * s.byteSize());
            s = Arena.ofAuto().allocate(size, 64);
            slots[slot] = s;
        }
        return s;
    }
}
