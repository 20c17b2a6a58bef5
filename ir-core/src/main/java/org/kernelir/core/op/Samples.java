package org.kernelir.core.op;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;

/**
 * Deterministic random tensors for op input generators, including {@linkplain #edgeRows edge rows}: the values
 * at the edges of a dtype's range on which a fast kernel most easily departs from its op's native meaning.
 */
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

    /**
     * One kind of row of an {@link #edgeRows} tensor; {@link #label()} is what a conformance report prints for it.
     */
    public enum EdgeRow {
        /** Magnitudes spread log-uniformly from 1e-30 to 1e19 (capped to the dtype's range), mixed signs. */
        MAGNITUDES("magnitudes 1e-30..1e19"),
        /** Every element large (0.5e19 to 1e19 for f32 and bf16): the squares are finite, their f32 sum is not. */
        LARGE("all large, f32 sum of squares overflows"),
        /** Small values around 1e-3 and a single spike of the dtype's largest magnitude here. */
        SPIKE("one spike"),
        /** Zeros of both signs. */
        ZEROS("all zeros"),
        /** Subnormal values of the dtype, mixed signs. */
        SUBNORMALS("subnormals"),
        /** Ordinary values with +inf, -inf and NaN among them. */
        SPECIALS("+-inf and NaN"),
        /**
         * Finite magnitudes beyond 1e19, up to an eighth of the dtype's largest: their squares overflow f32. Used
         * where an op squares no whole row (the gates of the gated activations), beside {@link #ORDINARY} factors.
         */
        HUGE("magnitudes 1e19..max/8"),
        /** Normally distributed values: the other operand of a row whose interest lies in one operand. */
        ORDINARY("ordinary");

        private final String label;

        EdgeRow(String label) {
            this.label = label;
        }

        /** A short description, such as {@code "one spike"}. */
        public String label() {
            return label;
        }
    }

    /** The largest magnitude edge rows use for {@code dtype}: 1e19 (whose square is a finite f32), or less. */
    public static double edgeMax(DType dtype) {
        return Math.min(1e19, dtype.maxFinite() / 8);
    }

    /** The smallest normal magnitude of a 16- or 32-bit float dtype. */
    private static double minNormal(DType dtype) {
        return dtype == DType.F16 ? 0x1p-14 : Float.MIN_NORMAL;
    }

    /**
     * A {@code [rows.size(), width]} tensor with one row of each kind in {@code rows}, in that order. Row
     * {@code i} is described by {@code rows.get(i).label()}. Positions of the extreme values vary with the seed
     * and always include the row's last element, which a vectorized kernel handles in its scalar tail.
     */
    public static CpuTensor edgeRows(long seed, DType dtype, long width, List<EdgeRow> rows) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int w = Math.toIntExact(width);
        double max = edgeMax(dtype);
        double min = Math.max(1e-30, minNormal(dtype));
        double[] v = new double[rows.size() * w];
        for (int r = 0; r < rows.size(); r++) {
            int o = r * w;
            switch (rows.get(r)) {
                case MAGNITUDES -> {
                    double lo = Math.log10(min);
                    double hi = Math.log10(max);
                    for (int j = 0; j < w; j++) {
                        v[o + j] = sign(rnd) * Math.pow(10, lo + (hi - lo) * rnd.nextDouble());
                    }
                    v[o + w - 1] = sign(rnd) * max;
                    v[o + rnd.nextInt(w)] = sign(rnd) * min;
                }
                case LARGE -> {
                    for (int j = 0; j < w; j++) {
                        v[o + j] = sign(rnd) * max * (0.5 + 0.5 * rnd.nextDouble());
                    }
                }
                case SPIKE -> {
                    for (int j = 0; j < w; j++) {
                        v[o + j] = gaussian(rnd) * 1e-3;
                    }
                    v[o + (rnd.nextBoolean() ? w - 1 : rnd.nextInt(w))] = sign(rnd) * max;
                }
                case ZEROS -> {
                    for (int j = 0; j < w; j++) {
                        v[o + j] = rnd.nextBoolean() ? 0.0 : -0.0;
                    }
                }
                case SUBNORMALS -> {
                    double smallest = dtype == DType.F16 ? 0x1p-24 : dtype == DType.BF16 ? 0x1p-133 : Float.MIN_VALUE;
                    double lo = Math.log10(smallest);
                    double hi = Math.log10(minNormal(dtype));
                    for (int j = 0; j < w; j++) {
                        v[o + j] = sign(rnd) * Math.pow(10, lo + (hi - lo) * rnd.nextDouble());
                    }
                }
                case HUGE -> {
                    double lo = Math.log10(max);
                    double hi = Math.log10(dtype.maxFinite() / 8);
                    for (int j = 0; j < w; j++) {
                        v[o + j] = sign(rnd) * Math.pow(10, lo + (hi - lo) * rnd.nextDouble());
                    }
                    v[o + w - 1] = sign(rnd) * dtype.maxFinite() / 8;
                }
                case ORDINARY -> {
                    for (int j = 0; j < w; j++) {
                        v[o + j] = gaussian(rnd);
                    }
                }
                case SPECIALS -> {
                    for (int j = 0; j < w; j++) {
                        v[o + j] = gaussian(rnd);
                    }
                    double[] special = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
                    v[o + w - 1] = special[rnd.nextInt(3)];
                    for (double s : special) {
                        v[o + rnd.nextInt(w)] = s;
                    }
                }
            }
        }
        return CpuTensor.of(dtype, v, rows.size(), width);
    }

    /**
     * The input of a gated op ({@code [a | b]}, each half {@code d} wide) whose gate half and multiplier half are
     * each an {@link #edgeRows} tensor of the same row kinds (different seeds), except that the multipliers of a
     * {@link EdgeRow#HUGE} row are {@link EdgeRow#ORDINARY}.
     */
    public static CpuTensor gatedEdgeRows(long gateSeed, long upSeed, DType dtype, long d, List<EdgeRow> rows) {
        double[] a = edgeRows(gateSeed, dtype, d, rows).toDoubleArray();
        // Under a huge gate, ordinary multipliers: the product stays finite, so a wrong gate shows.
        double[] b = edgeRows(upSeed, dtype, d, rows.stream().map(r -> r == EdgeRow.HUGE ? EdgeRow.ORDINARY : r)
                .toList()).toDoubleArray();
        int w = Math.toIntExact(d);
        double[] v = new double[2 * a.length];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(a, r * w, v, 2 * r * w, w);
            System.arraycopy(b, r * w, v, 2 * r * w + w, w);
        }
        return CpuTensor.of(dtype, v, rows.size(), 2 * d);
    }

    /** The row labels of an {@link #edgeRows} tensor built from {@code rows}. */
    public static List<String> labels(List<EdgeRow> rows) {
        List<String> out = new ArrayList<>(rows.size());
        for (EdgeRow r : rows) {
            out.add(r.label());
        }
        return out;
    }

    private static double sign(SplittableRandom rnd) {
        return rnd.nextBoolean() ? 1.0 : -1.0;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double w = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }
}
