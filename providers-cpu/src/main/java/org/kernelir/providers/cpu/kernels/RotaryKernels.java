package org.kernelir.providers.cpu.kernels;

import static org.kernelir.providers.cpu.kernels.Lanes.LANES;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * Rotary position embedding, the {@code rotary_embedding} op of the IR set, applied in place.
 *
 * <h2>Layout</h2>
 * {@code positions} holds {@code tokens} little-endian i64 values from element {@code posOff}. {@code query} is a
 * row-major {@code tokens x (numQHeads * headSize)} matrix (row {@code i} at {@code qOff + i * qRowStride}, heads
 * contiguous inside a row, {@code qRowStride >= numQHeads * headSize}); {@code key}, when present, likewise with
 * {@code numKHeads}. {@code cosSinCache} is row-major with rows {@code cacheRowStride} elements apart from
 * {@code cacheOff}; row {@code p} holds {@code cos[0..rotaryDim/2)} followed by {@code sin[0..rotaryDim/2)}. The
 * cache has as many rows as fit in its segment: {@code cacheRows = (elements - cacheOff - rotaryDim) /
 * cacheRowStride + 1}. All offsets and strides count elements; query, key and cache share the element type.
 *
 * <h2>Arithmetic</h2>
 * For token {@code i}, {@code p = positions[i]}, and every head, on the first {@code rotaryDim} elements of the
 * head: NeoX style pairs {@code x1 = x[j]}, {@code x2 = x[j + rotaryDim/2]}; GPT-J style pairs {@code x1 = x[2j]},
 * {@code x2 = x[2j + 1]}; each pair becomes {@code (x1 cos[j] - x2 sin[j], x2 cos[j] + x1 sin[j])}, computed in f32
 * (products rounded, then the sum) and rounded once to the element type. Elements past {@code rotaryDim} are not
 * touched.
 *
 * <p>See the {@linkplain org.kernelir.providers.cpu.kernels package} for the contract shared by all kernels
 * (memory kinds, checks, threads). Positions are checked too, before anything is written.
 */
public final class RotaryKernels {

