package org.kernelir.cli.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.cpu.CpuTensor;

/**
 * Damaged and lying .npy files, as real files: each is read, or answered with an {@link NpyFormatException} that
 * names the file; none allocates what its header claims before the file is known to hold it.
 */
class NpyFuzzTest {

    private static final int FILES = 3_000;

    @TempDir
    Path dir;

    @Test
    void everyDamagedFileIsReadOrNamedInOneMessage() throws Exception {
        List<byte[]> valid = new ArrayList<>();
        for (CpuTensor t : List.of(CpuTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                CpuTensor.of(new float[] {7}, 1), CpuTensor.of(new float[24], 2, 3, 4))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Npy.write(t, out);
            valid.add(out.toByteArray());
        }
        Random r = new Random(7);
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            byte[] b = mutate(valid.get(r.nextInt(valid.size())), r);
            Path f = dir.resolve("in-" + i + ".npy");
            Files.write(f, b);
            try {
                Npy.read(f);
                outcomes.merge("read", 1, Integer::sum);
            } catch (NpyFormatException e) {
                outcomes.merge("rejected", 1, Integer::sum);
                if (!e.getMessage().startsWith(f.toString() + ": ") && bad.size() < 10) {
                    bad.add("does not name the file: " + e.getMessage());
                }
            } catch (Throwable e) {
                if (bad.size() < 10) {
                    bad.add(e + " for " + new String(b, 0, Math.min(b.length, 128), StandardCharsets.ISO_8859_1));
                }
            }
            Files.delete(f);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("NpyFuzzTest: %d files in %.1f s: %s%n", FILES, s, outcomes);
        assertEquals(List.of(), bad);
        assertTrue(outcomes.getOrDefault("read", 0) > 0 && outcomes.getOrDefault("rejected", 0) > 0,
                outcomes::toString);
    }

    @Test
    void aHeaderClaimingTwoToTheFortyElementsIsTruncatedNotAnOutOfMemory() throws Exception {
        Path f = dir.resolve("huge.npy");
        Files.write(f, withShape("(1099511627776,)"));
        var e = assertThrows(NpyFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("truncated data") && e.getMessage().contains("4398046511104 bytes"),
                e.getMessage());
        Files.write(f, withShape("(2305843009213693952,)")); // 2^61 floats: 2^63 bytes overflow a long
        e = assertThrows(NpyFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("more than 2^63 bytes"), e.getMessage());
    }

    /** A small valid f32 file whose header's shape is replaced by {@code shape}. */
    private static byte[] withShape(String shape) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(CpuTensor.of(new float[] {1, 2, 3}, 3), out);
        String text = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
        String replaced = text.replace("(3,)", shape);
        return pad(replaced).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Keeps the header length field right after a replacement inside the header. */
    private static String pad(String npy) {
        int headerLength = (npy.charAt(8) & 0xff) | (npy.charAt(9) & 0xff) << 8;
        int end = npy.indexOf('\n') + 1;
        int newLength = end - 10;
        if (newLength == headerLength) {
            return npy;
        }
        return npy.substring(0, 8) + (char) (newLength & 0xff) + (char) (newLength >> 8 & 0xff) + npy.substring(10);
    }

    private static final String[] SHAPES = {"(-1,)", "(1099511627776,)", "(2305843009213693952,)", "(4611686018427387904, 4)",
        "(0,)", "()", "(3, 0)", "(99999999999999999999,)", "(1.5,)", "(,)", "(2, 3)", "(6,)", "(1500000000,)"};
    private static final String[] DESCRS = {"'<f4'", "'>f4'", "'<f8'", "'|b1'", "'<V2'", "'<c8'", "'x'", "''"};

    private static byte[] mutate(byte[] b, Random r) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        return switch (r.nextInt(6)) {
            case 0 -> java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
            case 1 -> {
                byte[] c = b.clone();
                c[r.nextInt(Math.min(c.length, 128))] ^= (byte) (1 << r.nextInt(8));
                yield c;
            }
            case 2 -> pad(s.replaceFirst("\\([^)]*\\)", java.util.regex.Matcher.quoteReplacement(
                    SHAPES[r.nextInt(SHAPES.length)]))).getBytes(StandardCharsets.ISO_8859_1);
            case 3 -> pad(s.replaceFirst("'<f4'", DESCRS[r.nextInt(DESCRS.length)])).getBytes(StandardCharsets.ISO_8859_1);
            case 4 -> {
                byte[] c = b.clone(); // a header length that lies
                c[8] = (byte) r.nextInt(256);
                c[9] = (byte) r.nextInt(256);
                yield c;
            }
            default -> {
                byte[] c = java.util.Arrays.copyOf(b, b.length + r.nextInt(64)); // trailing bytes
                yield c;
            }
        };
    }
}
