package org.kernelir.core.op;

import java.util.List;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;

/**
 * The native implementations of the standard IR ops, written against the Tensor API only. They define what
 * each op means; every provider is compared with them. All arithmetic is done in f32 and the results are cast
 * back to the input's dtype once.
 *
 * <h2>Contract at the edges</h2>
 * Each step of a native op is one primitive, computed in double and rounded once to f32 (see {@code Prims}):
 * elementwise products and squares round to f32 (and overflow to infinity there), while a reduction such as
 * {@code mean} sums in double and rounds once. An implementation must match native within the op's tolerance
 * ({@link OpDef#tolerance}) on every input of the op's sample generator, which includes <em>edge rows</em>
 * ({@link Samples.EdgeRow}): magnitudes from 1e-30 to 1e19 within a row, rows whose f32 sum of squares overflows
 * although each square is finite, a single spike, zeros of both signs, subnormals, and rows with +-inf and NaN,
 * at every width from 33 to 64 (every vector tail). For each op below, "edges" says what that means for it.
 * Tolerance treats NaN as matching only NaN and an infinity only the same infinity, and does not tell signed zeros
 * apart.
 */
public final class NativeOps {

    private NativeOps() {
    }

    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    /**
     * {@code y = x * rsqrt(mean(x[..., :vs]^2) + eps) * weight}, in f32, cast to x's dtype.
     *
     * <p>Edges: the mean square is exact up to one f32 rounding as long as every square is a finite f32 (|x| below
     * about 1.8e19), however large their sum: an implementation must not overflow in its reduction. A row with an
     * infinity has an infinite mean square: its finite elements give 0, the infinity NaN; a NaN makes its row NaN.
     * An all-zero row gives zeros.
     */
    public static Tensor rmsNorm(Tensor x, Tensor weight, double epsilon, Long varianceSize) {
        return normalize(x.to(DType.F32), weight, epsilon, varianceSize).to(x.dtype());
    }

    /**
     * {@code r = x + residual} in f32; returns {@code (rms_norm(r), r)} both cast to x's dtype.
     *
     * <p>Edges: those of {@link #rmsNorm} for {@code r}; {@code inf + -inf} is NaN.
     */
    public static TensorPair fusedAddRmsNorm(Tensor x, Tensor residual, Tensor weight, double epsilon,
            Long varianceSize) {
        Tensor r = x.to(DType.F32).add(residual.to(DType.F32));
        return new TensorPair(normalize(r, weight, epsilon, varianceSize).to(x.dtype()), r.to(x.dtype()));
    }

    private static Tensor normalize(Tensor xf, Tensor weight, double epsilon, Long varianceSize) {
        Tensor v = xf;
        if (varianceSize != null) {
            Dim hidden = xf.size(-1);
            if (hidden.isConstant() && (varianceSize <= 0 || varianceSize > hidden.constant())) {
                throw new IllegalArgumentException("rms_norm: variance_size " + varianceSize + " is outside (0, "
                        + hidden + "]");
            }
            v = xf.narrow(-1, 0, varianceSize);
        }
        Tensor y = xf.mul(v.mul(v).mean(-1, true).add(epsilon).rsqrt());
        return weight == null ? y : y.mul(weight.to(DType.F32));
    }

    /**
     * {@code silu(x[..., :d]) * x[..., d:]} with {@code silu(a) = a * sigmoid(a)}.
     *
     * <p>Edges: every finite gate has a finite silu (for a below about -104, sigmoid(a) underflows and silu(a) is
     * -0); silu(+inf) = +inf, silu(-inf) = -inf * 0 = NaN, silu(NaN) = NaN; the product with the multiplier follows
     * f32 arithmetic ({@code 0 * inf} is NaN).
     */
    public static Tensor siluAndMul(Tensor x) {
        List<Tensor> halves = x.to(DType.F32).chunk(2, -1);
        Tensor a = halves.get(0);
        return a.mul(a.sigmoid()).mul(halves.get(1)).to(x.dtype());
    }

