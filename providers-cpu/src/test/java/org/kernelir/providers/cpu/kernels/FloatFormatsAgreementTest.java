package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.FloatFormats;

/**
 * The kernels' encoders agree with ir-core's {@link FloatFormats}, the project's reference for dtype conversions
 * (and so does this test package's own {@link Reference}).
 */
class FloatFormatsAgreementTest {

    private static float[] values() {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] v = new float[200_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (i % 4) {
                case 0 -> Float.intBitsToFloat(rnd.nextInt());
                case 1 -> (float) ((rnd.nextDouble() * 2 - 1) * Math.pow(2, rnd.nextInt(-20, 20)));
                // exact midpoints between neighbouring fp8 values and their neighbours
                case 2 -> {
                    int c = rnd.nextInt(0x7E);
                    float mid = (Reference.fp8Value((byte) c) + Reference.fp8Value((byte) (c + 1))) / 2;
                    yield rnd.nextBoolean() ? mid : Math.nextUp(mid);
                }
                default -> (float) (rnd.nextDouble() * 1000 - 500);
            };
        }
        return v;
    }

    @Test
    void fp8DecodingAgrees() {
        for (int c = 0; c < 256; c++) {
            float mine = Reference.fp8Value((byte) c);
            float core = FloatFormats.f8e4m3fnToFloat((byte) c);
            assertTrue(Float.compare(mine, core) == 0 || (Float.isNaN(mine) && Float.isNaN(core)), "code " + c);
        }
    }

    @Test
    void fp8EncodingAgrees() {
        float[] v = values();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(4L * v.length);
            MemorySegment q = arena.allocate(v.length);
            MemorySegment.copy(v, 0, f, Reference.F32, 0, v.length);
            // The vector path over all values (with a scalar tail), then the scalar encoder one by one.
            for (int j = 0; j + Lanes.LANES <= v.length && Lanes.VECTOR_FP8; j += Lanes.LANES) {
                Lanes.storeFp8(Lanes.load(f, j), q, j);
            }
            for (int i = 0; i < v.length; i++) {
                byte core = FloatFormats.floatToF8e4m3fn(v[i], true);
                assertEquals(core, Lanes.floatToFp8(v[i]), "scalar fp8 of " + v[i]);
                assertEquals(core, Reference.fp8Code(v[i]), "test reference fp8 of " + v[i]);
                if (Lanes.VECTOR_FP8 && i < v.length - v.length % Lanes.LANES) {
                    assertEquals(core, q.get(ValueLayout.JAVA_BYTE, i), "vector fp8 of " + v[i]);
                }
            }
        }
    }

    @Test
    void sixteenBitRoundingAgrees() {
        float[] v = values();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(4L * v.length);
            MemorySegment.copy(v, 0, f, Reference.F32, 0, v.length);
            MemorySegment h = arena.allocate(2L * v.length);
            MemorySegment b = arena.allocate(2L * v.length);
            Lanes.narrow(ElemType.F16, f, h, 0, v.length);
            Lanes.narrow(ElemType.BF16, f, b, 0, v.length);
            for (int i = 0; i < v.length; i++) {
                short f16 = h.get(Reference.I16, 2L * i);
                short bf16 = b.get(Reference.I16, 2L * i);
                if (Float.isNaN(v[i])) {
                    assertTrue(Float.isNaN(FloatFormats.f16ToFloat(f16)), "f16 NaN");
                    assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(bf16)), "bf16 NaN");
                } else {
                    assertEquals(FloatFormats.floatToF16(v[i]), f16, "f16 of " + v[i]);
                    assertEquals(FloatFormats.floatToBf16(v[i]), bf16, "bf16 of " + v[i]);
                }
                assertEquals(FloatFormats.floatToBf16(v[i]), Lanes.floatToBf16(v[i]), "scalar bf16 of " + v[i]);
            }
        }
    }
}
