package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Argument checks shared by the kernels. They run before any element is written, so a bad call leaves every
 * output untouched instead of half-written; they are O(1) and do not depend on the data.
 */
final class Checks {

    private Checks() {
    }

    /**
     * Checks that {@code rows x cols} elements of {@code elemBytes} bytes, starting at element {@code off} with rows
     * {@code rowStride} elements apart, lie inside {@code s}.
     */
    static void region(String name, MemorySegment s, int elemBytes, long off, long rowStride, long rows, long cols) {
        Objects.requireNonNull(s, name);
        if (off < 0 || rowStride < 0) {
            throw new IllegalArgumentException(name + ": offset (" + off + ") and row stride (" + rowStride
                    + ") are element counts and must be >= 0");
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long need;
        try {
            need = Math.addExact(Math.addExact(off, Math.multiplyExact(rows - 1, rowStride)), cols);
        } catch (ArithmeticException e) {
            need = Long.MAX_VALUE;
        }
        long have = s.byteSize() / elemBytes;
        if (need > have) {
            throw new IndexOutOfBoundsException(name + ": " + rows + " rows x " + cols + " columns at element offset "
                    + off + " with row stride " + rowStride + " need " + need + " elements of " + elemBytes
                    + " bytes, but the segment holds " + have + " (" + s.byteSize() + " bytes); pass a larger segment"
                    + " or fix the offset, stride or shape");
        }
    }

    /** As {@link #region}, and rows must not overlap, since rows are written concurrently. */
    static void outputRegion(String name, MemorySegment s, int elemBytes, long off, long rowStride, long rows,
                             long cols) {
        region(name, s, elemBytes, off, rowStride, rows, cols);
        if (rows > 1 && rowStride < cols) {
            throw new IllegalArgumentException(name + ": output row stride " + rowStride + " is smaller than the "
                    + cols + " columns written per row, so rows would overlap; use a stride >= " + cols);
        }
        if (s.isReadOnly()) {
            throw new IllegalArgumentException(name + ": the output segment is read-only");
        }
    }

    static void shape(int rows, long cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("rows (" + rows + ") and columns (" + cols + ") must be >= 0");
        }
    }
}
