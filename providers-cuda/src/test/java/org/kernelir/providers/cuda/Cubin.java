package org.kernelir.providers.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what the tests need from an ELF64 cubin: its sections by name, and from each {@code .nv.info.<kernel>}
 * section the {@code EIATTR_KPARAM_INFO} records (parameter ordinal, offset and size).
 */
final class Cubin {

    /** One kernel parameter as ptxas laid it out. */
    record Param(int ordinal, int offset, int size) {
    }

    private static final int EIFMT_SVAL = 4;
    private static final int EIATTR_KPARAM_INFO = 0x17;

    private final ByteBuffer elf;
    private final Map<String, int[]> sections = new LinkedHashMap<>();

    Cubin(byte[] bytes) {
        elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2) {
            throw new IllegalArgumentException("not an ELF64 cubin");
        }
        long shoff = elf.getLong(0x28);
        int entSize = Short.toUnsignedInt(elf.getShort(0x3a));
        int count = Short.toUnsignedInt(elf.getShort(0x3c));
        int strIndex = Short.toUnsignedInt(elf.getShort(0x3e));
        int strOff = (int) elf.getLong((int) shoff + strIndex * entSize + 0x18);
        for (int i = 0; i < count; i++) {
            int h = (int) shoff + i * entSize;
            String name = cString(strOff + elf.getInt(h));
            sections.put(name, new int[] {(int) elf.getLong(h + 0x18), (int) elf.getLong(h + 0x20)});
        }
    }

    private String cString(int at) {
        int end = at;
        while (elf.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - at];
        elf.get(at, b);
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** Names of the kernels (from their {@code .text.<kernel>} sections). */
    List<String> kernels() {
        return sections.keySet().stream().filter(s -> s.startsWith(".text.")).map(s -> s.substring(6)).toList();
    }

    /** The parameters of a kernel in ordinal order, from its {@code .nv.info.<kernel>} section. */
    List<Param> params(String kernel) {
        int[] s = sections.get(".nv.info." + kernel);
        if (s == null) {
            throw new IllegalArgumentException("no .nv.info." + kernel + " section");
        }
        List<Param> out = new ArrayList<>();
        int p = s[0];
        int end = s[0] + s[1];
        while (p < end) {
            int fmt = elf.get(p) & 0xff;
            int attr = elf.get(p + 1) & 0xff;
            if (fmt == EIFMT_SVAL) {
                int size = Short.toUnsignedInt(elf.getShort(p + 2));
                if (attr == EIATTR_KPARAM_INFO) {
                    int ordinal = Short.toUnsignedInt(elf.getShort(p + 8));
                    int offset = Short.toUnsignedInt(elf.getShort(p + 10));
                    int bytes = (elf.getInt(p + 12) >>> 18) & 0x3fff;
                    out.add(new Param(ordinal, offset, bytes));
                }
                p += 4 + size;
            } else {
                p += 4;
            }
        }
        out.sort((a, b) -> Integer.compare(a.ordinal(), b.ordinal()));
        return out;
    }
}
