package org.kernelir.core.kernel;

import java.util.Objects;
import java.util.Set;
import org.kernelir.core.graph.Target;

/**
 * A callable with a fixed meaning and one CPU implementation: a Tensor API primitive ({@code prim::...}) or a
 * provider's own kernel op ({@code <provider>::...}). Graph nodes that call it can be verified (through the
 * schema and the meta function) and interpreted (through the CPU kernel).
 *
 * @param target   the name graph nodes call it by
 * @param schema   its signature
 * @param meta     computes output metadata from input metadata
 * @param cpu      runs it on CPU tensors; {@code null} when the kernel runs on another device only
 * @param mutates  indices of tensor parameters the kernel writes into (in-place kernels); such calls are
 *                 never removed by dead code elimination
 */
public record KernelDef(Target target, Schema schema, MetaFunction meta, CpuKernel cpu, Set<Integer> mutates) {

    public KernelDef {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(schema, "schema of " + target);
        Objects.requireNonNull(meta, "meta function of " + target);
        mutates = Set.copyOf(mutates);
    }

    /** A pure kernel (writes no argument). */
    public static KernelDef pure(Target target, Schema schema, MetaFunction meta, CpuKernel cpu) {
        return new KernelDef(target, schema, meta, cpu, Set.of());
    }

    /** Whether the kernel writes into one of its arguments. */
    public boolean isMutating() {
        return !mutates.isEmpty();
    }
}
