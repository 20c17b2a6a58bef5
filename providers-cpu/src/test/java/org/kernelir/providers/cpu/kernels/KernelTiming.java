package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A rough standalone timing harness for tuning the kernels by hand; the official benchmarks are JMH ones in
 * ir-bench. Not a test: it asserts nothing.
 *
 * <p>Each line times a kernel and, in the same run and on the same buffers' sizes, a plain copy
 * ({@link MemorySegment#copy}, split across the same {@link RowScheduler} threads) that reads and writes the same
 * number of bytes. It prints the median time of several samples, the bandwidth (bytes read plus written per
 * second) and the ratio {@code copy time / kernel time}: 1.0 means the kernel runs at memory-copy speed.
 *
 * <p>Run after {@code ./mvnw -B -q -pl providers-cpu test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector \
 *   -cp providers-cpu/target/test-classes:providers-cpu/target/classes:ir-core/target/classes \
 *   org.kernelir.providers.cpu.kernels.KernelTiming [filter]
 * </pre>
 * The optional argument keeps only the cases whose name contains it.
 */
public final class KernelTiming {

    private static final int SAMPLES = 9;
    /** Each sample runs for at least this long, repeating small calls, so timer resolution does not matter. */
    private static final long MIN_SAMPLE_NANOS = 50_000_000L;
    private static final long WARMUP_NANOS = 2_000_000_000L;

    private KernelTiming() {
    }

    private record Case(String name, long bytesMoved, Runnable kernel) {
    }

    public static void main(String[] args) {
        String filter = args.length > 0 ? args[0] : "";
        System.out.printf(Locale.ROOT, "threads=%d, parallel threshold=%d bytes, lanes=%d%n",
                RowScheduler.threads(), RowScheduler.parallelThresholdBytes(), Lanes.LANES);
        try (Arena arena = Arena.ofShared()) {
            List<Case> cases = cases(arena);
            for (Case c : cases) {
                if (!c.name.contains(filter)) {
                    continue;
                }
                MemorySegment src = arena.allocate(c.bytesMoved / 2, 64);
                MemorySegment dst = arena.allocate(c.bytesMoved / 2, 64);
                fill(src, 1);
                Runnable copy = copier(src, dst);
                // Warm up both until the JIT has surely compiled them (Vector API code is only fast once C2 has
                // compiled it), then alternate samples so drift hits both alike.
                warmUp(c.kernel);
                warmUp(copy);
                double[] k = new double[SAMPLES];
                double[] cp = new double[SAMPLES];
                for (int i = 0; i < SAMPLES; i++) {
                    k[i] = time(c.kernel, 1);
                    cp[i] = time(copy, 1);
                }
                double kt = median(k);
                double ct = median(cp);
                System.out.printf(Locale.ROOT, "%-40s %10.1f us  %7.2f GB/s   copy %7.2f GB/s   ratio %.2f%n",
                        c.name, kt / 1e3, c.bytesMoved / kt, c.bytesMoved / ct, ct / kt);
            }
        }
    }

    private static List<Case> cases(Arena arena) {
        List<Case> cases = new ArrayList<>();
        for (int[] shape : new int[][] {{8192, 4096}, {1, 4096}}) {
            int rows = shape[0];
            int cols = shape[1];
            for (ElemType t : ElemType.values()) {
                long n = (long) rows * cols;
                MemorySegment x = filled(arena, t, n, 2);
                MemorySegment res = filled(arena, t, n, 3);
                MemorySegment w = filled(arena, t, cols, 4);
                MemorySegment y = arena.allocate(n * t.byteSize(), 64);
                MemorySegment ro = arena.allocate(n * t.byteSize(), 64);
                String dims = "[" + rows + "x" + cols + "] " + t;
                cases.add(new Case("rmsNorm " + dims, 2 * n * t.byteSize(),
                        () -> RmsNormKernels.rmsNorm(t, x, 0, cols, w, 0, y, 0, cols, rows, cols, 1e-6f)));
                cases.add(new Case("fusedAddRmsNorm " + dims, 4 * n * t.byteSize(),
                        () -> RmsNormKernels.fusedAddRmsNorm(t, x, 0, cols, res, 0, cols, w, 0, y, 0, cols,
                                ro, 0, cols, rows, cols, 1e-6f)));
            }
        }
        return cases;
    }

    private static Runnable copier(MemorySegment src, MemorySegment dst) {
        long bytes = src.byteSize();
        int rows = (int) Math.max(1, Math.min(8192, bytes / 16384));
        long rowBytes = bytes / rows;
        return () -> {
            RowScheduler.forRows(rows, 2 * rowBytes, (r0, r1) -> {
                long end = r1 == rows ? bytes : r1 * rowBytes;
                MemorySegment.copy(src, r0 * rowBytes, dst, r0 * rowBytes, end - r0 * rowBytes);
            });
        };
    }

    private static void warmUp(Runnable r) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < WARMUP_NANOS) {
            r.run();
        }
    }

    /** Median-friendly sample: nanoseconds per call, repeating the call for at least MIN_SAMPLE_NANOS. */
    private static double time(Runnable r, int samples) {
        double best = Double.MAX_VALUE;
        for (int s = 0; s < samples; s++) {
            long calls = 0;
            long start = System.nanoTime();
            long now;
            do {
                r.run();
                calls++;
                now = System.nanoTime();
            } while (now - start < MIN_SAMPLE_NANOS);
            best = Math.min(best, (double) (now - start) / calls);
        }
        return best;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static MemorySegment filled(Arena arena, ElemType t, long n, long seed) {
        MemorySegment s = arena.allocate(n * t.byteSize(), 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) {
            Lanes.set(t, s, i, (float) (rnd.nextDouble() * 4 - 2));
        }
        return s;
    }

    private static void fill(MemorySegment s, int v) {
        s.fill((byte) v);
    }
}
