package org.kernelir.providers.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The table of contents of an nvcc fatbin: which entries (SASS cubins, PTX) it holds for which architectures.
 * Layout (little-endian): a header of magic {@code 0xBA55ED50} (u32), version (u16), header size (u16), payload
 * size (u64); then entries, each with kind (u16: 1 = PTX, 2 = ELF cubin), a u16, entry header size (u32), payload
 * size (u64), flags at offset 16, and the architecture (u32, e.g. 90) at offset 28.
 *
 * @param entries the entries in file order
 */
public record Fatbin(List<Entry> entries) {

    /** The magic number a fatbin starts with. */
    public static final int MAGIC = 0xBA55ED50;

    /**
     * One entry.
     *
     * @param kind         {@link Kind#PTX} or {@link Kind#SASS}
     * @param arch         the architecture, e.g. 90 for sm_90 / compute_90
     * @param payloadStart offset of the payload in the fatbin
     * @param payloadSize  bytes of payload
     * @param compressed   whether the payload is compressed (nvcc compresses PTX)
     */
    public record Entry(Kind kind, int arch, int payloadStart, int payloadSize, boolean compressed) {
    }

    /** What an entry holds. */
    public enum Kind { PTX, SASS }

    public Fatbin {
        entries = List.copyOf(entries);
    }

    /**
     * Reads the table of contents.
     *
     * @throws IllegalArgumentException when the bytes are not a fatbin, saying what is wrong
     */
    public static Fatbin parse(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image.length < 16 || b.getInt(0) != MAGIC) {
            throw new IllegalArgumentException("not a fatbin: it does not start with the magic 0xBA55ED50");
        }
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long payload = b.getLong(8);
        long end = headerSize + payload;
        if (end > image.length) {
            throw new IllegalArgumentException("truncated fatbin: header says " + end + " bytes, file has "
                    + image.length);
        }
        List<Entry> entries = new ArrayList<>();
        int off = headerSize;
        while (off + 32 <= end) {
            int kind = Short.toUnsignedInt(b.getShort(off));
            int entryHeader = b.getInt(off + 4);
            long size = b.getLong(off + 8);
            long flags = entryHeader >= 48 ? b.getLong(off + 40) : 0;
            int arch = b.getInt(off + 28);
            if (entryHeader < 32 || off + entryHeader + size > end) {
                throw new IllegalArgumentException("corrupt fatbin entry at offset " + off);
            }
            if (kind == 1 || kind == 2) {
                entries.add(new Entry(kind == 1 ? Kind.PTX : Kind.SASS, arch, off + entryHeader, (int) size,
                        (flags & 0x8000L) != 0 || (flags & 0x2000L) != 0));
            }
            off += entryHeader + (int) size;
        }
        return new Fatbin(entries);
    }

    /** The architectures with SASS. */
    public Set<Integer> sassArchs() {
        Set<Integer> s = new TreeSet<>();
        entries.stream().filter(e -> e.kind() == Kind.SASS).forEach(e -> s.add(e.arch()));
        return s;
    }

    /** The architectures with PTX. */
    public Set<Integer> ptxArchs() {
        Set<Integer> s = new TreeSet<>();
        entries.stream().filter(e -> e.kind() == Kind.PTX).forEach(e -> s.add(e.arch()));
        return s;
    }

    /**
     * Whether a device of compute capability {@code major.minor} can run this fatbin, and how: a cubin for
     * sm_XY runs on devices of major X and minor at least Y; PTX for compute_XY is compiled by the driver for any
     * device of capability XY or newer.
     *
     * @return a description such as "SASS sm_90" or "PTX compute_100 (JIT)", or {@code null} when nothing fits
     */
    public String match(int major, int minor) {
        int cc = major * 10 + minor;
        Integer sass = sassArchs().stream().filter(a -> a / 10 == major && a % 10 <= minor).reduce((a, x) -> x)
                .orElse(null);
        if (sass != null) {
            return "SASS sm_" + sass;
        }
        Integer ptx = ptxArchs().stream().filter(a -> a <= cc).reduce((a, x) -> x).orElse(null);
        return ptx == null ? null : "PTX compute_" + ptx + " (JIT)";
    }

    /** A description of the contents, e.g. "SASS sm_80, sm_90, sm_100; PTX compute_100". */
    public String describe() {
        return "SASS " + String.join(", ", sassArchs().stream().map(a -> "sm_" + a).toList()) + "; PTX "
                + String.join(", ", ptxArchs().stream().map(a -> "compute_" + a).toList());
    }
}
