package org.kernelir.providers.cpu.kernels;

import static org.kernelir.providers.cpu.kernels.Reference.assertClose;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.providers.cpu.kernels.Reference.Tol;

/** silu_and_mul and gelu_and_mul against double-precision references. */
class ActivationKernelsTest {

    enum Act {
        SILU(Reference::silu),
        GELU(Reference::geluErf),
        GELU_TANH(Reference::geluTanh);

        final DoubleUnaryOperator ref;

        Act(DoubleUnaryOperator ref) {
            this.ref = ref;
        }

        void run(ElemType t, MemorySegment x, long xOff, long xStride, MemorySegment out, long oOff, long oStride,
                 int rows, int d) {
            switch (this) {
                case SILU -> ActivationKernels.siluAndMul(t, x, xOff, xStride, out, oOff, oStride, rows, d);
                case GELU -> ActivationKernels.geluAndMul(t, false, x, xOff, xStride, out, oOff, oStride, rows, d);
                case GELU_TANH -> ActivationKernels.geluAndMul(t, true, x, xOff, xStride, out, oOff, oStride, rows, d);
            }
        }
    }

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Act act : Act.values()) {
            for (ElemType t : ElemType.values()) {
                for (int d : new int[] {1, 3, 8, 17, 1000, 2051}) {
                    cases.add(Arguments.of(act, t, 3, d));
                }
                cases.add(Arguments.of(act, t, 1, 4095));
                // 3 * 2051 * size bytes per row: well above the parallel threshold
                cases.add(Arguments.of(act, t, 250, 2051));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}")
    @MethodSource("cases")
    void matchesReference(Act act, ElemType t, int rows, int d) {
        check(act, t, rows, d, false);
    }

    static List<Arguments> heapCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Act act : Act.values()) {
            for (ElemType t : ElemType.values()) {
                cases.add(Arguments.of(act, t, 3, 17));
                cases.add(Arguments.of(act, t, 250, 2051));
            }
        }
        return cases;
    }

    /** Heap memory over long[], as CpuTensor allocates it. */
    @ParameterizedTest(name = "heap {0} {1} {2}x{3}")
    @MethodSource("heapCases")
    void matchesReferenceOnHeapMemory(Act act, ElemType t, int rows, int d) {
        check(act, t, rows, d, true);
    }

    private static void check(Act act, ElemType t, int rows, int d, boolean heap) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(rows * 7L + d);
            long xOff = 5;
            long xStride = 2L * d + 3;
            long oOff = 2;
            long oStride = d + 1;
            MemorySegment x = Reference.alloc(arena, t, xOff + rows * xStride, heap);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < d; j++) {
                    Reference.set(t, x, xOff + r * xStride + j, gate(rnd, j));
                    Reference.set(t, x, xOff + r * xStride + d + j, -3 + 6 * rnd.nextDouble());
                }
            }
            MemorySegment out = Reference.alloc(arena, t, oOff + rows * oStride, heap);
            out.fill((byte) 0x3C);
            MemorySegment before = RmsNormKernelsTest.copy(arena, out);

            act.run(t, x, xOff, xStride, out, oOff, oStride, rows, d);

            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < d; j++) {
                    double a = Reference.get(t, x, xOff + r * xStride + j);
                    double b = Reference.get(t, x, xOff + r * xStride + d + j);
                    assertClose(act.ref.applyAsDouble(a) * b, Reference.get(t, out, oOff + r * oStride + j),
                            Tol.of(t), act + "(" + a + ") * " + b + " at row " + r + " col " + j);
                }
            }
            RmsNormKernelsTest.assertUntouchedOutside(t, before, out, oOff, oStride, rows, d);
        }
    }

    /** Output written over the gate half of the input, same offset and stride. */
    @Test
    void outputMayBeTheGateHalfOfTheInput() {
        for (ElemType t : ElemType.values()) {
            try (Arena arena = Arena.ofShared()) {
                int rows = 300;
                int d = 1500;
                SplittableRandom rnd = new SplittableRandom(5);
                MemorySegment x = Reference.alloc(arena, t, 2L * rows * d);
                Reference.fill(t, x, 0, 2L * d, rows, 2 * d, rnd, -5, 5);
                double[] expected = new double[rows * d];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < d; j++) {
                        expected[r * d + j] = Reference.silu(Reference.get(t, x, 2L * r * d + j))
                                * Reference.get(t, x, 2L * r * d + d + j);
                    }
                }
                ActivationKernels.siluAndMul(t, x, 0, 2L * d, x, 0, 2L * d, rows, d);
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < d; j++) {
                        assertClose(expected[r * d + j], Reference.get(t, x, 2L * r * d + j), Tol.of(t),
                                t + " row " + r + " col " + j);
                    }
                }
            }
        }
    }

    /** Mostly moderate gates, with saturating and exact-zero ones mixed in. */
    private static double gate(SplittableRandom rnd, int j) {
        return switch (j % 23) {
            case 5 -> 30;
            case 6 -> -30;
            case 7 -> 100;
            case 8 -> -100;
            case 9 -> 0;
            default -> -8 + 16 * rnd.nextDouble();
        };
    }
}
