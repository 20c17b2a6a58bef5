package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.providers.cpu.kernels.Reference.assertClose;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.providers.cpu.kernels.Reference.Tol;

/** rotary_embedding against a double-precision reference. */
class RotaryKernelsTest {

    private static final int CACHE_ROWS = 512;

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (ElemType t : ElemType.values()) {
            for (boolean neox : new boolean[] {true, false}) {
                // head size, rotary dim: full, half, and dims whose halves leave vector tails
                for (int[] dims : new int[][] {{64, 64}, {128, 64}, {80, 80}, {24, 18}, {10, 2}}) {
                    cases.add(Arguments.of(t, neox, dims[0], dims[1], 3, true));
                }
                cases.add(Arguments.of(t, neox, 64, 32, 1, false));
                cases.add(Arguments.of(t, neox, 128, 128, 700, true));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} neox={1} head={2} rot={3} tokens={4} key={5}")
    @MethodSource("cases")
    void matchesReference(ElemType t, boolean neox, int headSize, int rotaryDim, int tokens, boolean withKey) {
        check(t, neox, headSize, rotaryDim, tokens, withKey, false);
    }

    static List<Arguments> heapCases() {
        List<Arguments> cases = new ArrayList<>();
        for (ElemType t : ElemType.values()) {
            for (boolean neox : new boolean[] {true, false}) {
                cases.add(Arguments.of(t, neox, 24, 18, 3, true));
                cases.add(Arguments.of(t, neox, 128, 64, 700, true));
            }
        }
        return cases;
    }

    /** Heap memory over long[], as CpuTensor allocates it, for every tensor including positions. */
    @ParameterizedTest(name = "heap {0} neox={1} head={2} rot={3} tokens={4} key={5}")
    @MethodSource("heapCases")
    void matchesReferenceOnHeapMemory(ElemType t, boolean neox, int headSize, int rotaryDim, int tokens,
                                      boolean withKey) {
        check(t, neox, headSize, rotaryDim, tokens, withKey, true);
    }

    private static void check(ElemType t, boolean neox, int headSize, int rotaryDim, int tokens, boolean withKey,
                              boolean heap) {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(arena, t, headSize, rotaryDim, tokens, withKey, 7, heap);
            double[] expectedQ = f.expected(f.q, f.qOff, f.qStride, f.hq, neox);
            double[] expectedK = withKey ? f.expected(f.k, f.kOff, f.kStride, f.hk, neox) : null;
            f.run(neox);
            f.assertRotated(f.q, f.qOff, f.qStride, f.hq, expectedQ, "query");
            if (withKey) {
                f.assertRotated(f.k, f.kOff, f.kStride, f.hk, expectedK, "key");
            }
        }
    }

