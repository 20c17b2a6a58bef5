package org.kernelir.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kernelir.cache.CacheProbe;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.passes.LoweringReport;

/**
 * Why lowering chose what it chose, node by node ({@link KernelIr#explain}).
 *
 * @param graph          the graph's name
 * @param priority       the priority as asked for (providers that are not loaded included)
 * @param nodes          one entry per IR op node, in graph order
 * @param nativeFallbacks per op, the nodes that fell back to native although their priority lists another provider
 * @param loweredFromCache whether the whole lowered graph came from the cache (then no replacement was looked up)
 * @param report         the lowering report of the run that learned what happened
 */
public record Explanation(String graph, String priority, List<NodeExplanation> nodes,
        Map<String, Integer> nativeFallbacks, boolean loweredFromCache, LoweringReport report) {

    public Explanation {
        nodes = List.copyOf(nodes);
        nativeFallbacks = Map.copyOf(nativeFallbacks);
        Objects.requireNonNull(report, "report");
    }

    /** What became of one provider of a node's priority list. */
    public enum Verdict {
        /** No provider of that name is loaded (the reason says what became of it, if anything is known). */
        NOT_LOADED,
        /** The provider, or its implementation of the op, says it cannot run here, and why. */
        UNAVAILABLE,
        /** The provider is loaded but has no implementation of the op. */
        NOT_IMPLEMENTED,
        /** Its {@code supports} rule declined the node's arguments; the reason names the condition. */
        DECLINED,
        /** It accepted, but lowering could not use it (its trace threw, or its graph disagreed), and went on. */
        SKIPPED,
        /** Lowering used it for this node. */
        CHOSEN,
        /** An earlier provider was chosen; this one was not looked at. */
        NOT_REACHED
    }

    /**
     * One provider of a node's list and its verdict.
     *
     * @param provider the provider's name
     * @param verdict  what became of it
     * @param reason   why, in words (empty for {@link Verdict#CHOSEN} and {@link Verdict#NOT_REACHED})
     */
    public record Candidate(String provider, Verdict verdict, String reason) {
        public Candidate {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(verdict, "verdict");
            reason = reason == null ? "" : reason;
        }
    }

    /**
     * One IR op node.
     *
     * @param node       the node's name
     * @param op         the IR op (the target's name)
     * @param list       the providers its priority lists, in order, {@code native} last
     * @param candidates each of them with its verdict
     * @param chosen     the provider lowering used; empty when the node was left unlowered
     * @param cache      what the replacement cache held for the chosen provider before lowering ({@code null} when
     *                   nothing was chosen or no key could be made)
     * @param note       why the node could not be looked at or lowered, if so; else empty
     */
    public record NodeExplanation(String node, String op, List<String> list, List<Candidate> candidates,
            String chosen, CacheProbe cache, String note) {
        public NodeExplanation {
            list = List.copyOf(list);
            candidates = List.copyOf(candidates);
            chosen = chosen == null ? "" : chosen;
            note = note == null ? "" : note;
        }

        /** Whether the node fell back to native although its list names another provider. */
        public boolean fellBackToNative() {
            return chosen.equals(ProviderRegistry.NATIVE)
                    && list.stream().anyMatch(p -> !p.equals(ProviderRegistry.NATIVE));
        }
    }
}
