package org.kernelir.cli.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kernelir.cache.CacheProbe;
import org.kernelir.runtime.Explanation;

/**
 * What {@code kir explain} reports: per IR op node, every provider of its priority list with its verdict, the
 * provider chosen, and what the replacement cache held for it.
 *
 * @param model            the model's name
 * @param source           where it came from
 * @param priority         the priority as asked for
 * @param loweredFromCache graphs whose whole lowered form came from the cache
 * @param nativeFallbacks  per op, the nodes that fell back to native
 * @param nodes            the nodes explained (all, or those --node / --op select)
 */
public record ExplainReport(String model, String source, String priority,
        @JsonProperty("lowered_from_cache") List<String> loweredFromCache,
        @JsonProperty("native_fallbacks") Map<String, Integer> nativeFallbacks, List<Node> nodes) {

    /**
     * One IR op node.
     *
     * @param graph      the graph (piece) it is in
     * @param node       its name
     * @param op         its IR op
     * @param list       its priority list
     * @param candidates each provider of the list with its verdict
     * @param chosen     the provider used; empty when the node was left unlowered
     * @param fellBackToNative whether native was used although the list names another provider
     * @param cache      what the cache held for the chosen provider before lowering
     * @param note       why the node was not lowered or looked at, if so
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Node(String graph, String node, String op, List<String> list, List<Candidate> candidates,
            String chosen, @JsonProperty("fell_back_to_native") boolean fellBackToNative, Cache cache, String note) {
    }

    /**
     * A provider and its verdict.
     *
     * @param provider the provider
     * @param verdict  {@code chosen}, {@code not-loaded}, {@code unavailable}, {@code not-implemented},
     *                 {@code declined}, {@code skipped} or {@code not-reached}
     * @param reason   why
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Candidate(String provider, String verdict, String reason) {
        static Candidate of(Explanation.Candidate c) {
            return new Candidate(c.provider(), ExplainReport.verdict(c.verdict()), c.reason());
        }
    }

    /**
     * What the replacement cache held.
     *
     * @param status {@code memory-hit}, {@code disk-hit}, {@code miss}, {@code off} or {@code unknown}
     * @param reason for a miss, why
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Cache(String status, String reason) {
        static Cache of(CacheProbe p) {
            return p == null ? null : new Cache(p.status().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    p.reason());
        }
    }

    /** A verdict as the report writes it: {@code not-loaded} for {@link Explanation.Verdict#NOT_LOADED}. */
    public static String verdict(Explanation.Verdict v) {
        return v.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One node of an explanation, as the report has it. */
    public static Node node(String graph, Explanation.NodeExplanation n) {
        return new Node(graph, n.node(), n.op(), n.list(), n.candidates().stream().map(Candidate::of).toList(),
                n.chosen(), n.fellBackToNative(), Cache.of(n.cache()), n.note());
    }
}
