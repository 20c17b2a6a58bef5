package org.kernelir.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.provider.ProviderRegistry;

/**
 * Lowering put {@code native} on IR op nodes whose priority lists another provider, and the configuration makes
 * that an error ({@link PassConfig.Builder#failOnNativeFallback(boolean)}). The message names the nodes per op.
 */
public final class NativeFallbackException extends PassException {

    private static final long serialVersionUID = 1L;

    private final transient Map<String, Integer> fallbacks;

    /**
     * @param message   what fell back, per op and node
     * @param fallbacks op name to the number of nodes that fell back
     */
    public NativeFallbackException(String message, Map<String, Integer> fallbacks) {
        super(message);
        this.fallbacks = Map.copyOf(fallbacks);
    }

    /** Op name to the number of nodes that fell back to native. */
    public Map<String, Integer> fallbacks() {
        return fallbacks;
    }

    /**
     * Throws when {@code report} has native fallbacks under {@code priority}.
     *
     * @param graphName the graph's name, for the message
     * @param report    what lowering did
     * @param priority  the priority it lowered under
     * @throws NativeFallbackException naming each op with its count, priority list and first nodes
     */
    public static void check(String graphName, LoweringReport report, Priority priority) {
        Map<String, Integer> fb = report.nativeFallbacks(priority);
        if (fb.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        fb.forEach((op, n) -> {
            List<String> nodes = report.nodes().entrySet().stream()
                    .filter(e -> e.getValue().op().equals(op)
                            && e.getValue().provider().equals(ProviderRegistry.NATIVE))
                    .map(Map.Entry::getKey).limit(5).toList();
            parts.add(op + " x" + n + " (priority " + String.join(",", priority.listFor(op)) + "; node"
                    + (n == 1 ? " " : "s ") + String.join(", ", nodes) + (n > nodes.size() ? ", ..." : "") + ")");
        });
        int total = fb.values().stream().mapToInt(Integer::intValue).sum();
        throw new NativeFallbackException("lowering graph " + graphName + " fell back to native on " + total
                + " node" + (total == 1 ? "" : "s") + ": " + String.join("; ", parts) + "; see why with kir explain, "
                + "or allow native fallbacks", fb);
    }
}