    /** Swaps the two lanes of each (even, odd) pair: the partner of each GPT-J element. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(Lanes.F, i -> i ^ 1);

    private RotaryKernels() {
    }

    /**
     * Rotates {@code query} and {@code key} in place.
     *
     * @param t              element type of query, key and the cache
     * @param positions      i64 position of each token
     * @param posOff         element (i64) offset of token 0's position
     * @param query          {@code tokens x (numQHeads * headSize)}, rotated in place
     * @param qOff           element offset of token 0's query row
     * @param qRowStride     elements between consecutive tokens' query rows
     * @param numQHeads      query heads per token
     * @param key            {@code tokens x (numKHeads * headSize)}, rotated in place; {@code null} for none
     * @param kOff           element offset of token 0's key row (ignored without key)
     * @param kRowStride     elements between consecutive tokens' key rows (ignored without key)
     * @param numKHeads      key heads per token (ignored without key)
     * @param headSize       elements per head
     * @param rotaryDim      leading elements of each head that are rotated; even, {@code 2 <= rotaryDim <= headSize}
     * @param cosSinCache    the cos/sin table, {@code [cacheRows, rotaryDim]} with row stride {@code cacheRowStride}
     * @param cacheOff       element offset of cache row 0
     * @param cacheRowStride elements between consecutive cache rows; {@code >= 1}
     * @param neox           {@code true} for NeoX style (halves), {@code false} for GPT-J style (interleaved pairs)
     * @param tokens         number of tokens
     * @throws IndexOutOfBoundsException if a position is outside {@code [0, cacheRows)} (the message names the token
     *                                   and the position), or a tensor does not fit its segment; nothing is written
     * @throws IllegalArgumentException  on invalid sizes, offsets or strides
     */
    public static void rotary(ElemType t, MemorySegment positions, long posOff,
                              MemorySegment query, long qOff, long qRowStride, int numQHeads,
                              MemorySegment key, long kOff, long kRowStride, int numKHeads,
                              int headSize, int rotaryDim,
                              MemorySegment cosSinCache, long cacheOff, long cacheRowStride,
                              boolean neox, int tokens) {
        int size = t.byteSize();
        if (tokens < 0 || numQHeads < 0 || (key != null && numKHeads < 0)) {
            throw new IllegalArgumentException("tokens (" + tokens + ") and head counts (" + numQHeads + ", "
                    + numKHeads + ") must be >= 0");
        }
        if (rotaryDim < 2 || rotaryDim % 2 != 0 || rotaryDim > headSize) {
            throw new IllegalArgumentException("rotaryDim must be even and in [2, headSize=" + headSize + "], got "
                    + rotaryDim);
        }
        if (cacheRowStride < 1) {
            throw new IllegalArgumentException("cacheRowStride must be >= 1, got " + cacheRowStride);
        }
        int kHeads = key == null ? 0 : numKHeads;
        Checks.region("positions", positions, Long.BYTES, posOff, 1, tokens, 1);
        Checks.outputRegion("query", query, size, qOff, qRowStride, tokens, (long) numQHeads * headSize);
        if (key != null) {
            Checks.outputRegion("key", key, size, kOff, kRowStride, tokens, (long) kHeads * headSize);
        }
        Checks.region("cosSinCache", cosSinCache, size, cacheOff, cacheRowStride, 1, rotaryDim);
        long cacheRows = (cosSinCache.byteSize() / size - cacheOff - rotaryDim) / cacheRowStride + 1;
        for (int i = 0; i < tokens; i++) {
            long p = positions.get(Lanes.I64_LE, (posOff + i) << 3);
            if (p < 0 || p >= cacheRows) {
                throw new IndexOutOfBoundsException("rotary: token " + i + " has position " + p
                        + ", outside the cos/sin cache rows [0, " + cacheRows + "); positions must index the cache");
            }
        }
        int half = rotaryDim / 2;
        boolean direct = t == ElemType.F32 && Lanes.allNative(query, key, cosSinCache);
        RowScheduler.forRows(tokens, 2L * (numQHeads + kHeads) * rotaryDim * size, (i0, i1) -> {
            // Per token, cos and sin as f32: straight from an f32 native cache, else widened into scratch. GPT-J
            // style wants them per element of the pair, (cos, cos) and (-sin, sin), built once per token.
            MemorySegment table = neox && direct ? null : Scratch.row(1, 2 * rotaryDim);
            // Staged heads: a whole token row at once when every element is rotated (fewer, longer conversions),
            // else one head's rotated part at a time, so that the pass-through part is never rewritten.
            boolean wholeRow = rotaryDim == headSize;
            MemorySegment head = direct ? null
                    : Scratch.row(0, wholeRow ? Math.max(numQHeads, kHeads) * headSize : rotaryDim);
            for (int i = i0; i < i1; i++) {
                long p = positions.get(Lanes.I64_LE, (posOff + i) << 3);
                long cacheRow = cacheOff + p * cacheRowStride;
                MemorySegment cs;
                long cosAt;
                long sinAt;
                if (!neox) {
                    expandPairs(t, cosSinCache, cacheRow, half, table);
                    cs = table;
                    cosAt = 0;
                    sinAt = rotaryDim;
                } else if (direct) {
                    cs = cosSinCache;
                    cosAt = cacheRow;
                    sinAt = cacheRow + half;
                } else {
                    Lanes.widen(t, cosSinCache, cacheRow, table, rotaryDim);
                    cs = table;
                    cosAt = 0;
                    sinAt = half;
                }
                rotateHeads(t, head, wholeRow, query, qOff + i * qRowStride, numQHeads, headSize, rotaryDim, neox,
                        cs, cosAt, sinAt);
                if (key != null) {
                    rotateHeads(t, head, wholeRow, key, kOff + i * kRowStride, kHeads, headSize, rotaryDim, neox,
                            cs, cosAt, sinAt);
                }
            }
        }, positions, query, key, cosSinCache);
    }

