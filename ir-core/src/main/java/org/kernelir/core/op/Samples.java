package org.kernelir.core.op;

import java.util.SplittableRandom;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;

/** Deterministic random tensors for op input generators. */
public final class Samples {

    private Samples() {
    }

    /** Normally distributed values times {@code scale}, rounded to {@code dtype}. */
    public static CpuTensor randn(long seed, DType dtype, double scale, long... shape) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = gaussian(rnd) * scale;
        }
        return CpuTensor.of(dtype, v, shape);
    }

    /** Uniform integers in {@code [0, bound)} as i64. */
    public static CpuTensor randint(long seed, long bound, long... shape) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        long[] v = new long[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextLong(bound);
        }
        return CpuTensor.ofLongs(DType.I64, v, shape);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double w = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }
}
