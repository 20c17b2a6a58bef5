package org.kernelir.core.tensor;

import java.util.Objects;
import java.util.Set;

/**
 * A kernel op: a callable with a fixed meaning (its {@link Schema} and {@link MetaFunction}) and, where it has one,
 * the device it runs on and the code that computes it there. Graph nodes that call it can be verified through the
 * schema and the meta function, and executed through the device's runtime.
 *
 * <p>Three kinds exist:
 * <ul>
 *   <li>a <em>primitive</em> of the Tensor API ({@code prim::...}): {@link #signature signature only}, no device
 *       and no body; every device runtime brings its own body for each primitive;</li>
 *   <li>a provider's <em>kernel op</em> ({@code cpu::rms_norm}, {@code acme::...}): it declares its
 *       {@link #device() device} (for example {@code "cpu"}) and its {@link #body() body} for that device;</li>
 *   <li>an IR op called from an unlowered graph ({@code ir::...}): a body that dispatches eagerly and runs on
 *       whatever device its inputs are on ({@code device == null}).</li>
 * </ul>
 *
 * @param target   the name graph nodes call it by
 * @param schema   its signature
 * @param meta     computes output metadata from input metadata
 * @param mutates  indices of tensor parameters the kernel writes into (in-place kernels); such calls are
 *                 never removed by dead code elimination
 * @param device   the type of device the body runs on ({@code "cpu"}, {@code "cuda"}, a provider's own), or
 *                 {@code null} when the kernel runs on any device
 * @param body     computes the call on {@code device}, or {@code null} when each device runtime supplies it
 *                 (primitives)
 */
public record KernelDef(Target target, Schema schema, MetaFunction meta, Set<Integer> mutates, String device,
                        KernelBody body) {

    /** The device type of the built-in CPU runtime. */
    public static final String CPU = "cpu";

    public KernelDef {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(schema, "schema of " + target);
        Objects.requireNonNull(meta, "meta function of " + target);
        mutates = Set.copyOf(mutates);
        if (device != null && body == null) {
            throw new IllegalArgumentException("kernel " + target + " declares device " + device + " but no body");
        }
    }

    /**
     * A kernel op that runs on the CPU and may write into the arguments at {@code mutates}.
     *
     * @param cpu computes the call on CPU tensors; {@code null} gives a {@linkplain #signature signature} only
     */
    public KernelDef(Target target, Schema schema, MetaFunction meta, KernelBody cpu, Set<Integer> mutates) {
        this(target, schema, meta, mutates, cpu == null ? null : CPU, cpu);
    }

    /** A pure kernel op (writes no argument) that runs on the CPU. */
    public static KernelDef pure(Target target, Schema schema, MetaFunction meta, KernelBody cpu) {
        return new KernelDef(target, schema, meta, cpu, Set.of());
    }

    /** A pure kernel op that runs on devices of type {@code device}. */
    public static KernelDef on(String device, Target target, Schema schema, MetaFunction meta, KernelBody body) {
        return new KernelDef(target, schema, meta, Set.of(), Objects.requireNonNull(device, "device"), body);
    }

    /** A signature without a body: a primitive, computed by each device runtime's own body. */
    public static KernelDef signature(Target target, Schema schema, MetaFunction meta) {
        return signature(target, schema, meta, Set.of());
    }

    /** A signature without a body that writes into the arguments at {@code mutates}. */
    public static KernelDef signature(Target target, Schema schema, MetaFunction meta, Set<Integer> mutates) {
        return new KernelDef(target, schema, meta, mutates, null, null);
    }

    /** Whether the kernel writes into one of its arguments. */
    public boolean isMutating() {
        return !mutates.isEmpty();
    }

    /** Whether this kernel can run on a device of type {@code deviceType}. */
    public boolean runsOn(String deviceType) {
        return device == null || device.equals(deviceType);
    }
}
