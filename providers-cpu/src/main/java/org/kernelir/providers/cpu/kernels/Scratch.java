package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread scratch rows, reused across calls and grown as needed.
 *
 * <p>Why the kernels stage rows at all. Their fast path reads and writes the caller's memory directly, but only
 * when it is f32 in native segments. Otherwise a row is first converted into an f32 {@link Row} here, computed on
 * in f32 (it stays in L1/L2, so DRAM traffic is unchanged), and converted back once:
 * <ul>
 *   <li>Heap segments over arrays of another type (a {@code long[]}-backed tensor read as floats) make every
 *       Vector API load and store fall back from an intrinsic to a Java loop, tens of times slower; a bulk
 *       {@link MemorySegment#copy} of the row has no such problem.</li>
 *   <li>f16 converts several times faster in a plain loop between a native segment and a {@code float[]},
 *       which C2 compiles to the CPU's own conversion instructions, than with Vector API bit manipulation.</li>
 *   <li>One type-free f32 loop per operation keeps each compiled loop small: C2 stops inlining past a fixed
 *       graph size, and a vector operation that is not inlined boxes its vectors on the heap.</li>
 * </ul>
 */
final class Scratch {

    /** f32 rows per thread; a kernel holds at most this many at once. */
    static final int ROWS = 4;

    /** An f32 row: the array, for conversion loops, and a segment viewing it, for the vector loops. */
    record Row(float[] array, MemorySegment segment) {
    }

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private final Row[] rows = new Row[ROWS];
    private MemorySegment raw;

    private Scratch() {
    }

    /** Row {@code slot} of the current thread, with room for at least {@code n} floats. */
    static Row row(int slot, int n) {
        Scratch s = LOCAL.get();
        Row r = s.rows[slot];
        if (r == null || r.array.length < n) {
            // Grow geometrically, so a sequence of growing rows allocates O(log n) times.
            long grown = r == null ? 1024 : 2L * r.array.length;
            float[] a = new float[(int) Math.max(n, Math.min(grown, Integer.MAX_VALUE - 8))];
            r = new Row(a, MemorySegment.ofArray(a));
            s.rows[slot] = r;
        }
        return r;
    }

    /** Native bytes of the current thread, at least {@code bytes}, to stage a row of a heap segment. */
    static MemorySegment raw(long bytes) {
        Scratch s = LOCAL.get();
        if (s.raw == null || s.raw.byteSize() < bytes) {
            s.raw = Arena.ofAuto().allocate(Math.max(bytes, s.raw == null ? 4096 : 2 * s.raw.byteSize()), 64);
        }
        return s.raw;
    }
}