    /**
     * {@code gelu(x[..., :d]) * x[..., d:]}, exact ({@code "none"}) or tanh-approximated ({@code "tanh"}).
     *
     * <p>Edges: every finite gate has a finite gelu, whatever its magnitude (up to the largest f32): gate * up for
     * a large positive gate, -0 times up for a large negative one. gelu(+inf) = +inf, gelu(-inf) = NaN (-inf * 0),
     * gelu(NaN) = NaN. With {@code "tanh"}, the cube {@code a^3} overflows to infinity beyond |a| of about 7e12,
     * where tanh is +-1 anyway.
     */
    public static Tensor geluAndMul(Tensor x, String approximate) {
        List<Tensor> halves = x.to(DType.F32).chunk(2, -1);
        Tensor a = halves.get(0);
        Tensor gelu = switch (approximate) {
            // 0.5 (1 + erf(a / sqrt 2)) as 0.5 erfc(-a / sqrt 2), and 0.5 (1 + tanh(u)) as sigmoid(2u): the same
            // functions, without the cancellation of 1 + (-1 + tiny) in f32, which made the left tail 0 (or off by
            // up to 3e-8 absolute) wherever erf or tanh rounds near -1.
            case "none" -> a.mul(0.5).mul(a.mul(-SQRT_HALF).erfc());
            case "tanh" -> a.mul(a.mul(a).mul(a).mul(0.044715).add(a).mul(2 * SQRT_2_OVER_PI).sigmoid());
            default -> throw new IllegalArgumentException("gelu_and_mul: approximate must be \"none\" or \"tanh\", got \""
                    + approximate + "\"");
        };
        return gelu.mul(halves.get(1)).to(x.dtype());
    }

