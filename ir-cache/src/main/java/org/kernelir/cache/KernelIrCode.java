package org.kernelir.cache;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.provider.Fingerprints;

/**
 * The identity of kernel-ir's own code, which every cache key carries: a traced or lowered graph depends on the
 * tracer, the passes and the graph format as much as on a provider, so entries written by another build of
 * kernel-ir are never read. Built from {@link Fingerprints#ofPackage} of each distinct code location (JAR or class
 * folder) of the given classes; cheap even in a JVM that has just started.
 */
public final class KernelIrCode {

    private static final String CORE_AND_CACHE = of(Graph.class, KernelIrCode.class);

    private KernelIrCode() {
    }

    /** The identity of the code of ir-core and ir-cache. */
    public static String identity() {
        return CORE_AND_CACHE;
    }

    /**
     * The identity of the code of ir-core, ir-cache and the code locations of {@code more} (for example a pipeline
     * adds its passes' classes).
     */
    public static String identity(Class<?>... more) {
        Class<?>[] all = new Class<?>[more.length + 2];
        all[0] = Graph.class;
        all[1] = KernelIrCode.class;
        System.arraycopy(more, 0, all, 2, more.length);
        return of(all);
    }

    private static String of(Class<?>... classes) {
        Set<String> parts = new LinkedHashSet<>();
        for (Class<?> c : classes) {
            parts.add(Fingerprints.ofPackage(c, "org.kernelir"));
        }
        if (parts.size() == 1) {
            return parts.iterator().next();
        }
        return Fingerprints.sha256Bytes(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
    }
}
