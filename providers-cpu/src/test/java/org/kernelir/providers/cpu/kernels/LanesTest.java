package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The element conversions against the JDK (f16) and the test's own nearest-value search (bf16, fp8). */
class LanesTest {

    /** Every f16 bit pattern widens to exactly what the JDK gives (any NaN for NaN), from native and heap memory. */
    @Test
    void widenF16IsExactForAllPatterns() {
        for (boolean heap : new boolean[] {false, true}) {
            float[] dst = widenAllPatterns(ElemType.F16, heap);
            for (int i = 0; i < dst.length; i++) {
                assertSameFloat(Float.float16ToFloat((short) i), dst[i], "f16 0x" + Integer.toHexString(i));
            }
        }
    }

    @Test
    void widenBf16IsExactForAllPatterns() {
        for (boolean heap : new boolean[] {false, true}) {
            float[] dst = widenAllPatterns(ElemType.BF16, heap);
            for (int i = 0; i < dst.length; i++) {
                assertEquals(i << 16, Float.floatToRawIntBits(dst[i]), "bf16 0x" + Integer.toHexString(i));
            }
        }
    }

    @Test
    void narrowF16MatchesJdk() {
        float[] values = interestingFloats(ElemType.F16);
        for (boolean heap : new boolean[] {false, true}) {
            float[] back = narrowAndWiden(ElemType.F16, values, heap);
            for (int i = 0; i < values.length; i++) {
                assertSameFloat(Float.float16ToFloat(Float.floatToFloat16(values[i])), back[i], "f16 of " + values[i]
                        + " (0x" + Integer.toHexString(Float.floatToRawIntBits(values[i])) + ")");
            }
        }
    }

    @Test
    void narrowBf16RoundsToNearestEven() {
        float[] values = interestingFloats(ElemType.BF16);
        for (boolean heap : new boolean[] {false, true}) {
            float[] back = narrowAndWiden(ElemType.BF16, values, heap);
            for (int i = 0; i < values.length; i++) {
                float expected = Float.intBitsToFloat(Reference.bf16Bits(values[i]) << 16);
                assertSameFloat(expected, back[i], "bf16 of " + values[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(values[i])) + ")");
            }
        }
    }

    @Test
    void f32RowsAreCopiedExactly() {
        float[] values = interestingFloats(ElemType.BF16);
        for (boolean heap : new boolean[] {false, true}) {
            float[] back = narrowAndWiden(ElemType.F32, values, heap);
            for (int i = 0; i < values.length; i++) {
                assertSameFloat(values[i], back[i], "f32 " + values[i]);
            }
        }
    }

    /** The vector encoder (a full vector per value) and the scalar one agree with the nearest-code search. */
    @Test
    void fp8EncodingSaturatesAndRoundsToNearestEven() {
        List<Float> values = new ArrayList<>();
        for (int c = 0; c < 256; c++) {
            float v = Reference.fp8Value((byte) c);
            values.add(v);
            // midpoints to the next code (ties), and values just around them
            float next = Reference.fp8Value((byte) (c + 1));
            if (!Float.isNaN(v) && !Float.isNaN(next) && (c & 0x7F) < 0x7E) {
                float mid = (v + next) / 2;
                values.add(mid);
                values.add(Math.nextUp(mid));
                values.add(Math.nextDown(mid));
            }
        }
        for (float v : new float[] {448f, 449f, 464f, 465f, 480f, 1e9f, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NaN, Float.MIN_VALUE, 0x1p-10f, 0x1p-9f, 0x1.8p-10f, 0x1.0000002p-10f, 0f}) {
            values.add(v);
            values.add(-v);
        }
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 20000; i++) {
            values.add((float) ((rnd.nextDouble() * 2 - 1) * Math.pow(2, rnd.nextInt(-14, 11))));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(4L * Lanes.LANES);
            MemorySegment out = arena.allocate(Lanes.LANES);
            for (float v : values) {
                byte expected = Reference.fp8Code(v);
                assertEquals(expected, Lanes.floatToFp8(v), "scalar fp8 of " + v);
                if (Lanes.VECTOR_FP8) {
                    for (int l = 0; l < Lanes.LANES; l++) {
                        f.set(Reference.F32, 4L * l, v);
                    }
                    Lanes.storeFp8(Lanes.load(f, 0), out, 0);
                    for (int l = 0; l < Lanes.LANES; l++) {
                        assertEquals(expected, out.get(ValueLayout.JAVA_BYTE, l), "vector fp8 of " + v);
                    }
                }
            }
        }
    }

    /** All 2^16 bit patterns, one element each, at an odd element offset, widened. */
    private static float[] widenAllPatterns(ElemType t, boolean heap) {
        int n = 1 << 16;
        MemorySegment src = segment(2L * (n + 3), heap);
        for (int i = 0; i < n; i++) {
            src.set(Reference.I16, 2L * (i + 3), (short) i);
        }
        MemorySegment dst = Arena.ofAuto().allocate(4L * n);
        Lanes.widen(t, src, 3, dst, n);
        return dst.toArray(Reference.F32);
    }

    /** Narrows the values into memory (at an odd element offset), then reads them back exactly. */
    private static float[] narrowAndWiden(ElemType t, float[] values, boolean heap) {
        int n = values.length;
        MemorySegment mid = segment((long) t.byteSize() * (n + 1), heap);
        MemorySegment src = Arena.ofAuto().allocate(4L * n);
        MemorySegment.copy(values, 0, src, Reference.F32, 0, n);
        Lanes.narrow(t, src, mid, 1, n);
        float[] back = new float[n];
        for (int i = 0; i < n; i++) {
            back[i] = (float) Reference.get(t, mid, i + 1);
        }
        return back;
    }

    /** Native memory, or heap memory over a {@code long[]} as {@code CpuTensor} allocates it. */
    private static MemorySegment segment(long bytes, boolean heap) {
        return heap ? MemorySegment.ofArray(new long[(int) ((bytes + 7) / 8)]) : Arena.ofAuto().allocate(bytes);
    }

    /** Exact values, ties and near-ties of the 16-bit grid, overflow and subnormal edges, and random bits. */
    private static float[] interestingFloats(ElemType t) {
        List<Float> v = new ArrayList<>();
        for (int bits = 0; bits < 1 << 16; bits += 1) {
            float a = t == ElemType.F16 ? Float.float16ToFloat((short) bits) : Float.intBitsToFloat(bits << 16);
            float b = t == ElemType.F16 ? Float.float16ToFloat((short) (bits + 1))
                    : Float.intBitsToFloat((bits + 1) << 16);
            v.add(a);
            if (Float.isFinite(a) && Float.isFinite(b) && Math.signum(a) == Math.signum(b)) {
                float mid = (float) (((double) a + b) / 2);
                v.add(mid);
                v.add(Math.nextUp(mid));
                v.add(Math.nextDown(mid));
            }
        }
        for (float f : new float[] {65504f, 65519.99f, 65520f, 65536f, 1e10f, Float.MAX_VALUE, Float.MIN_VALUE,
                Float.POSITIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0x7FFFFFFF),
                0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f, 0x1p-14f, Math.nextDown(0x1p-14f)}) {
            v.add(f);
            v.add(-f);
        }
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            v.add(Float.intBitsToFloat(rnd.nextInt()));
        }
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return a;
    }

    private static void assertSameFloat(float expected, float actual, String what) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), what + ": expected NaN, got " + actual);
        } else {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                    what + ": expected " + expected + ", got " + actual);
        }
    }
}
