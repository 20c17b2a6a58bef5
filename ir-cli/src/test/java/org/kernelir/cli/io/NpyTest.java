package org.kernelir.cli.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.Samples;

/** NumPy .npy files: round trips of every supported dtype, NumPy's own bytes, and clear errors. */
class NpyTest {

    @TempDir
    Path dir;

    private static CpuTensor sample(DType d, long... shape) {
        return switch (d.kind()) {
            case FLOAT -> Samples.randn(42, d, 3.0, shape);
            case INT -> {
                CpuTensor t = Samples.randint(42, d == DType.I8 ? 127 : 250, shape);
                yield (CpuTensor) t.to(d);
            }
            case BOOL -> (CpuTensor) Samples.randint(42, 2, shape).to(DType.BOOL);
        };
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "I64", "I32", "I8", "U8", "BOOL"})
    void everyNpyDtypeRoundTripsExactly(DType d) throws IOException {
        for (long[] shape : new long[][] {{}, {0}, {7}, {3, 5}, {2, 3, 4}}) {
            CpuTensor t = sample(d, shape);
            Path f = dir.resolve(d + ".npy");
            Npy.Written w = Npy.write(t, f);
            assertNull(w.convertedFrom());
            CpuTensor back = Npy.read(f);
            assertEquals(d, back.dtype());
            assertArrayEquals(shape, back.sizes());
            assertArrayEquals(t.toDoubleArray(), back.toDoubleArray(), 0.0);
            assertEquals(0, (Files.size(f) - t.numel() * d.byteSize()) % 64, "the header is padded to 64 bytes");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F8E4M3FN", "F8E5M2"})
    void typesNpyLacksAreWrittenAsFloat32Exactly(DType d) throws IOException {
        CpuTensor t = sample(d, 4, 6);
        Path f = dir.resolve("x.npy");
        Npy.Written w = Npy.write(t, f);
        assertEquals("<f4", w.descr());
        assertEquals(d, w.convertedFrom());
        CpuTensor back = Npy.read(f);
        assertEquals(DType.F32, back.dtype());
        assertArrayEquals(t.toDoubleArray(), back.toDoubleArray(), 0.0, "every " + d + " value is a float");
    }

    @Test
    void writesWhatNumpyWrites() throws IOException {
        // numpy.save(f, numpy.array([[1, 2, 3], [4, 5, 6]], dtype='<f4')) writes exactly these bytes (format 1.0).
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(CpuTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), out);
        byte[] bytes = out.toByteArray();
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        assertEquals("\u0093NUMPY", new String(bytes, 0, 6, StandardCharsets.ISO_8859_1));
        assertEquals(1, bytes[6]);
        assertEquals(0, bytes[7]);
        int len = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
        assertEquals(118, len, "10 + 118 = 128: padded to a multiple of 64");
        String h = new String(bytes, 10, len, StandardCharsets.ISO_8859_1);
        assertTrue(h.startsWith(header), h);
        assertTrue(h.endsWith("\n") && h.strip().equals(header), h);
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + len, 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 1; i <= 6; i++) {
            assertEquals(i, data.getFloat());
        }
    }

    @Test
    void readsAFortranOrderedArrayInRowMajorOrder() throws IOException {
        String header = "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }";
        ByteBuffer data = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : new long[] {1, 4, 2, 5, 3, 6}) { // column by column of [[1, 2, 3], [4, 5, 6]]
            data.putLong(v);
        }
        CpuTensor t = Npy.read(new ByteArrayInputStream(npy(header, data.array())), "f.npy");
        assertArrayEquals(new long[] {2, 3}, t.sizes());
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, t.toLongArray());
    }

    @Test
    void readsAScalarAndAVersion2Header() throws IOException {
        byte[] v1 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(2.5).array());
        CpuTensor s = Npy.read(new ByteArrayInputStream(v1), "s.npy");
        assertEquals(0, s.sizes().length);
        assertEquals(2.5, s.toDoubleArray()[0]);

        String header = "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0});
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(header.length()).array());
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(new byte[] {1, (byte) 200, 3});
        CpuTensor u = Npy.read(new ByteArrayInputStream(out.toByteArray()), "u.npy");
        assertEquals(DType.U8, u.dtype());
        assertArrayEquals(new long[] {1, 200, 3}, u.toLongArray());
    }

    @Test
    void errorsNameTheFileAndTheProblem() {
        var notNpy = assertThrows(NpyFormatException.class, () -> Npy.read(new ByteArrayInputStream(
                "PK\u0003\u0004 a zip".getBytes(StandardCharsets.ISO_8859_1)), "x.npz"));
        assertTrue(notNpy.getMessage().startsWith("x.npz: not a NumPy .npy file"), notNpy.getMessage());

        var bigEndian = assertThrows(NpyFormatException.class, () -> Npy.read(new ByteArrayInputStream(
                npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4])), "be.npy"));
        assertTrue(bigEndian.getMessage().contains("be.npy: element type '>f4' is not supported"), bigEndian.getMessage());
        assertTrue(bigEndian.getMessage().contains("big-endian"), bigEndian.getMessage());

        var truncated = assertThrows(NpyFormatException.class, () -> Npy.read(new ByteArrayInputStream(
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new byte[6])), "t.npy"));
        assertTrue(truncated.getMessage().contains("t.npy: truncated data"), truncated.getMessage());
    }

    /** A version 1.0 .npy document with {@code header} (padded) and {@code data}. */
    private static byte[] npy(String header, byte[] data) throws IOException {
        int total = 10 + header.length() + 1;
        String padded = header + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) padded.length(),
            (byte) (padded.length() >> 8)});
        out.write(padded.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        return out.toByteArray();
    }
}
