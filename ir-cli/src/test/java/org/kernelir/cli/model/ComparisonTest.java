package org.kernelir.cli.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.Tolerance;

/** {@code kir run --compare}'s element comparison, NaN in particular. */
class ComparisonTest {

    private static final Tolerance TOL = new Tolerance(1e-5, 1.3e-6);
    private static final double NAN = Double.NaN;

    @Test
    void nanOnOneSideIsCountedAndLocatedInsteadOfReportedAsAnInfiniteError() {
        CpuTensor lowered = CpuTensor.of(DType.F32, new double[] {1, 2, NAN, 4, NAN, 6}, 2, 3);
        CpuTensor nat = CpuTensor.of(DType.F32, new double[] {1, 2.5, 3, 4, 5, NAN}, 2, 3);
        Comparison c = Comparison.of("y", lowered, nat, TOL);
        assertFalse(c.withinTolerance());
        assertEquals(3, c.nanMismatches());
        assertArrayEquals(new long[] {0, 2}, c.firstNanMismatch());
        assertEquals(0.5, c.maxAbsErr(), "the largest error among the elements that are numbers on both sides");
        assertEquals("3 elements NaN on one side only, first at [0, 2]", c.nanSummary());
    }

    @Test
    void nanOnBothSidesAndEqualInfinitiesMatch() {
        double inf = Double.POSITIVE_INFINITY;
        CpuTensor a = CpuTensor.of(DType.F32, new double[] {NAN, inf, -inf, 1}, 4);
        Comparison c = Comparison.of("y", a, CpuTensor.of(DType.F32, new double[] {NAN, inf, -inf, 1}, 4), TOL);
        assertTrue(c.withinTolerance());
        assertEquals(0, c.nanMismatches());
        assertNull(c.firstNanMismatch());
        assertEquals("", c.nanSummary());
        assertEquals(0.0, c.maxAbsErr());
    }

    @Test
    void anInfinityAgainstAFiniteValueIsAnInfiniteError() {
        CpuTensor a = CpuTensor.of(DType.F32, new double[] {Double.POSITIVE_INFINITY, 1}, 2);
        Comparison c = Comparison.of("y", a, CpuTensor.of(DType.F32, new double[] {2, 1}, 2), TOL);
        assertFalse(c.withinTolerance());
        assertEquals(Double.POSITIVE_INFINITY, c.maxAbsErr());
        assertEquals(0, c.nanMismatches());
    }
}
