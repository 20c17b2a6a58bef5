package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kernelir.providers.cpu.kernels.Reference.assertClose;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.providers.cpu.kernels.Reference.Tol;

/** rms_norm and fused_add_rms_norm against a double-precision reference. */
class RmsNormKernelsTest {

    private static final float EPS = 1e-6f;
    /** Rows of 4097 columns: far above the parallel threshold for every element type. */
    private static final int MANY_ROWS = 300;

    static List<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        for (ElemType t : ElemType.values()) {
            for (int cols : new int[] {1, 3, 8, 17, 4095, 4097}) {
                for (int rows : new int[] {1, 7}) {
                    cases.add(Arguments.of(t, rows, cols, true));
                }
            }
            cases.add(Arguments.of(t, 5, 33, false));
            cases.add(Arguments.of(t, MANY_ROWS, 4097, true));
            cases.add(Arguments.of(t, MANY_ROWS, 4096, false));
        }
        return cases;
    }

    /** Heap memory over long[] (how CpuTensor allocates), few shapes: the same code runs through staging. */
    static List<Arguments> heapShapes() {
        List<Arguments> cases = new ArrayList<>();
        for (ElemType t : ElemType.values()) {
            cases.add(Arguments.of(t, 3, 17, true));
            cases.add(Arguments.of(t, MANY_ROWS, 4097, true));
            cases.add(Arguments.of(t, MANY_ROWS, 1000, false));
        }
        return cases;
    }

    /**
     * Rows whose RMS is far above 2.6e17 at hidden 5120: every square is a finite f32, their f32 sum is not. The
     * kernels once returned an all-zero row there; now they match a double reference, on every path (direct f32,
     * staged 16-bit and heap memory, several rows so that the fused next-row sum runs, fused add, in place).
     */
    @ParameterizedTest(name = "{0} heap={1}")
    @MethodSource("overflowCases")
    void rowsWhoseF32SumOfSquaresOverflowsAreNormalizedAsInDouble(ElemType t, boolean heap) {
        int rows = 3;
        int cols = 5120;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = Reference.alloc(arena, t, (long) rows * cols, heap);
            MemorySegment zero = Reference.alloc(arena, t, (long) rows * cols, heap);
            SplittableRandom rnd = new SplittableRandom(5120);
            double[] ms = new double[rows];
            for (int r = 0; r < rows; r++) {
                double scale = r == 1 ? 1.0 : 1e18 * (r + 1); // an ordinary row between two huge ones
                for (int c = 0; c < cols; c++) {
                    Reference.set(t, x, (long) r * cols + c, scale * (rnd.nextDouble() * 2 - 1));
                    double v = Reference.get(t, x, (long) r * cols + c);
                    ms[r] += v * v / cols;
                }
            }
            MemorySegment y = Reference.alloc(arena, t, (long) rows * cols, heap);
            MemorySegment res = Reference.alloc(arena, t, (long) rows * cols, heap);
            RmsNormKernels.rmsNorm(t, x, 0, cols, null, 0, y, 0, cols, rows, cols, EPS);
            checkNormalized(t, x, y, ms, rows, cols, "rms_norm");
            RmsNormKernels.fusedAddRmsNorm(t, x, 0, cols, zero, 0, cols, null, 0, y, 0, cols, res, 0, cols, rows, cols,
                    EPS);
            checkNormalized(t, x, y, ms, rows, cols, "fused_add_rms_norm");
            RmsNormKernels.fusedAddRmsNorm(t, zero, 0, cols, x, 0, cols, null, 0, zero, 0, cols, x, 0, cols, rows,
                    cols, EPS);
            checkNormalized(t, x, zero, ms, rows, cols, "fused_add_rms_norm in place");
        }
    }

    static List<Arguments> overflowCases() {
        List<Arguments> cases = new ArrayList<>();
        for (ElemType t : new ElemType[] {ElemType.F32, ElemType.BF16}) {
            for (boolean heap : new boolean[] {false, true}) {
                cases.add(Arguments.of(t, heap));
            }
        }
        return cases;
    }

    private static void checkNormalized(ElemType t, MemorySegment x, MemorySegment y, double[] meanSquares, int rows,
                                        int cols, String what) {
        for (int r = 0; r < rows; r++) {
            double inv = 1 / Math.sqrt(meanSquares[r] + EPS);
            for (int c = 0; c < cols; c++) {
                long i = (long) r * cols + c;
                assertClose(Reference.get(t, x, i) * inv, Reference.get(t, y, i), Tol.rmsNorm(t),
                        what + " " + t + " row " + r + " col " + c);
            }
        }
    }

    @ParameterizedTest(name = "heap {0} {1}x{2} weight={3}")
    @MethodSource("heapShapes")
    void rmsNormOnHeapMemory(ElemType t, int rows, int cols, boolean withWeight) {
        checkRmsNorm(t, rows, cols, withWeight, true);
    }

    @ParameterizedTest(name = "heap {0} {1}x{2} weight={3}")
    @MethodSource("heapShapes")
    void fusedAddRmsNormOnHeapMemory(ElemType t, int rows, int cols, boolean withWeight) {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(arena, t, rows, cols, withWeight, true);
            MemorySegment y = Reference.heap(t, (long) rows * cols);
            MemorySegment res = Reference.heap(t, (long) rows * cols);
            RmsNormKernels.fusedAddRmsNorm(t, f.x, 0, cols, f.r, 0, cols, f.w, 0, y, 0, cols, res, 0, cols,
                    rows, cols, EPS);
            f.check(y, res);
            // and in place
            RmsNormKernels.fusedAddRmsNorm(t, f.x, 0, cols, f.r, 0, cols, f.w, 0, f.x, 0, cols, f.r, 0, cols,
                    rows, cols, EPS);
            f.check(f.x, f.r);
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2} weight={3}")
    @MethodSource("shapes")
    void rmsNormMatchesReference(ElemType t, int rows, int cols, boolean withWeight) {
        checkRmsNorm(t, rows, cols, withWeight, false);
    }

    private static void checkRmsNorm(ElemType t, int rows, int cols, boolean withWeight, boolean heap) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
            long xOff = 3;
            long xStride = cols + 5;
            long oOff = 1;
            long oStride = cols + 2;
            MemorySegment x = Reference.alloc(arena, t, xOff + rows * xStride, heap);
            Reference.fill(t, x, xOff, xStride, rows, cols, rnd, -2, 2);
            MemorySegment w = withWeight ? Reference.alloc(arena, t, cols + 2, heap) : null;
            if (w != null) {
                Reference.fill(t, w, 2, 0, 1, cols, rnd, 0.5, 1.5);
            }
            MemorySegment out = Reference.alloc(arena, t, oOff + rows * oStride, heap);
            out.fill((byte) 0x11);
            MemorySegment before = copy(arena, out);

            RmsNormKernels.rmsNorm(t, x, xOff, xStride, w, 2, out, oOff, oStride, rows, cols, EPS);

            for (int r = 0; r < rows; r++) {
                double[] y = referenceRmsNorm(t, x, xOff + r * xStride, w, 2, cols);
                for (int c = 0; c < cols; c++) {
                    assertClose(y[c], Reference.get(t, out, oOff + r * oStride + c), Tol.rmsNorm(t),
                            "row " + r + " col " + c);
                }
            }
            assertUntouchedOutside(t, before, out, oOff, oStride, rows, cols);
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2} weight={3}")
    @MethodSource("shapes")
    void fusedAddRmsNormMatchesReference(ElemType t, int rows, int cols, boolean withWeight) {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(arena, t, rows, cols, withWeight);
            MemorySegment y = Reference.alloc(arena, t, (long) rows * cols);
            MemorySegment res = Reference.alloc(arena, t, (long) rows * cols);
            RmsNormKernels.fusedAddRmsNorm(t, f.x, 0, cols, f.r, 0, cols, f.w, 0, y, 0, cols, res, 0, cols,
                    rows, cols, EPS);
            f.check(y, res);
        }
    }

    /** The in-place form: y written over x, the new residual over the residual. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(ElemType.class)
    void fusedAddRmsNormInPlace(ElemType t) {
        for (int[] shape : new int[][] {{1, 17}, {3, 4095}, {MANY_ROWS, 4097}}) {
            try (Arena arena = Arena.ofShared()) {
                int rows = shape[0];
                int cols = shape[1];
                Fixture f = new Fixture(arena, t, rows, cols, true);
                RmsNormKernels.fusedAddRmsNorm(t, f.x, 0, cols, f.r, 0, cols, f.w, 0, f.x, 0, cols, f.r, 0, cols,
                        rows, cols, EPS);
                f.check(f.x, f.r);
            }
        }
    }

    /** Outputs swapped onto the other input: every element must still be read before it is overwritten. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(ElemType.class)
    void fusedAddRmsNormCrossAliased(ElemType t) {
        try (Arena arena = Arena.ofShared()) {
            int rows = 9;
            int cols = 1000;
            Fixture f = new Fixture(arena, t, rows, cols, false);
            RmsNormKernels.fusedAddRmsNorm(t, f.x, 0, cols, f.r, 0, cols, null, 0, f.r, 0, cols, f.x, 0, cols,
                    rows, cols, EPS);
            f.check(f.r, f.x);
        }
    }

    /** In place for plain rms_norm too. */
    @Test
    void rmsNormInPlace() {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(arena, ElemType.BF16, MANY_ROWS, 2048, true);
            MemorySegment original = copy(arena, f.x);
            RmsNormKernels.rmsNorm(ElemType.BF16, f.x, 0, 2048, f.w, 0, f.x, 0, 2048, MANY_ROWS, 2048, EPS);
            for (int r = 0; r < MANY_ROWS; r++) {
                double[] y = referenceRmsNorm(ElemType.BF16, original, (long) r * 2048, f.w, 0, 2048);
                for (int c = 0; c < 2048; c++) {
                    assertClose(y[c], Reference.get(ElemType.BF16, f.x, (long) r * 2048 + c),
                            Tol.rmsNorm(ElemType.BF16), "row " + r + " col " + c);
                }
            }
        }
    }

    /** Memory of a confined arena cannot be shared with the pool: the kernel must run on the caller. */
    @Test
    void confinedSegmentsRunOnTheCallingThread() {
        try (Arena arena = Arena.ofConfined()) {
            Fixture f = new Fixture(arena, ElemType.F32, MANY_ROWS, 4096, true);
            MemorySegment y = Reference.alloc(arena, ElemType.F32, MANY_ROWS * 4096L);
            MemorySegment res = Reference.alloc(arena, ElemType.F32, MANY_ROWS * 4096L);
            RmsNormKernels.fusedAddRmsNorm(ElemType.F32, f.x, 0, 4096, f.r, 0, 4096, f.w, 0, y, 0, 4096, res, 0,
                    4096, MANY_ROWS, 4096, EPS);
            f.check(y, res);
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeAnythingIsWritten() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = Reference.alloc(arena, ElemType.F32, 100);
            MemorySegment out = Reference.alloc(arena, ElemType.F32, 99);
            out.fill((byte) 7);
            MemorySegment before = copy(arena, out);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> RmsNormKernels.rmsNorm(ElemType.F32, x, 0, 10, null, 0, out, 0, 10, 10, 10, EPS));
            assertEquals(true, e.getMessage().startsWith("out:"), e.getMessage());
            assertEquals(-1, before.mismatch(out));
            assertThrows(IllegalArgumentException.class,
                    () -> RmsNormKernels.rmsNorm(ElemType.F32, x, 0, 10, null, 0, x, 0, 5, 10, 10, EPS));
            assertThrows(IllegalArgumentException.class,
                    () -> RmsNormKernels.rmsNorm(ElemType.F32, x, 0, 10, null, 0, x, 0, 10, -1, 10, EPS));
            assertThrows(IllegalArgumentException.class,
                    () -> RmsNormKernels.rmsNorm(ElemType.F32, x, 0, 10, null, 0, x.asReadOnly(), 0, 10, 10, 10,
                            EPS));
        }
    }

    /** Inputs for fused_add_rms_norm and the reference outputs computed before the call. */
    private static final class Fixture {
        final ElemType t;
        final int rows;
        final int cols;
        final MemorySegment x;
        final MemorySegment r;
        final MemorySegment w;
        final double[][] expectedY;
        final double[][] expectedRes;

        Fixture(Arena arena, ElemType t, int rows, int cols, boolean withWeight) {
            this(arena, t, rows, cols, withWeight, false);
        }

        Fixture(Arena arena, ElemType t, int rows, int cols, boolean withWeight, boolean heap) {
            this.t = t;
            this.rows = rows;
            this.cols = cols;
            SplittableRandom rnd = new SplittableRandom(rows * 17L + cols);
            x = Reference.alloc(arena, t, (long) rows * cols, heap);
            r = Reference.alloc(arena, t, (long) rows * cols, heap);
            Reference.fill(t, x, 0, cols, rows, cols, rnd, -2, 2);
            Reference.fill(t, r, 0, cols, rows, cols, rnd, -2, 2);
            w = withWeight ? Reference.alloc(arena, t, cols, heap) : null;
            if (w != null) {
                Reference.fill(t, w, 0, 0, 1, cols, rnd, 0.5, 1.5);
            }
            expectedY = new double[rows][];
            expectedRes = new double[rows][cols];
            for (int i = 0; i < rows; i++) {
                double[] sum = new double[cols];
                for (int c = 0; c < cols; c++) {
                    sum[c] = Reference.get(t, x, (long) i * cols + c) + Reference.get(t, r, (long) i * cols + c);
                    expectedRes[i][c] = Reference.round(t, sum[c]);
                }
                expectedY[i] = rmsNorm(sum, t, w, 0);
            }
        }

        void check(MemorySegment y, MemorySegment res) {
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < cols; c++) {
                    long at = (long) i * cols + c;
                    assertClose(expectedRes[i][c], Reference.get(t, res, at), Tol.of(t), "residual " + i + "," + c);
                    assertClose(expectedY[i][c], Reference.get(t, y, at), Tol.rmsNorm(t), "y " + i + "," + c);
                }
            }
        }
    }

    static double[] referenceRmsNorm(ElemType t, MemorySegment x, long at, MemorySegment w, long wOff, int cols) {
        double[] v = new double[cols];
        for (int c = 0; c < cols; c++) {
            v[c] = Reference.get(t, x, at + c);
        }
        return rmsNorm(v, t, w, wOff);
    }

    private static double[] rmsNorm(double[] v, ElemType t, MemorySegment w, long wOff) {
        double sum = 0;
        for (double d : v) {
            sum += d * d;
        }
        double inv = 1 / Math.sqrt(sum / v.length + EPS);
        double[] y = new double[v.length];
        for (int c = 0; c < v.length; c++) {
            y[c] = v[c] * inv * (w == null ? 1 : Reference.get(t, w, wOff + c));
        }
        return y;
    }

    static MemorySegment copy(Arena arena, MemorySegment s) {
        MemorySegment c = arena.allocate(s.byteSize());
        c.copyFrom(s);
        return c;
    }

    /** Bytes of {@code out} outside the written rows (offset, padding between rows) must be unchanged. */
    static void assertUntouchedOutside(ElemType t, MemorySegment before, MemorySegment out, long off, long stride,
                                       int rows, int cols) {
        long n = out.byteSize() / t.byteSize();
        for (long i = 0; i < n; i++) {
            long rel = i - off;
            boolean written = rel >= 0 && rel / stride < rows && rel % stride < cols;
            if (!written) {
                for (int b = 0; b < t.byteSize(); b++) {
                    long at = i * t.byteSize() + b;
                    assertEquals(before.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at),
                            out.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at), "byte " + at + " was overwritten");
                }
            }
        }
    }
}
