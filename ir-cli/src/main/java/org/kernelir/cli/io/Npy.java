package org.kernelir.cli.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0 read; 1.0 written, 2.0 when the header
 * needs it) as {@link CpuTensor}s.
 *
 * <p>Element types, little-endian only:
 *
 * <table>
 *   <caption>npy descr and kernel-ir dtype</caption>
 *   <tr><th>descr</th><th>dtype</th></tr>
 *   <tr><td>{@code <f8}</td><td>f64</td></tr>
 *   <tr><td>{@code <f4}</td><td>f32</td></tr>
 *   <tr><td>{@code <f2}</td><td>f16</td></tr>
 *   <tr><td>{@code <i8}</td><td>i64</td></tr>
 *   <tr><td>{@code <i4}</td><td>i32</td></tr>
 *   <tr><td>{@code |i1}</td><td>i8</td></tr>
 *   <tr><td>{@code |u1}</td><td>u8</td></tr>
 *   <tr><td>{@code |b1}</td><td>bool</td></tr>
 * </table>
 *
 * <p>NumPy has no bfloat16 or fp8 type, so {@link #write} stores bf16, f8e4m3fn and f8e5m2 tensors as {@code <f4}
 * (exactly: each of those values is a float) and reports that it did through {@link Written#convertedFrom()}.
 * Fortran-ordered arrays are read and returned in row-major order.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** The alignment NumPy pads headers to, so that the data starts aligned. */
    private static final int ALIGN = 64;

    private static final Map<String, DType> DESCR = Map.of(
            "<f8", DType.F64, "<f4", DType.F32, "<f2", DType.F16, "<i8", DType.I64, "<i4", DType.I32,
            "|i1", DType.I8, "|u1", DType.U8, "|b1", DType.BOOL);

    private static final Pattern DESCR_ENTRY = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER_ENTRY = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE_ENTRY = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /**
     * What {@link #write} did.
     *
     * @param descr         the npy element type written, such as {@code <f4}
     * @param convertedFrom the tensor's dtype when it was converted because npy has no such type (bf16, fp8),
     *                      else {@code null}
     */
    public record Written(String descr, DType convertedFrom) {
    }

    /**
     * Reads a {@code .npy} file.
     *
     * @throws NpyFormatException naming the file and what is wrong with it (not npy, an unsupported element type,
     *                            truncated data...)
     * @throws IOException        when the file cannot be read
     */
    public static CpuTensor read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), Files.size(file));
        }
    }

    /**
     * Reads a {@code .npy} document from {@code in}; {@code source} names it in error messages.
     *
     * @throws NpyFormatException naming {@code source} and the problem
     * @throws IOException        when {@code in} cannot be read
     */
    public static CpuTensor read(InputStream in, String source) throws IOException {
        return read(in, source, -1);
    }

    /**
     * Reads a {@code .npy} document of {@code size} bytes ({@code -1}: unknown). The header is checked against the
     * size, and for overflow, before anything is allocated: a header that claims more data than the file holds is
     * answered with "truncated" at once, whatever it claims. Of a stream of unknown size, the data is read in
     * chunks first and allocated once it has all arrived, so a lying header costs no more memory than the stream.
     */
    private static CpuTensor read(InputStream in, String source, long size) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new NpyFormatException(source + ": not a NumPy .npy file (it does not start with \\x93NUMPY); "
                    + "save arrays with numpy.save");
        }
        int major = in.read();
        int minor = in.read();
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyFormatException(source + ": unsupported .npy format version " + major + "." + minor
                    + " (1.0, 2.0 and 3.0 are read)");
        }
        byte[] len = in.readNBytes(major == 1 ? 2 : 4);
        long headerLength = 0;
        for (int i = len.length - 1; i >= 0; i--) {
            headerLength = (headerLength << 8) | (len[i] & 0xFF);
        }
        if (len.length < (major == 1 ? 2 : 4) || headerLength > (1 << 20)) {
            throw new NpyFormatException(source + ": truncated or implausible .npy header");
        }
        byte[] headerBytes = in.readNBytes((int) headerLength);
        if (headerBytes.length != headerLength) {
            throw new NpyFormatException(source + ": truncated .npy header");
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR_ENTRY, header, source, "descr");
        boolean fortran = group(ORDER_ENTRY, header, source, "fortran_order").equals("True");
        long[] shape = shape(group(SHAPE_ENTRY, header, source, "shape"), source);
        DType dtype = DESCR.get(descr.replace('=', '<'));
        if (dtype == null && descr.length() == 3 && descr.charAt(2) == '1') {
            dtype = DESCR.get("|" + descr.substring(1)); // NumPy writes '|' for bytes; '<' and '=' are the same there
        }
        if (dtype == null) {
            throw new NpyFormatException(source + ": element type '" + descr + "' is not supported; supported are "
                    + "<f8, <f4, <f2, <i8, <i4, |i1, |u1, |b1 (little-endian); convert with array.astype('<f4') or "
                    + "similar" + (descr.startsWith(">") ? " (this file is big-endian)" : "")
                    + (descr.contains("V2") ? " (bfloat16 arrays: save them as float32)" : ""));
        }
        long numel = 1;
        long bytes;
        try {
            for (long s : shape) {
                numel = Math.multiplyExact(numel, s);
            }
            bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new NpyFormatException(source + ": the .npy header claims shape " + java.util.Arrays.toString(shape)
                    + " of " + descr + ", more than 2^63 bytes; the file is damaged: write it again with numpy.save");
        }
        long dataStart = MAGIC.length + 2L + len.length + headerLength;
        if (size >= 0 && size - dataStart < bytes) {
            throw truncated(source, descr, shape, bytes, Math.max(0, size - dataStart));
        }
        MemorySegment seg;
        if (size >= 0) {
            seg = Arena.ofAuto().allocate(Math.max(1, bytes), ALIGN);
            byte[] buf = new byte[1 << 16];
            for (long done = 0; done < bytes; ) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, bytes - done));
                if (r < 0) {
                    throw truncated(source, descr, shape, bytes, done);
                }
                MemorySegment.copy(buf, 0, seg, ValueLayout.JAVA_BYTE, done, r);
                done += r;
            }
        } else {
            List<byte[]> chunks = new ArrayList<>();
            long done = 0;
            while (done < bytes) {
                byte[] chunk = in.readNBytes((int) Math.min(1 << 20, bytes - done));
                if (chunk.length == 0) {
                    throw truncated(source, descr, shape, bytes, done);
                }
                chunks.add(chunk);
                done += chunk.length;
            }
            seg = Arena.ofAuto().allocate(Math.max(1, bytes), ALIGN);
            long at = 0;
            for (byte[] c : chunks) {
                MemorySegment.copy(c, 0, seg, ValueLayout.JAVA_BYTE, at, c.length);
                at += c.length;
            }
        }
        if (dtype == DType.BOOL) {
            for (long i = 0; i < numel; i++) {
                if (seg.get(ValueLayout.JAVA_BYTE, i) != 0) {
                    seg.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
                }
            }
        }
        if (!fortran || shape.length < 2) {
            return CpuTensor.wrap(seg, dtype, shape);
        }
        long[] reversed = new long[shape.length];
        int[] perm = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            reversed[i] = shape[shape.length - 1 - i];
            perm[i] = shape.length - 1 - i;
        }
        return (CpuTensor) CpuTensor.wrap(seg, dtype, reversed).permute(perm).cloneTensor();
    }

    /**
     * Writes {@code tensor} to {@code file} in row-major order, replacing the file. bf16 and fp8 tensors are
     * written as {@code <f4}.
     *
     * @return the element type written, and the dtype converted from when there was a conversion
     * @throws IOException when the file cannot be written
     */
    public static Written write(CpuTensor tensor, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            return write(tensor, out);
        }
    }

    /** Writes {@code tensor} as a {@code .npy} document to {@code out}; see {@link #write(CpuTensor, Path)}. */
    public static Written write(CpuTensor tensor, OutputStream out) throws IOException {
        DType original = tensor.dtype();
        boolean convert = original == DType.BF16 || original.isFp8();
        CpuTensor t = (CpuTensor) (convert ? tensor.to(DType.F32) : tensor).contiguous();
        String descr = descrOf(t.dtype());
        StringBuilder shape = new StringBuilder("(");
        for (long s : t.sizes()) {
            shape.append(s).append(", ");
        }
        if (t.sizes().length == 1) {
            shape.setLength(shape.length() - 1); // "(3,)"
        } else if (t.sizes().length > 1) {
            shape.setLength(shape.length() - 2);
        }
        shape.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int prefix = MAGIC.length + 2 + 2;
        int version = 1;
        if (prefix + dict.length() + 1 > 0xFFFF) {
            version = 2;
            prefix += 2;
        }
        int padded = ((prefix + dict.length() + 1 + ALIGN - 1) / ALIGN) * ALIGN;
        String header = dict + " ".repeat(padded - prefix - dict.length() - 1) + "\n";
        out.write(MAGIC);
        out.write(version);
        out.write(0);
        int hl = header.length();
        out.write(hl & 0xFF);
        out.write((hl >> 8) & 0xFF);
        if (version == 2) {
            out.write((hl >> 16) & 0xFF);
            out.write((hl >> 24) & 0xFF);
        }
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        long bytes = t.numel() * t.dtype().byteSize();
        MemorySegment data = t.segment().asSlice(t.offset() * t.dtype().byteSize(), bytes);
        byte[] buf = new byte[1 << 16];
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(buf.length, bytes - done);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, done, buf, 0, n);
            out.write(buf, 0, n);
            done += n;
        }
        return new Written(descr, convert ? original : null);
    }

    /** The npy element type of {@code dtype}, for the types npy has. */
    static String descrOf(DType dtype) {
        return DESCR.entrySet().stream().filter(e -> e.getValue() == dtype).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("npy has no " + dtype + " element type"));
    }

    private static String group(Pattern p, String header, String source, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new NpyFormatException(source + ": the .npy header has no valid '" + key + "' entry: " + header.strip());
        }
        return m.group(1);
    }

    private static NpyFormatException truncated(String source, String descr, long[] shape, long bytes, long have) {
        return new NpyFormatException(source + ": truncated data: the header says " + descr + " "
                + java.util.Arrays.toString(shape) + " (" + bytes + " bytes) but the file holds " + have
                + " bytes of data; write it again with numpy.save");
    }

    private static long[] shape(String text, String source) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip().replace("L", "");
            if (p.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(p);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new NpyFormatException(source + ": the .npy shape (" + text + ") has a bad dimension '" + p + "'");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
