package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A rough standalone timing harness for tuning the kernels by hand; the official benchmarks are JMH ones in
 * ir-bench. Not a test: it asserts nothing.
 *
 * <p>Each line times a kernel and, in the same run, a plain copy ({@link MemorySegment#copy}, split across the same
 * {@link RowScheduler} threads) that reads and writes as many bytes as the kernel. It prints the median time of
 * several samples, the bandwidth (bytes read plus written per second) and the ratio {@code copy time / kernel
 * time}: 1.0 means the kernel runs at memory-copy speed. Kernel and copy samples alternate, so load from other
 * processes hits both alike; still, time on an idle machine.
 *
 * <p>Run after {@code ./mvnw -B -q -pl providers-cpu test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector \
 *   -cp providers-cpu/target/test-classes:providers-cpu/target/classes:ir-core/target/classes \
 *   org.kernelir.providers.cpu.kernels.KernelTiming [filter...]
 * </pre>
 * Arguments keep only the cases whose name contains one of them (e.g. {@code "rmsNorm [8192x4096] F32"}); without
 * arguments the cases of the brief run: rmsNorm and fusedAddRmsNorm f32 on [8192x4096] and [1x4096], siluAndMul f32
 * on [8192x22016]. {@code all} runs every case. Add {@code -Dkernelir.cpu.threads=N} to change the thread count,
 * {@code -Dtiming.heap=true} to put the tensors in heap memory over {@code long[]}, as {@code CpuTensor.zeros}
 * does (the copy baseline stays native).
 */
public final class KernelTiming {

    private static final int SAMPLES = 9;
    /** Each sample repeats the call for at least this long, so timer resolution and call overhead average out. */
    private static final long MIN_SAMPLE_NANOS = 50_000_000L;
    /**
     * Vector API code is only fast once C2 has compiled it (interpreted, a vector operation is thousands of times
     * slower): warm each case up for this long first, {@code -Dtiming.warmupSeconds} to change.
     */
    private static final long WARMUP_NANOS = (long) (Double.parseDouble(System.getProperty("timing.warmupSeconds",
            "4")) * 1e9);

    private static final boolean HEAP = Boolean.getBoolean("timing.heap");

    private static final List<String> DEFAULT_CASES = List.of("rmsNorm [8192x4096] F32", "rmsNorm [1x4096] F32",
            "fusedAddRmsNorm [8192x4096] F32", "fusedAddRmsNorm [1x4096] F32", "siluAndMul [8192x22016] F32");

    private KernelTiming() {
    }

    /** A case: its name, the bytes it reads plus writes per call, and how to build the call on an arena. */
    private record Case(String name, long bytesMoved, Function<Arena, Runnable> setup) {
    }

    public static void main(String[] args) {
        List<String> filters = args.length == 0 ? DEFAULT_CASES : List.of(args);
        boolean all = filters.contains("all");
        System.out.printf(Locale.ROOT, "threads=%d, parallel threshold=%d bytes, f32 lanes=%d, tensors in %s memory%n",
                RowScheduler.threads(), RowScheduler.parallelThresholdBytes(), Lanes.LANES,
                HEAP ? "heap (long[])" : "native");
        for (Case c : cases()) {
            if (!all && filters.stream().noneMatch(c.name::contains)) {
                continue;
            }
            try (Arena arena = Arena.ofShared()) {
                Runnable kernel = c.setup.apply(arena);
                Runnable copy = copier(arena, c.bytesMoved / 2);
                warmUp(kernel);
                warmUp(copy);
                double[] k = new double[SAMPLES];
                double[] cp = new double[SAMPLES];
                for (int i = 0; i < SAMPLES; i++) {
                    k[i] = time(kernel);
                    cp[i] = time(copy);
                }
                double kt = median(k);
                double ct = median(cp);
                System.out.printf(Locale.ROOT, "%-38s %10.1f us %7.2f GB/s   copy %7.2f GB/s   ratio %.2f%n",
                        c.name, kt / 1e3, c.bytesMoved / kt, c.bytesMoved / ct, ct / kt);
            }
        }
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (int[] shape : new int[][] {{8192, 4096}, {1, 4096}}) {
            int rows = shape[0];
            int cols = shape[1];
            long n = (long) rows * cols;
            for (ElemType t : ElemType.values()) {
                int size = t.byteSize();
                String dims = "[" + rows + "x" + cols + "] " + t;
                cases.add(new Case("rmsNorm " + dims, 2 * n * size, arena -> {
                    MemorySegment x = random(arena, t, n, 1);
                    MemorySegment w = random(arena, t, cols, 2);
                    MemorySegment y = alloc(arena, n * size);
                    return () -> RmsNormKernels.rmsNorm(t, x, 0, cols, w, 0, y, 0, cols, rows, cols, 1e-6f);
                }));
                cases.add(new Case("fusedAddRmsNorm " + dims, 4 * n * size, arena -> {
                    MemorySegment x = random(arena, t, n, 1);
                    MemorySegment r = random(arena, t, n, 3);
                    MemorySegment w = random(arena, t, cols, 2);
                    MemorySegment y = alloc(arena, n * size);
                    MemorySegment ro = alloc(arena, n * size);
                    return () -> RmsNormKernels.fusedAddRmsNorm(t, x, 0, cols, r, 0, cols, w, 0, y, 0, cols,
                            ro, 0, cols, rows, cols, 1e-6f);
                }));
                cases.add(new Case("dynamicPerTokenQuantFp8 " + dims, n * (size + 1), arena -> {
                    MemorySegment x = random(arena, t, n, 1);
                    MemorySegment q = alloc(arena, n);
                    MemorySegment s = alloc(arena, 4L * rows);
                    return () -> QuantKernels.dynamicPerTokenQuantFp8(t, x, 0, cols, rows, cols, Float.NaN, q, 0,
                            cols, s, 0);
                }));
                cases.add(new Case("dynamicGroupQuantFp8/128 " + dims, n * (size + 1), arena -> {
                    MemorySegment x = random(arena, t, n, 1);
                    MemorySegment q = alloc(arena, n);
                    MemorySegment s = alloc(arena, 4L * rows * cols / 128);
                    return () -> QuantKernels.dynamicGroupQuantFp8(t, x, 0, cols, rows, cols, 128, false, false,
                            q, 0, cols, s, 0);
                }));
            }
        }
        int rows = 8192;
        int d = 11008;
        long n = (long) rows * d;
        for (ElemType t : ElemType.values()) {
            int size = t.byteSize();
            String dims = " [" + rows + "x" + 2 * d + "] " + t;
            for (String op : new String[] {"siluAndMul", "geluAndMul", "geluTanhAndMul"}) {
                cases.add(new Case(op + dims, 3 * n * size, arena -> {
                    MemorySegment x = random(arena, t, 2 * n, 5);
                    MemorySegment out = alloc(arena, n * size);
                    return switch (op) {
                        case "siluAndMul" -> () -> ActivationKernels.siluAndMul(t, x, 0, 2L * d, out, 0, d, rows, d);
                        case "geluAndMul" -> () -> ActivationKernels.geluAndMul(t, false, x, 0, 2L * d, out, 0, d,
                                rows, d);
                        default -> () -> ActivationKernels.geluAndMul(t, true, x, 0, 2L * d, out, 0, d, rows, d);
                    };
                }));
            }
        }
        for (ElemType t : ElemType.values()) {
            for (boolean neox : new boolean[] {true, false}) {
                int tokens = 8192;
                int hq = 32;
                int hk = 8;
                int hs = 128;
                long bytes = 2L * tokens * (hq + hk) * hs * t.byteSize();
                cases.add(new Case("rotary " + (neox ? "neox" : "gptj") + " [8192 x (32+8) x 128] " + t, bytes,
                        arena -> {
                            MemorySegment pos = alloc(arena, 8L * tokens);
                            for (int i = 0; i < tokens; i++) {
                                pos.setAtIndex(Lanes.I64_LE, i, i % 4096);
                            }
                            MemorySegment q = random(arena, t, (long) tokens * hq * hs, 1);
                            MemorySegment k = random(arena, t, (long) tokens * hk * hs, 2);
                            MemorySegment cache = random(arena, t, 4096L * hs, 3);
                            return () -> RotaryKernels.rotary(t, pos, 0, q, 0, (long) hq * hs, hq, k, 0,
                                    (long) hk * hs, hk, hs, hs, cache, 0, hs, neox, tokens);
                        }));
            }
        }
        return cases;
    }

    /** A copy of {@code bytes} bytes in rows of 16 KiB, through the same scheduler as the kernels. */
    private static Runnable copier(Arena arena, long bytes) {
        MemorySegment src = arena.allocate(bytes, 64);
        MemorySegment dst = arena.allocate(bytes, 64);
        src.fill((byte) 1);
        int rows = (int) Math.max(1, Math.min(1 << 16, bytes / 16384));
        long rowBytes = bytes / rows;
        return () -> RowScheduler.forRows(rows, 2 * rowBytes, (r0, r1) -> {
            long end = r1 == rows ? bytes : r1 * rowBytes;
            MemorySegment.copy(src, r0 * rowBytes, dst, r0 * rowBytes, end - r0 * rowBytes);
        });
    }

    private static void warmUp(Runnable r) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < WARMUP_NANOS) {
            r.run();
        }
    }

    /** Nanoseconds per call, over a sample of at least MIN_SAMPLE_NANOS. */
    private static double time(Runnable r) {
        long calls = 0;
        long start = System.nanoTime();
        long now;
        do {
            r.run();
            calls++;
            now = System.nanoTime();
        } while (now - start < MIN_SAMPLE_NANOS);
        return (double) (now - start) / calls;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** A tensor's memory: native from the arena, or heap over a long[] with -Dtiming.heap=true. */
    private static MemorySegment alloc(Arena arena, long bytes) {
        return HEAP ? MemorySegment.ofArray(new long[(int) ((bytes + 7) / 8)]) : arena.allocate(bytes, 64);
    }

    /** Values in [-2, 2): one random block of 64 Ki elements, repeated. */
    private static MemorySegment random(Arena arena, ElemType t, long n, long seed) {
        MemorySegment s = alloc(arena, n * t.byteSize());
        int block = (int) Math.min(n, 1 << 16);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < block; i++) {
            Lanes.set(t, s, i, (float) (rnd.nextDouble() * 4 - 2));
        }
        long blockBytes = (long) block * t.byteSize();
        for (long at = blockBytes; at < s.byteSize(); at += blockBytes) {
            MemorySegment.copy(s, 0, s, at, Math.min(blockBytes, s.byteSize() - at));
        }
        return s;
    }
}
