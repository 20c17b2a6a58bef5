package org.kernelir.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;

/** Supports rules that say why they decline. */
class SupportsTest {

    private static final CallArgs F32 = CallArgs.of(TensorMeta.of(DType.F32, 4, 64), null);
    private static final CallArgs BF16 = CallArgs.of(TensorMeta.of(DType.BF16, 4, 64), null);

    private static final Supports RULE = Supports.when("x is float32", a -> a.meta(0).dtype() == DType.F32)
            .and("weight is given", a -> !a.isNull(1));

    @Test
    void namedConditionsNameTheFirstThatFails() {
        assertEquals(Optional.of("condition 'x is float32' is false"), RULE.whyNot(BF16));
        assertEquals(Optional.of("condition 'weight is given' is false"), RULE.whyNot(F32));
        assertFalse(RULE.test(F32));
        CallArgs ok = CallArgs.of(TensorMeta.of(DType.F32, 4, 64), TensorMeta.of(DType.F32, 64));
        assertTrue(RULE.test(ok));
        assertEquals(Optional.empty(), RULE.whyNot(ok));
    }

    @Test
    void aPlainLambdaStillWorksAndSaysOnlyNo() {
        Supports plain = a -> a.meta(0).dtype() == DType.F32;
        assertEquals(Optional.empty(), plain.whyNot(F32));
        assertTrue(plain.whyNot(BF16).orElseThrow().startsWith("its supports rule returned false"));
        Supports mixed = Supports.allOf(plain, Supports.when("weight is given", a -> !a.isNull(1)));
        assertEquals(Optional.of("condition 'weight is given' is false"), mixed.whyNot(F32));
        assertEquals(Optional.of("its supports rule returned false"), mixed.whyNot(BF16));
        assertEquals(Optional.empty(), Supports.ALL.whyNot(BF16));
    }
}
