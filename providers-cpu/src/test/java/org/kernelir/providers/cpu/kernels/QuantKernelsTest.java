package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FP8 quantization against the test's reference encoder. The kernel and the reference start from the same f32
 * quotient {@code x / scale}, so the codes must match exactly (ties included) and so must the f32 scales.
 */
class QuantKernelsTest {

    private static final float MIN_SCALE = 1f / (448f * 512f);

    static List<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        for (ElemType t : ElemType.values()) {
            for (int cols : new int[] {1, 3, 17, 128, 4097}) {
                cases.add(Arguments.of(t, 3, cols));
            }
            cases.add(Arguments.of(t, 1, 4095));
            cases.add(Arguments.of(t, 400, 4096));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void staticQuantMatchesReference(ElemType t, int rows, int cols) {
        for (float scale : new float[] {0.02f, 0.001f, 3f}) {
            try (Arena arena = Arena.ofShared()) {
                Data d = new Data(arena, t, rows, cols, 11);
                QuantKernels.staticQuantFp8(t, d.x, d.xOff, d.xStride, scale, d.out, d.oOff, d.oStride, rows, cols);
                for (int r = 0; r < rows; r++) {
                    d.assertRow(r, 0, cols, scale);
                }
                d.assertPaddingUntouched();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void dynamicPerTokenMatchesReference(ElemType t, int rows, int cols) {
        for (float ub : new float[] {Float.NaN, 1.0f}) {
            try (Arena arena = Arena.ofShared()) {
                Data d = new Data(arena, t, rows, cols, 12);
                MemorySegment scales = arena.allocate(4L * rows + 5).asSlice(1);
                QuantKernels.dynamicPerTokenQuantFp8(t, d.x, d.xOff, d.xStride, rows, cols, ub, d.out, d.oOff,
                        d.oStride, scales, 1);
                for (int r = 0; r < rows; r++) {
                    float expected = scale(d.amax(r, 0, cols), ub);
                    assertEquals(expected, scales.get(Reference.F32, 4L * (1 + r)), "scale of row " + r);
                    d.assertRow(r, 0, cols, expected);
                }
                d.assertPaddingUntouched();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void dynamicPerTensorMatchesReference(ElemType t, int rows, int cols) {
        try (Arena arena = Arena.ofShared()) {
            Data d = new Data(arena, t, rows, cols, 13);
            MemorySegment scale = arena.allocate(8);
            QuantKernels.dynamicPerTensorQuantFp8(t, d.x, d.xOff, d.xStride, rows, cols, Float.NaN, d.out, d.oOff,
                    d.oStride, scale, 1);
            float amax = 0;
            for (int r = 0; r < rows; r++) {
                amax = Math.max(amax, d.amax(r, 0, cols));
            }
            float expected = scale(amax, Float.NaN);
            assertEquals(expected, scale.get(Reference.F32, 4));
            for (int r = 0; r < rows; r++) {
                d.assertRow(r, 0, cols, expected);
            }
            d.assertPaddingUntouched();
        }
    }

    static List<Arguments> groupCases() {
        List<Arguments> cases = new ArrayList<>();
        for (ElemType t : ElemType.values()) {
            for (boolean columnMajor : new boolean[] {false, true}) {
                for (boolean ue8m0 : new boolean[] {false, true}) {
                    cases.add(Arguments.of(t, 5, 384, 128, columnMajor, ue8m0));
                    cases.add(Arguments.of(t, 3, 51, 17, columnMajor, ue8m0));
                    cases.add(Arguments.of(t, 2, 6, 1, columnMajor, ue8m0));
                    cases.add(Arguments.of(t, 300, 4096, 128, columnMajor, ue8m0));
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1}x{2} group={3} columnMajor={4} ue8m0={5}")
    @MethodSource("groupCases")
    void dynamicGroupMatchesReference(ElemType t, int rows, int cols, int group, boolean columnMajor,
                                      boolean ue8m0) {
        try (Arena arena = Arena.ofShared()) {
            Data d = new Data(arena, t, rows, cols, 14);
            int groups = cols / group;
            MemorySegment scales = arena.allocate(4L * rows * groups);
            QuantKernels.dynamicGroupQuantFp8(t, d.x, d.xOff, d.xStride, rows, cols, group, columnMajor, ue8m0,
                    d.out, d.oOff, d.oStride, scales, 0);
            for (int r = 0; r < rows; r++) {
                for (int g = 0; g < groups; g++) {
                    float expected = scale(d.amax(r, g * group, group), Float.NaN);
                    if (ue8m0) {
                        expected = (float) Math.pow(2, Math.ceil(Math.log(expected) / Math.log(2)));
                    }
                    long at = columnMajor ? (long) g * rows + r : (long) r * groups + g;
                    assertEquals(expected, scales.get(Reference.F32, 4 * at), "scale of row " + r + " group " + g);
                    d.assertRow(r, g * group, group, expected);
                }
            }
            d.assertPaddingUntouched();
        }
    }

    /** Heap memory over long[] for input, codes and scales, as CpuTensor allocates it. */
    @ParameterizedTest(name = "heap {0}")
    @org.junit.jupiter.params.provider.EnumSource(ElemType.class)
    void allQuantizationsOnHeapMemory(ElemType t) {
        int rows = 300;
        int cols = 4096;
        try (Arena arena = Arena.ofShared()) {
            Data d = new Data(arena, t, rows, cols, 15, true);
            QuantKernels.staticQuantFp8(t, d.x, d.xOff, d.xStride, 0.01f, d.out, d.oOff, d.oStride, rows, cols);
            for (int r = 0; r < rows; r++) {
                d.assertRow(r, 0, cols, 0.01f);
            }
            MemorySegment scales = MemorySegment.ofArray(new long[rows * cols / 128]);
            QuantKernels.dynamicPerTokenQuantFp8(t, d.x, d.xOff, d.xStride, rows, cols, Float.NaN, d.out, d.oOff,
                    d.oStride, scales, 0);
            for (int r = 0; r < rows; r++) {
                float expected = scale(d.amax(r, 0, cols), Float.NaN);
                assertEquals(expected, scales.get(Reference.F32, 4L * r));
                d.assertRow(r, 0, cols, expected);
            }
            QuantKernels.dynamicGroupQuantFp8(t, d.x, d.xOff, d.xStride, rows, cols, 128, true, true, d.out, d.oOff,
                    d.oStride, scales, 0);
            for (int r = 0; r < rows; r++) {
                for (int g = 0; g < cols / 128; g++) {
                    float expected = (float) Math.pow(2, Math.ceil(Math.log(scale(d.amax(r, g * 128, 128),
                            Float.NaN)) / Math.log(2)));
                    assertEquals(expected, scales.get(Reference.F32, 4L * ((long) g * rows + r)));
                    d.assertRow(r, g * 128, 128, expected);
                }
            }
            QuantKernels.dynamicPerTensorQuantFp8(t, d.x, d.xOff, d.xStride, rows, cols, 0.5f, d.out, d.oOff,
                    d.oStride, scales, 3);
            float amax = 0;
            for (int r = 0; r < rows; r++) {
                amax = Math.max(amax, d.amax(r, 0, cols));
            }
            float expected = scale(amax, 0.5f);
            assertEquals(expected, scales.get(Reference.F32, 12));
            for (int r = 0; r < rows; r++) {
                d.assertRow(r, 0, cols, expected);
            }
            d.assertPaddingUntouched();
        }
    }

    @Test
    void groupSizeMustDivideTheColumns() {
        try (Arena arena = Arena.ofShared()) {
            Data d = new Data(arena, ElemType.F32, 2, 100, 1);
            MemorySegment scales = arena.allocate(64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QuantKernels.dynamicGroupQuantFp8(ElemType.F32, d.x, 0, 100, 2, 100, 128, false, false,
                            d.out, 0, 100, scales, 0));
            assertEquals(true, e.getMessage().contains("groupSize (128)"), e.getMessage());
        }
    }

    /** NaN, infinities, out-of-range and subnormal-range quotients, in vector lanes and in tails. */
    @Test
    void specialValuesSaturateOrStayNaN() {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 448f, 464f, 465f, -1e6f,
                0f, -0f, 0x1p-9f, 0x1p-10f, 0x1.8p-10f, 0x1p-12f, 1.0625f, 1.1875f, 240f, 248f, -232f};
        for (ElemType t : ElemType.values()) {
            try (Arena arena = Arena.ofShared()) {
                int cols = specials.length * 3 + 1;
                MemorySegment x = Reference.alloc(arena, t, cols);
                for (int i = 0; i < cols; i++) {
                    Reference.set(t, x, i, specials[i % specials.length]);
                }
                MemorySegment out = arena.allocate(cols);
                QuantKernels.staticQuantFp8(t, x, 0, cols, 1f, out, 0, cols, 1, cols);
                for (int i = 0; i < cols; i++) {
                    float v = (float) Reference.get(t, x, i);
                    assertEquals(Reference.fp8Code(v), out.get(ValueLayout.JAVA_BYTE, i), t + " fp8 of " + v);
                }
            }
        }
    }

    @Test
    void allZeroRowGetsTheFloorScale() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = arena.allocate(4 * 40);
            MemorySegment out = arena.allocate(40);
            MemorySegment scales = arena.allocate(4);
            QuantKernels.dynamicPerTokenQuantFp8(ElemType.F32, x, 0, 40, 1, 40, Float.NaN, out, 0, 40, scales, 0);
            assertEquals(MIN_SCALE, scales.get(Reference.F32, 0));
            assertEquals(-1, out.mismatch(arena.allocate(40)));
        }
    }

    private static float scale(float amax, float ub) {
        float a = Float.isNaN(ub) ? amax : Math.min(amax, ub);
        return Math.max(a / 448f, MIN_SCALE);
    }

    /** Input with a spread of magnitudes (so amax varies by row and group), padded rows, and an output canvas. */
    private static final class Data {
        final ElemType t;
        final int rows;
        final int cols;
        final long xOff = 2;
        final long xStride;
        final long oOff = 3;
        final long oStride;
        final MemorySegment x;
        final MemorySegment out;
        final MemorySegment before;

        Data(Arena arena, ElemType t, int rows, int cols, long seed) {
            this(arena, t, rows, cols, seed, false);
        }

        Data(Arena arena, ElemType t, int rows, int cols, long seed, boolean heap) {
            this.t = t;
            this.rows = rows;
            this.cols = cols;
            xStride = cols + 1;
            oStride = cols + 4;
            SplittableRandom rnd = new SplittableRandom(seed * 1000 + rows * 7L + cols);
            x = Reference.alloc(arena, t, xOff + rows * xStride, heap);
            for (int r = 0; r < rows; r++) {
                double range = Math.pow(2, rnd.nextInt(-8, 6));
                for (int c = 0; c < cols; c++) {
                    Reference.set(t, x, xOff + r * xStride + c, (rnd.nextDouble() * 2 - 1) * range);
                }
            }
            out = heap ? MemorySegment.ofArray(new long[(int) ((oOff + rows * oStride + 7) / 8)])
                    .asSlice(0, oOff + rows * oStride) : arena.allocate(oOff + rows * oStride);
            out.fill((byte) 0x5A);
            before = RmsNormKernelsTest.copy(arena, out);
        }

        float amax(int r, int from, int n) {
            float m = 0;
            for (int c = from; c < from + n; c++) {
                m = Math.max(m, Math.abs((float) Reference.get(t, x, xOff + r * xStride + c)));
            }
            return m;
        }

        void assertRow(int r, int from, int n, float scale) {
            for (int c = from; c < from + n; c++) {
                float v = (float) Reference.get(t, x, xOff + r * xStride + c);
                byte expected = Reference.fp8Code(v / scale);
                byte actual = out.get(ValueLayout.JAVA_BYTE, oOff + r * oStride + c);
                if (expected != actual) {
                    assertEquals(expected, actual, "row " + r + " col " + c + ": fp8(" + v + " / " + scale + ") = "
                            + Reference.fp8Value(expected) + ", got " + Reference.fp8Value(actual));
                }
            }
        }

        /** Bytes outside the written rows (offset, padding between rows, the tail) must be unchanged. */
        void assertPaddingUntouched() {
            for (long i = 0; i < out.byteSize(); i++) {
                long rel = i - oOff;
                boolean written = rel >= 0 && rel / oStride < rows && rel % oStride < cols;
                if (!written) {
                    assertEquals(before.get(ValueLayout.JAVA_BYTE, i), out.get(ValueLayout.JAVA_BYTE, i),
                            "byte " + i + " was overwritten");
                }
            }
        }
    }
}
