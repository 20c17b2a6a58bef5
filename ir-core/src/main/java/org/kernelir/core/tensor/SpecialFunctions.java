package org.kernelir.core.tensor;

/**
 * Special functions the JDK lacks, accurate to about 1e-13 relative over the whole double range. Public so that a
 * provider's kernel (an exact GELU, say) can compute the same reference values as native.
 */
public final class SpecialFunctions {

    private SpecialFunctions() {
    }

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    /**
     * The error function, {@code erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t*t) dt}: odd, with
     * {@code erf(+-inf) = +-1}, {@code erf(+-0) = +-0} and {@code erf(NaN) = NaN}.
     *
     * @param x any double
     * @return erf(x), within about 1e-13 relative
     */
    public static double erf(double x) {
        if (Double.isNaN(x) || x == 0) {
            return x; // erf is odd: erf(-0.0) is -0.0, which the series below would lose
        }
        double ax = Math.abs(x);
        if (ax < 2.5) {
            // Maclaurin series; below 2.5 the alternating terms stay small enough that cancellation costs
            // under three decimal digits.
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 80; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        double r = 1.0 - erfcLarge(ax);
        return x < 0 ? -r : r;
    }

    /**
     * The complementary error function {@code 1 - erf(x)}, with its relative accuracy kept in the right tail
     * (where {@code 1 - erf} would cancel): gelu's negative side needs it.
     *
     * @param x any double
     * @return erfc(x), in [0, 2]; {@code erfc(-inf) = 2}, {@code erfc(+inf) = 0}, {@code erfc(NaN) = NaN}
     */
    public static double erfc(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (x < 0) {
            return 2.0 - erfc(-x);
        }
        // Below 2.5, erfc is above 4e-4, so 1 - erf loses under four of erf's sixteen digits.
        return x < 2.5 ? 1.0 - erf(x) : erfcLarge(x);
    }

    /** erfc for x &gt;= 2.5 by its continued fraction (modified Lentz), which converges fast there. */
    private static double erfcLarge(double x) {
        if (x > 27) {
            return 0.0;
        }
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int k = 1; k < 500; k++) {
            double ak = k / 2.0;
            d = x + ak * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + ak / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    /**
     * Base-2 logarithm, exact for powers of two (which the ue8m0 scale rounding relies on).
     *
     * @param x any double
     * @return log2(x), with {@link Math#log}'s rules for zero, negative, infinite and NaN inputs
     */
    public static double log2(double x) {
        if (x > 0 && !Double.isInfinite(x) && x >= Double.MIN_NORMAL
                && (Double.doubleToRawLongBits(x) & 0x000F_FFFF_FFFF_FFFFL) == 0) {
            return Math.getExponent(x);
        }
        return Math.log(x) / Math.log(2.0);
    }
}
