package org.kernelir.core.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Looks up what a graph node's target means. The interpreter runs nodes through it and the verifier checks
 * them against it. Catalogs compose: {@code KernelCatalog.of(prims, irOps, providerKernels)} searches in order.
 */
@FunctionalInterface
public interface KernelCatalog {

    /** The definition of {@code target}, if this catalog knows it. */
    Optional<KernelDef> find(Target target);

    /**
     * The definition of {@code target}.
     *
     * @throws IllegalArgumentException naming the target when no catalog knows it
     */
    default KernelDef require(Target target) {
        return find(target).orElseThrow(() -> new IllegalArgumentException("unknown target " + target
                + ": it is neither a primitive (prim::), a registered IR op (ir::) nor a kernel op of a loaded provider"));
    }

    /** A catalog over a fixed map. */
    static KernelCatalog of(Map<Target, KernelDef> defs) {
        Map<Target, KernelDef> copy = Map.copyOf(defs);
        return t -> Optional.ofNullable(copy.get(t));
    }

    /** Searches {@code catalogs} in order. */
    static KernelCatalog chain(KernelCatalog... catalogs) {
        List<KernelCatalog> list = new ArrayList<>(List.of(catalogs));
        return t -> {
            for (KernelCatalog c : list) {
                Optional<KernelDef> d = c.find(t);
                if (d.isPresent()) {
                    return d;
                }
            }
            return Optional.empty();
        };
    }
}
