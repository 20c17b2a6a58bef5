package org.kernelir.providers.cpu.kernels;

/**
 * Element types the CPU kernels read and write.
 *
 * <p>Every kernel computes in {@code f32}: 16-bit inputs are widened exactly, and results are rounded to nearest
 * even when stored back as {@link #F16} or {@link #BF16}. All values are little-endian in memory and may sit at
 * any byte address (no alignment is assumed).
 *
 * <p>This enum is deliberately local to the kernels so that they do not depend on the evolving dtype model of
 * {@code ir-core}; whoever wires the kernels into a provider maps {@code DType.F32/F16/BF16} onto it.
 */
public enum ElemType {
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary16 (half precision): 1 sign, 5 exponent, 10 mantissa bits. */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32 (1 sign, 8 exponent, 7 mantissa bits). */
    BF16(2);

    private final int byteSize;

    ElemType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in memory: 4 for {@link #F32}, 2 for {@link #F16} and {@link #BF16}. */
    public int byteSize() {
        return byteSize;
    }
}
