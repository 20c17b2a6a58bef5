package org.kernelir.providers.cuda;

import static org.kernelir.providers.cuda.runtime.KernelSpec.Arg.F32;
import static org.kernelir.providers.cuda.runtime.KernelSpec.Arg.I32;
import static org.kernelir.providers.cuda.runtime.KernelSpec.Arg.I64;
import static org.kernelir.providers.cuda.runtime.KernelSpec.Arg.PTR;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernelir.core.dtype.DType;
import org.kernelir.providers.cuda.runtime.KernelSpec;

/**
 * Every kernel in {@code src/main/cuda/kir_kernels.cu}, with its parameters: the launch descriptions. Names are
 * {@code kir_<family>_<dtype>[_a|_u]}: {@code _a} loads 16-byte chunks and needs 16-byte aligned pointers and row
 * strides, {@code _u} loads element by element.
 */
public final class CudaKernels {

    private CudaKernels() {
    }

    /** The kernel families compiled per dtype and alignment, with their parameters. */
    public enum Family {
        /** out, x, x_stride, w, hidden, eps. */
        RMS_NORM("rms_norm", true, PTR, PTR, I64, PTR, I32, F32),
        /** y_out, y_stride, r_out, r_stride, x, x_stride, res, res_stride, w, hidden, eps. */
        FUSED_ADD_RMS_NORM("fused_add_rms_norm", true, PTR, I64, PTR, I64, PTR, I64, PTR, I64, PTR, I32, F32),
        /** out, x, x_stride, rows, d, mode (0 silu, 1 gelu, 2 gelu tanh). */
        ACT_AND_MUL("act_and_mul", true, PTR, PTR, I64, I64, I32, I32),
        /** out, x, x_stride, rows, hidden, scale. */
        QUANT_FP8("quant_fp8", true, PTR, PTR, I64, I64, I32, PTR),
        /** amax_bits, x, x_stride, rows, hidden. */
        AMAX("amax", true, PTR, PTR, I64, I64, I32),
        /** out, scales, x, x_stride, hidden, has_ub, ub. */
        PER_TOKEN_QUANT("per_token_quant", true, PTR, PTR, PTR, I64, I32, I32, F32),
        /** out, scales, x, x_stride, rows, hidden, group, column_major, use_ue8m0. */
        GROUP_QUANT("group_quant", true, PTR, PTR, PTR, I64, I64, I32, I32, I32, I32),
        /** positions, query, q_stride, q_heads, key, k_stride, k_heads, head_size, rotary_dim, cache, max_pos, neox. */
        ROTARY("rotary", false, PTR, PTR, I64, I32, PTR, I64, I32, I32, I32, PTR, I64, I32);

        private final String stem;
        private final boolean aligned;
        private final List<KernelSpec.Arg> params;

        Family(String stem, boolean alignedVariants, KernelSpec.Arg... params) {
            this.stem = stem;
            this.aligned = alignedVariants;
            this.params = List.of(params);
        }

        /** The kernel of this family for a dtype; {@code aligned} is ignored by families without variants. */
        public KernelSpec spec(DType dtype, boolean alignedChunks) {
            String name = "kir_" + stem + "_" + suffix(dtype) + (aligned ? (alignedChunks ? "_a" : "_u") : "");
            return SPECS.get(name);
        }
    }

    /** {@code kir_amax_to_scale(scale, amax_bits, has_ub, ub)}: per-tensor dynamic quant's scale. */
    public static final KernelSpec AMAX_TO_SCALE = new KernelSpec("kir_amax_to_scale", List.of(PTR, PTR, I32, F32));

    private static final Map<String, KernelSpec> SPECS = build();

    private static Map<String, KernelSpec> build() {
        Map<String, KernelSpec> m = new LinkedHashMap<>();
        for (Family f : Family.values()) {
            for (String t : List.of("f32", "f16", "bf16")) {
                List<String> names = new ArrayList<>();
                if (f.aligned) {
                    names.add("kir_" + f.stem + "_" + t + "_a");
                    names.add("kir_" + f.stem + "_" + t + "_u");
                } else {
                    names.add("kir_" + f.stem + "_" + t);
                }
                names.forEach(n -> m.put(n, new KernelSpec(n, f.params)));
            }
        }
        m.put(AMAX_TO_SCALE.name(), AMAX_TO_SCALE);
        return m;
    }

    /** Every kernel the fatbin must hold, by name. */
    public static Map<String, KernelSpec> all() {
        return SPECS;
    }

    /** The name part for a dtype. */
    static String suffix(DType d) {
        return switch (d) {
            case F32 -> "f32";
            case F16 -> "f16";
            case BF16 -> "bf16";
            default -> throw new IllegalArgumentException("the cuda kernels take f32, f16 or bf16, not " + d);
        };
    }

    /** Elements per 16-byte chunk: 4 for f32, 8 for f16 and bf16. */
    public static int vec(DType d) {
        return d == DType.F32 ? 4 : 8;
    }
}
