package org.kernelir.providers.cuda.runtime;

import java.util.List;

/**
 * The Java side's description of one compiled kernel: its entry point name and the type of each parameter, in
 * order. Launches are checked against it, and a test checks it against the parameter table that ptxas wrote into
 * the cubin ({@code EIATTR_KPARAM_INFO}), so a changed kernel signature fails the build, not a GPU run.
 *
 * @param name   the extern "C" entry point, e.g. {@code kir_rms_norm_bf16_a}
 * @param params the parameter types
 */
public record KernelSpec(String name, List<Arg> params) {

    /** A kernel parameter's type, with its size in the parameter buffer. */
    public enum Arg {
        /** A device pointer (or a host-side null): 8 bytes, passed as a {@code Long}. */
        PTR(8),
        /** {@code long long}: 8 bytes, a {@code Long}. */
        I64(8),
        /** {@code int}: 4 bytes, an {@code Integer}. */
        I32(4),
        /** {@code float}: 4 bytes, a {@code Float}. */
        F32(4);

        private final int size;

        Arg(int size) {
            this.size = size;
        }

        /** Bytes in the kernel's parameter buffer. */
        public int size() {
            return size;
        }
    }

    public KernelSpec {
        params = List.copyOf(params);
    }

    /** The offset of each parameter in the parameter buffer (natural alignment, as the C ABI lays them out). */
    public int[] offsets() {
        int[] off = new int[params.size()];
        int o = 0;
        for (int i = 0; i < off.length; i++) {
            int s = params.get(i).size();
            o = (o + s - 1) / s * s;
            off[i] = o;
            o += s;
        }
        return off;
    }

    /**
     * Checks launch arguments against the parameter types.
     *
     * @throws IllegalArgumentException naming the kernel and the parameter when one does not fit
     */
    public void check(Object[] args) {
        if (args.length != params.size()) {
            throw new IllegalArgumentException(name + " takes " + params.size() + " arguments, got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            boolean ok = switch (params.get(i)) {
                case PTR, I64 -> args[i] instanceof Long;
                case I32 -> args[i] instanceof Integer;
                case F32 -> args[i] instanceof Float;
            };
            if (!ok) {
                throw new IllegalArgumentException(name + ": argument " + i + " must be " + params.get(i) + ", got "
                        + (args[i] == null ? "null" : args[i].getClass().getSimpleName()));
            }
        }
    }
}
