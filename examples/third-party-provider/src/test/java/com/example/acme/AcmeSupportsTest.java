package com.example.acme;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.shape.Dim;

/** The supports rule: what Acme takes, and what it leaves to the next provider. */
class AcmeSupportsTest {

    private static CallArgs args(TensorMeta x, TensorMeta w, Long varianceSize) {
        return new CallArgs(Arrays.asList(x, w, 1e-6, varianceSize));
    }

    private static final TensorMeta X = TensorMeta.of(DType.F32, java.util.List.of(Dim.sym("s0"), Dim.of(64)));
    private static final TensorMeta W = TensorMeta.of(DType.F32, 64);

    @Test
    void takesContiguousF32WithAWeightForAnyTokenCount() {
        assertTrue(AcmeProvider.supports(args(X, W, null)));
        assertTrue(AcmeProvider.supports(args(TensorMeta.of(DType.F32, 7, 64), W, null)));
    }

    @Test
    void leavesEverythingElseToTheNextProvider() {
        assertFalse(AcmeProvider.supports(args(X.withDtype(DType.F16), TensorMeta.of(DType.F16, 64), null)), "f16");
        assertFalse(AcmeProvider.supports(args(X, null, null)), "weight=None");
        assertFalse(AcmeProvider.supports(args(X, W, 32L)), "variance_size");
        assertFalse(AcmeProvider.supports(args(X, TensorMeta.of(DType.F32, 32), null)), "weight size");
        TensorMeta strided = new TensorMeta(DType.F32, X.shape(), java.util.List.of(Dim.of(128), Dim.of(1)),
                X.device());
        assertFalse(AcmeProvider.supports(args(strided, W, null)), "strided rows");
    }
}
