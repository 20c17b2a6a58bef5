package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread scratch memory, reused across calls and grown as needed.
 *
 * <p>Why the kernels stage rows at all. Their fast path reads and writes the caller's memory directly, but only
 * when it is f32 in native segments. Otherwise a row is first converted (or copied) into an f32 scratch row here,
 * computed on there (it stays in L1/L2, so DRAM traffic is unchanged), and converted back once:
 * <ul>
 *   <li>Heap segments over arrays of another type (a {@code long[]}-backed tensor read as floats) make Vector API
 *       loads and stores fall back from intrinsics to Java loops, tens of times slower, while a bulk
 *       {@link MemorySegment#copy} of the row is as fast as for native memory.</li>
 *   <li>One type-free f32 loop per operation keeps each compiled loop small: C2 stops inlining past a fixed graph
 *       size, and a vector operation that is not inlined boxes its vectors on the heap.</li>
 *   <li>The vector loops then only ever see native segments. Mixing segment kinds in one loop made C2 give up
 *       the store intrinsic in some compilations (measured: 10 times slower, depending on compilation order).</li>
 * </ul>
 * Scratch rows are native memory of an automatic arena, freed with the thread.
 */
final class Scratch {

    /** f32 rows per thread; a kernel holds at most this many at once. */
    static final int ROWS = 4;

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private final MemorySegment[] rows = new MemorySegment[ROWS];
    private MemorySegment raw;
    private float[] floats;

    private Scratch() {
    }

    /** Native f32 row {@code slot} of the current thread, with room for at least {@code n} floats. */
    static MemorySegment row(int slot, int n) {
        Scratch s = LOCAL.get();
        s.rows[slot] = grown(s.rows[slot], 4L * n);
        return s.rows[slot];
    }

    /** Native bytes of the current thread, at least {@code bytes}, to stage a row of a heap segment. */
    static MemorySegment raw(long bytes) {
        Scratch s = LOCAL.get();
        s.raw = grown(s.raw, bytes);
        return s.raw;
    }

    /** A {@code float[]} of the current thread with at least {@code n} elements, for f16 conversions. */
    static float[] floats(int n) {
        Scratch s = LOCAL.get();
        if (s.floats == null || s.floats.length < n) {
            s.floats = new float[Math.max(n, 1024)];
        }
        return s.floats;
    }

    /** {@code s} if it holds {@code bytes}, else a new segment, grown geometrically (O(log n) allocations). */
    private static MemorySegment grown(MemorySegment s, long bytes) {
        if (s != null && s.byteSize() >= bytes) {
            return s;
        }
        long size = Math.max(bytes, s == null ? 4096 : 2 * s.byteSize());
        return Arena.ofAuto().allocate(size, 64);
    }
}