    /**
     * Rotates the first {@code rotaryDim} elements of every head of query and key by the angle of each token's
     * position; neox style pairs the two halves, gpt-j style pairs even and odd elements.
     *
     * <p>Edges: finite edge rows of query and key (no infinities or NaN: a product with them is NaN or infinite
     * depending on the exact order of operations, which this op leaves free); each rotated element is a sum of
     * two f32 products.
     */
    public static TensorPair rotaryEmbedding(Tensor positions, Tensor query, Tensor key, long headSize,
            long rotaryDim, Tensor cosSinCache, boolean isNeoxStyle) {
        if (rotaryDim <= 0 || rotaryDim > headSize || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotary_embedding: rotary_dim " + rotaryDim
                    + " must be even and in (0, head_size=" + headSize + "]");
        }
        long half = rotaryDim / 2;
        Tensor cs = cosSinCache.to(DType.F32).indexSelect(0, positions);
        Tensor cos = cs.narrow(-1, 0, half);
        Tensor sin = cs.narrow(-1, half, half);
        Tensor q = rotate(query, cos, sin, headSize, rotaryDim, isNeoxStyle);
        Tensor k = key == null ? null : rotate(key, cos, sin, headSize, rotaryDim, isNeoxStyle);
        return new TensorPair(q, k);
    }

    private static Tensor rotate(Tensor x, Tensor cos, Tensor sin, long headSize, long rotaryDim, boolean neox) {
        Dim width = x.size(-1);
        long heads = width.exactDivide(Dim.of(headSize)).orElseThrow(() -> new IllegalArgumentException(
                "rotary_embedding: last dimension " + width + " is not a multiple of head_size " + headSize)).constant();
        long half = rotaryDim / 2;
        Tensor xr = x.to(DType.F32).reshape(-1L, heads, headSize);
        Tensor rot = xr.narrow(-1, 0, rotaryDim);
        Tensor rotated;
        if (neox) {
            Tensor c = cos.reshape(-1L, 1L, half);
            Tensor s = sin.reshape(-1L, 1L, half);
            Tensor x1 = rot.narrow(-1, 0, half);
            Tensor x2 = rot.narrow(-1, half, half);
            rotated = Tensor.cat(List.of(x1.mul(c).sub(x2.mul(s)), x2.mul(c).add(x1.mul(s))), -1);
        } else {
            Tensor c = cos.reshape(-1L, 1L, half, 1L);
            Tensor s = sin.reshape(-1L, 1L, half, 1L);
            Tensor pairs = rot.reshape(-1L, heads, half, 2L);
            Tensor x1 = pairs.narrow(-1, 0, 1);
            Tensor x2 = pairs.narrow(-1, 1, 1);
            rotated = Tensor.cat(List.of(x1.mul(c).sub(x2.mul(s)), x2.mul(c).add(x1.mul(s))), -1)
                    .reshape(-1L, heads, rotaryDim);
        }
        Tensor out = rotaryDim == headSize ? rotated
                : Tensor.cat(List.of(rotated, xr.narrow(-1, rotaryDim, headSize - rotaryDim)), -1);
        return out.reshape(-1L, heads * headSize).to(x.dtype());
    }

    /**
     * {@code saturate(x / scale)} as fp8.
     *
     * <p>Edges: quotients beyond the fp8 range (infinities included) saturate to +-448 (e4m3fn), NaN stays NaN,
     * tiny ones round to zero or an fp8 subnormal.
     */
    public static Tensor staticQuantFp8(Tensor x, Tensor scale, DType fp8) {
        requireFp8(fp8, "static_quant_fp8");
        return x.to(DType.F32).div(scale.to(DType.F32)).to(fp8);
    }

    /**
     * {@code scale = max(min(amax|x|, scale_ub) / fp8_max, 1 / (fp8_max * 512))} per row ({@code [n, 1]}) or
     * per tensor ({@code [1]}); {@code q = saturate(x / scale)}.
     *
     * <p>Edges: the amax propagates NaN; an infinite amax gives an infinite scale, finite elements then quantize to
     * zero and infinities to NaN; an all-zero row gets the floor scale {@code 1 / (fp8_max * 512)}.
     */
    public static TensorPair dynamicQuantFp8(Tensor x, boolean perToken, DType fp8, Double scaleUb) {
        requireFp8(fp8, "dynamic_quant_fp8");
        double max = fp8.maxFinite();
        Tensor xf = x.to(DType.F32);
        Tensor amax = perToken ? xf.abs().amax(-1, true) : xf.abs().amaxAll().reshape(1L);
        if (scaleUb != null) {
            amax = amax.minimum(scaleUb);
        }
        Tensor scale = amax.div(max).maximum(1.0 / (max * 512.0));
        return new TensorPair(xf.div(scale).to(fp8), scale);
    }

    /**
     * Per group of {@code group_shape = [1, g]} columns: {@code scale = max(amax / fp8_max, 1 / (fp8_max * 512))},
     * with ue8m0 rounded up to a power of two; {@code q = saturate(x / scale)}. Scales have shape
     * {@code [n, h / g]}; with {@code column_major} their storage is transposed (strides {@code [1, n]}).
     *
     * <p>Edges: per group, those of {@link #dynamicQuantFp8}; with ue8m0 an infinite scale stays infinite.
     */
    public static TensorPair dynamicGroupQuantFp8(Tensor x, List<Long> groupShape, boolean columnMajor,
            boolean useUe8m0, DType fp8) {
        requireFp8(fp8, "dynamic_group_quant_fp8");
        if (groupShape.size() != 2 || groupShape.get(0) != 1 || groupShape.get(1) <= 0) {
            throw new IllegalArgumentException("dynamic_group_quant_fp8: group_shape must be [1, g] with g > 0, got "
                    + groupShape);
        }
        long g = groupShape.get(1);
        Dim hidden = x.size(-1);
        long groups = hidden.exactDivide(Dim.of(g)).filter(Dim::isConstant).orElseThrow(() -> new IllegalArgumentException(
                "dynamic_group_quant_fp8: hidden size " + hidden + " is not a multiple of the group size " + g)).constant();
        double max = fp8.maxFinite();
        Tensor xg = x.to(DType.F32).reshape(-1L, groups, g);
        Tensor scale = xg.abs().amax(-1, true).div(max).maximum(1.0 / (max * 512.0));
        if (useUe8m0) {
            scale = scale.log2().ceil().rpow(2.0);
        }
        Tensor q = xg.div(scale).to(fp8).reshape(-1L, hidden);
        Tensor scales = scale.reshape(-1L, groups);
        if (columnMajor) {
            scales = scales.transpose(0, 1).contiguous().transpose(0, 1);
        }
        return new TensorPair(q, scales);
    }

    private static void requireFp8(DType d, String op) {
        if (!d.isFp8()) {
            throw new IllegalArgumentException(op + ": fp8_dtype must be f8e4m3fn or f8e5m2, got " + d);
        }
    }
}