    /**
     * Rotates every head of one token's row: in place, or, when {@code scratch} is not null, through it (the whole
     * row at once if {@code wholeRow}, else head by head).
     */
    private static void rotateHeads(ElemType t, MemorySegment scratch, boolean wholeRow, MemorySegment x, long rowAt,
                                    int heads, int headSize, int rotaryDim, boolean neox, MemorySegment cs,
                                    long cosAt, long sinAt) {
        if (scratch != null && wholeRow) {
            int n = heads * headSize;
            Lanes.widen(t, x, rowAt, scratch, n);
            rotateHeads(t, null, false, scratch, 0, heads, headSize, rotaryDim, neox, cs, cosAt, sinAt);
            Lanes.narrow(t, scratch, x, rowAt, n);
            return;
        }
        for (int h = 0; h < heads; h++) {
            long at = rowAt + (long) h * headSize;
            MemorySegment v = x;
            long vi = at;
            if (scratch != null) {
                Lanes.widen(t, x, at, scratch, rotaryDim);
                v = scratch;
                vi = 0;
            }
            if (neox) {
                rotateHalves(v, vi, rotaryDim / 2, cs, cosAt, sinAt);
            } else {
                rotatePairs(v, vi, rotaryDim, cs, cosAt, sinAt);
            }
            if (scratch != null) {
                Lanes.narrow(t, scratch, x, at, rotaryDim);
            }
        }
    }

    /** Writes cos as (c0, c0, c1, c1, ...) at 0 and sin as (-s0, s0, -s1, s1, ...) at rotaryDim of {@code table}. */
    private static void expandPairs(ElemType t, MemorySegment cache, long cacheRow, int half, MemorySegment table) {
        int rotaryDim = 2 * half;
        for (int j = 0; j < half; j++) {
            float c = Lanes.get(t, cache, cacheRow + j);
            float s = Lanes.get(t, cache, cacheRow + half + j);
            Lanes.setF32(table, 2L * j, c);
            Lanes.setF32(table, 2L * j + 1, c);
            Lanes.setF32(table, rotaryDim + 2L * j, -s);
            Lanes.setF32(table, rotaryDim + 2L * j + 1, s);
        }
    }

    /** NeoX: pairs (x[j], x[j + half]). Both halves of a vector are read before either is written. */
    private static void rotateHalves(MemorySegment x, long at, int half, MemorySegment cs, long cosAt, long sinAt) {
        int j = 0;
        for (; j <= half - LANES; j += LANES) {
            FloatVector x1 = Lanes.load(x, at + j);
            FloatVector x2 = Lanes.load(x, at + half + j);
            FloatVector c = Lanes.load(cs, cosAt + j);
            FloatVector s = Lanes.load(cs, sinAt + j);
            Lanes.store(x1.mul(c).sub(x2.mul(s)), x, at + j);
            Lanes.store(x2.mul(c).add(x1.mul(s)), x, at + half + j);
        }
        for (; j < half; j++) {
            float x1 = Lanes.getF32(x, at + j);
            float x2 = Lanes.getF32(x, at + half + j);
            float c = Lanes.getF32(cs, cosAt + j);
            float s = Lanes.getF32(cs, sinAt + j);
            Lanes.setF32(x, at + j, x1 * c - x2 * s);
            Lanes.setF32(x, at + half + j, x2 * c + x1 * s);
        }
    }

    /**
     * GPT-J: pairs (x[2j], x[2j + 1]) with the expanded table: x * (c, c) + swap(x) * (-s, s). The sign is folded
     * into the table, which is exact, so each result is the same two rounded products and one rounded sum as
     * {@code x1 c - x2 s} and {@code x2 c + x1 s}.
     */
    private static void rotatePairs(MemorySegment x, long at, int rotaryDim, MemorySegment cs, long cosAt,
                                    long sinAt) {
        int j = 0;
        for (; j <= rotaryDim - LANES; j += LANES) {
            FloatVector v = Lanes.load(x, at + j);
            FloatVector partner = v.rearrange(SWAP_PAIRS);
            Lanes.store(v.mul(Lanes.load(cs, cosAt + j)).add(partner.mul(Lanes.load(cs, sinAt + j))), x, at + j);
        }
        for (; j < rotaryDim; j += 2) {
            float x1 = Lanes.getF32(x, at + j);
            float x2 = Lanes.getF32(x, at + j + 1);
            float c = Lanes.getF32(cs, cosAt + j);
            float s = Lanes.getF32(cs, sinAt + j + 1);
            Lanes.setF32(x, at + j, x1 * c - x2 * s);
            Lanes.setF32(x, at + j + 1, x2 * c + x1 * s);
        }
    }
}
