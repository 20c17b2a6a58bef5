package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.cache.Fixtures.meta;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;

class ArgSignatureTest {

    private static ArgSignature sig(Object... args) {
        return ArgSignature.of(Arrays.asList(args));
    }

    @Test
    void symbolsAreRenamedByFirstAppearance() {
        ArgSignature s7 = sig(meta("s7", 4096));
        assertEquals(sig(meta("s0", 4096)), s7);
        assertEquals(List.of(meta("s0", 4096)), s7.canonicalArgs());
        assertEquals(Map.of("s0", Dim.sym("s7")), s7.toCallSymbols());
        assertEquals(sig(meta("b", "h"), meta("b", "h")), sig(meta("s0", "s1"), meta("s0", "s1")));
    }

    @Test
    void sharedSymbolsDifferFromDistinctOnes() {
        assertNotEquals(sig(meta("s0", "h"), meta("s0", "h")), sig(meta("s0", "h"), meta("s1", "h")));
        assertNotEquals(sig(meta("s0", "h")), sig(meta("s0", "s0")));
    }

    @Test
    void scalarsCountByExactValue() {
        double next = 1.0000000000000002e-6;
        assertNotEquals(1e-6, next);
        assertNotEquals(sig(1e-6), sig(next));
        assertNotEquals(sig(-0.0), sig(0.0));
        assertEquals(sig(Double.NaN), sig(Double.NaN));
        assertNotEquals(sig(1L), sig(1.0));
        assertNotEquals(sig(true), sig(1L));
        assertEquals(sig(1e-6, 3L), sig(1e-6, 3L));
    }

    @Test
    void listsNullsDtypesAndStringsKeepTheirStructure() {
        assertNotEquals(sig(List.of(List.of(1L, 2L), List.of(3L))), sig(List.of(List.of(1L), List.of(2L, 3L))));
        assertNotEquals(sig(List.of(1L, 2L)), sig(List.of(List.of(1L, 2L))));
        assertNotEquals(sig(List.of(1L, 2L)), sig(1L, 2L));
        assertNotEquals(sig(null, meta(4)), sig(meta(4), null));
        assertNotEquals(sig((Object) null), sig("N"));
        assertNotEquals(sig(DType.F16), sig(DType.BF16));
        assertNotEquals(sig(DType.F16), sig("f16"));
        assertNotEquals(sig("a;b"), sig("a", "b"));
        assertNotEquals(sig("a),S(1:b"), sig("a", "b"));
        assertNotEquals(sig(TensorMeta.of(DType.F16, 4)), sig(TensorMeta.of(DType.BF16, 4)));
    }

    @Test
    void stridesAndDevicesCount() {
        TensorMeta rowMajor = TensorMeta.of(DType.F32, 4, 8);
        TensorMeta transposed = new TensorMeta(DType.F32, List.of(Dim.of(4), Dim.of(8)), List.of(Dim.of(1), Dim.of(4)),
                Device.CPU);
        TensorMeta onGpu = new TensorMeta(DType.F32, rowMajor.shape(), rowMajor.strides(), Device.cuda(0));
        assertNotEquals(sig(rowMajor), sig(transposed));
        assertNotEquals(sig(rowMajor), sig(onGpu));
        assertNotEquals(sig(onGpu), sig(new TensorMeta(DType.F32, rowMajor.shape(), rowMajor.strides(),
                Device.cuda(1))));
    }

    @Test
    void functionsAndClassesCannotBePartOfASignature() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sig(String.class));
        assertTrue(e.getMessage().contains("cannot be part of a cache signature"), e.getMessage());
        Runnable fn = () -> { };
        assertThrows(IllegalArgumentException.class, () -> sig(fn));
    }
}