    @Test
    void positionOutsideTheCacheIsRejectedBeforeAnythingIsWritten() {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(arena, ElemType.F16, 64, 64, 5, true, 9);
            f.positions.set(Reference.I64, 8L * 3, CACHE_ROWS);
            MemorySegment q = RmsNormKernelsTest.copy(arena, f.q);
            MemorySegment k = RmsNormKernelsTest.copy(arena, f.k);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> f.run(true));
            assertTrue(e.getMessage().contains("token 3") && e.getMessage().contains("position " + CACHE_ROWS),
                    e.getMessage());
            assertEquals(-1, q.mismatch(f.q));
            assertEquals(-1, k.mismatch(f.k));
            f.positions.set(Reference.I64, 8L * 3, -1);
            e = assertThrows(IndexOutOfBoundsException.class, () -> f.run(false));
            assertTrue(e.getMessage().contains("position -1"), e.getMessage());
            assertEquals(-1, q.mismatch(f.q));
        }
    }

    @Test
    void invalidRotaryDimIsRejected() {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(arena, ElemType.F32, 64, 64, 2, false, 3);
            assertThrows(IllegalArgumentException.class, () -> RotaryKernels.rotary(ElemType.F32, f.positions, 0,
                    f.q, f.qOff, f.qStride, f.hq, null, 0, 0, 0, 64, 63, f.cache, f.cacheOff, f.cacheStride, true, 2));
            assertThrows(IllegalArgumentException.class, () -> RotaryKernels.rotary(ElemType.F32, f.positions, 0,
                    f.q, f.qOff, f.qStride, f.hq, null, 0, 0, 0, 64, 66, f.cache, f.cacheOff, f.cacheStride, true, 2));
        }
    }

    /** Random tensors with padding between rows and a padded cache; positions uniformly in the cache. */
    private static final class Fixture {
        final ElemType t;
        final int headSize;
        final int rotaryDim;
        final int tokens;
        final int hq = 4;
        final int hk = 2;
        final long qOff = 3;
        final long qStride;
        final long kOff = 1;
        final long kStride;
        final long cacheOff = 2;
        final long cacheStride;
        final MemorySegment positions;
        final MemorySegment q;
        final MemorySegment k;
        final MemorySegment cache;

        Fixture(Arena arena, ElemType t, int headSize, int rotaryDim, int tokens, boolean withKey, long seed) {
            this(arena, t, headSize, rotaryDim, tokens, withKey, seed, false);
        }

        Fixture(Arena arena, ElemType t, int headSize, int rotaryDim, int tokens, boolean withKey, long seed,
                boolean heap) {
            this.t = t;
            this.headSize = headSize;
            this.rotaryDim = rotaryDim;
            this.tokens = tokens;
            SplittableRandom rnd = new SplittableRandom(seed + headSize * 31L + rotaryDim + tokens);
            qStride = (long) hq * headSize + 5;
            kStride = (long) hk * headSize + 2;
            cacheStride = rotaryDim + 3;
            positions = heap ? MemorySegment.ofArray(new long[tokens]) : arena.allocate(8L * tokens + 8).asSlice(8);
            for (int i = 0; i < tokens; i++) {
                positions.set(Reference.I64, 8L * i, rnd.nextInt(CACHE_ROWS));
            }
            q = Reference.alloc(arena, t, qOff + tokens * qStride, heap);
            Reference.fill(t, q, 0, 0, 1, (int) (qOff + tokens * qStride), rnd, -3, 3);
            k = withKey ? Reference.alloc(arena, t, kOff + tokens * kStride, heap) : null;
            if (k != null) {
                Reference.fill(t, k, 0, 0, 1, (int) (kOff + tokens * kStride), rnd, -3, 3);
            }
            // Exactly CACHE_ROWS rows: the segment ends right after the last row's rotaryDim elements.
            cache = Reference.alloc(arena, t, cacheOff + (CACHE_ROWS - 1) * cacheStride + rotaryDim, heap);
            for (int p = 0; p < CACHE_ROWS; p++) {
                for (int j = 0; j < rotaryDim / 2; j++) {
                    double angle = p * Math.pow(10000, -2.0 * j / rotaryDim);
                    Reference.set(t, cache, cacheOff + p * cacheStride + j, Math.cos(angle));
                    Reference.set(t, cache, cacheOff + p * cacheStride + rotaryDim / 2 + j, Math.sin(angle));
                }
            }
        }

        void run(boolean neox) {
            RotaryKernels.rotary(t, positions, 0, q, qOff, qStride, hq, k, kOff, kStride, hk, headSize, rotaryDim,
                    cache, cacheOff, cacheStride, neox, tokens);
        }

        /** The whole segment as it must be after the call: rotated parts replaced, everything else unchanged. */
        double[] expected(MemorySegment x, long off, long stride, int heads, boolean neox) {
            int n = (int) (x.byteSize() / t.byteSize());
            double[] e = new double[n];
            for (int i = 0; i < n; i++) {
                e[i] = Reference.get(t, x, i);
            }
            int half = rotaryDim / 2;
            for (int i = 0; i < tokens; i++) {
                long p = positions.get(Reference.I64, 8L * i);
                for (int h = 0; h < heads; h++) {
                    long base = off + i * stride + (long) h * headSize;
                    for (int j = 0; j < half; j++) {
                        double c = Reference.get(t, cache, cacheOff + p * cacheStride + j);
                        double s = Reference.get(t, cache, cacheOff + p * cacheStride + half + j);
                        int i1 = (int) (neox ? base + j : base + 2L * j);
                        int i2 = (int) (neox ? base + half + j : base + 2L * j + 1);
                        double x1 = e[i1];
                        double x2 = e[i2];
                        e[i1] = x1 * c - x2 * s;
                        e[i2] = x2 * c + x1 * s;
                    }
                }
            }
            return e;
        }

        void assertRotated(MemorySegment x, long off, long stride, int heads, double[] expected, String name) {
            for (int i = 0; i < expected.length; i++) {
                double actual = Reference.get(t, x, i);
                long rel = i - off;
                long inRow = rel % stride;
                boolean rotated = rel >= 0 && rel / stride < tokens && inRow < (long) heads * headSize
                        && inRow % headSize < rotaryDim;
                if (rotated) {
                    assertClose(expected[i], actual, Tol.of(t), name + " element " + i);
                } else {
                    assertEquals(expected[i], actual, name + " element " + i + " must not change");
                }
            }
        }
    }
}
