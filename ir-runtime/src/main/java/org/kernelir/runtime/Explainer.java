package org.kernelir.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kernelir.cache.CacheProbe;
import org.kernelir.cache.ReplacementKey;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.core.tensor.Param;
import org.kernelir.passes.LoweringReport;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.PassManager;
import org.kernelir.runtime.Explanation.Candidate;
import org.kernelir.runtime.Explanation.NodeExplanation;
import org.kernelir.runtime.Explanation.Verdict;
import org.kernelir.runtime.plugins.ProviderStatus;

/**
 * Makes an {@link Explanation}: looks at every IR op node before lowering (the verdict of each provider of its
 * list, what the cache holds for the one dispatch picks), then lowers the graph and takes from the report what
 * really happened (a provider skipped because its trace failed, the provider used).
 */
final class Explainer {

    private final KernelIr ir;

    Explainer(KernelIr ir) {
        this.ir = ir;
    }

    Explanation explain(Graph graph) {
        Priority requested = ir.requestedPriority();
        List<Pending> pending = new ArrayList<>();
        for (Node n : graph.calls()) {
            if (n.target().namespace().equals(OpDef.NAMESPACE)) {
                pending.add(look(n, requested));
            }
        }
        // The pipeline itself: explaining a fallback must not fail because fallbacks are errors.
        LoweringResult lowered = ir.passManager().run(graph);
        LoweringReport report = lowered.report();
        boolean fromCache = report.passTimings().stream().anyMatch(t -> t.pass().equals(PassManager.CACHED_PASS_NAME));
        List<NodeExplanation> nodes = new ArrayList<>();
        for (Pending p : pending) {
            nodes.add(p.finish(report));
        }
        return new Explanation(graph.name(), requested.toString(), nodes,
                report.nativeFallbacks(ir.dispatcher().priority()), fromCache, report);
    }

    /** What can be known of node {@code n} before lowering. */
    private Pending look(Node n, Priority requested) {
        String opName = n.target().name();
        Optional<OpDef<?>> op = ir.ops().find(opName);
        if (op.isEmpty()) {
            return new Pending(n.name(), opName, List.of(), List.of(), null, null, "unknown IR op " + opName);
        }
        List<String> list = new ArrayList<>(requested.listFor(opName));
        if (!list.contains(ProviderRegistry.NATIVE)) {
            list.add(ProviderRegistry.NATIVE);
        }
        List<Object> metaArgs;
        try {
            metaArgs = metaArgs(op.get(), n);
        } catch (IllegalArgumentException e) {
            return new Pending(n.name(), opName, list, List.of(), null, null, e.getMessage());
        }
        return judge(op.get(), n, list, metaArgs);
    }

    private <F> Pending judge(OpDef<F> op, Node n, List<String> list, List<Object> metaArgs) {
        CallArgs args = new CallArgs(metaArgs);
        ProviderRegistry registry = ir.registry();
        List<Candidate> candidates = new ArrayList<>();
        String picked = null;
        CacheProbe probe = null;
        for (String name : list) {
            if (picked != null) {
                candidates.add(new Candidate(name, Verdict.NOT_REACHED, ""));
                continue;
            }
            Optional<RegisteredProvider> rp = registry.find(name);
            if (rp.isEmpty()) {
                candidates.add(new Candidate(name, Verdict.NOT_LOADED, whyNotLoaded(name)));
                continue;
            }
            if (!rp.get().availability().available()) {
                candidates.add(new Candidate(name, Verdict.UNAVAILABLE, rp.get().availability().reason()));
                continue;
            }
            Optional<Implementation<F>> impl = registry.implementation(op, name);
            if (impl.isEmpty()) {
                candidates.add(new Candidate(name, Verdict.NOT_IMPLEMENTED, "provider " + name
                        + " has no implementation of " + op.name() + " (it implements "
                        + String.join(", ", rp.get().opNames()) + ")"));
                continue;
            }
            if (!impl.get().availability().available()) {
                candidates.add(new Candidate(name, Verdict.UNAVAILABLE, impl.get().availability().reason()));
                continue;
            }
            Optional<String> declined;
            try {
                declined = impl.get().supportsAll() ? Optional.empty() : impl.get().supportsRule().whyNot(args);
            } catch (RuntimeException e) {
                declined = Optional.of("its supports rule threw " + e);
            }
            if (declined.isPresent()) {
                candidates.add(new Candidate(name, Verdict.DECLINED, declined.get()));
                continue;
            }
            picked = name;
            candidates.add(new Candidate(name, Verdict.CHOSEN, ""));
            probe = probe(op, rp.get(), metaArgs);
        }
        return new Pending(n.name(), op.name(), list, candidates, picked, probe, "");
    }

    private CacheProbe probe(OpDef<?> op, RegisteredProvider rp, List<Object> metaArgs) {
        ReplacementKey key;
        try {
            // Functionalization runs before lowering: every node is lowered through its functional overload.
            key = ReplacementKey.of(op, true, rp.identity(), metaArgs);
        } catch (RuntimeException e) {
            return new CacheProbe(CacheProbe.Status.UNKNOWN, "its arguments have no cache signature: "
                    + e.getMessage(), List.of());
        }
        CacheProbe p = ir.cache().probe(key);
        if (p.argsDiffer().isEmpty()) {
            return p;
        }
        // Name the arguments that differ after the op's schema.
        List<Param> params = op.schema().params();
        String reason = p.reason();
        for (int i : p.argsDiffer()) {
            if (i < params.size()) {
                reason = reason.replace("argument " + i + " (", "argument " + params.get(i).name() + " (");
            }
        }
        return new CacheProbe(p.status(), reason, p.argsDiffer());
    }

    private String whyNotLoaded(String name) {
        return ir.providers().stream().filter(s -> s.name().equals(name) && !s.isRegistered())
                .map(ProviderStatus::message).findFirst()
                .orElse("no provider called " + name + " was found on the class path or in the plugins folders "
                        + ir.pluginsDirectories());
    }

    /** The node's arguments bound to the op's schema, tensors as their metadata. */
    private static List<Object> metaArgs(OpDef<?> op, Node n) {
        List<Object> bound = op.schema().bind("node " + n.name() + " (" + n.target() + ")", n.args());
        List<Object> out = new ArrayList<>(bound.size());
        for (Object v : bound) {
            if (v instanceof Node a) {
                if (!(a.meta() instanceof TensorMeta m)) {
                    throw new IllegalArgumentException("argument " + a.name() + " produces " + a.meta()
                            + ", not a tensor");
                }
                out.add(m);
            } else {
                out.add(v);
            }
        }
        return out;
    }

    /** A node as seen before lowering, finished with what lowering did. */
    private record Pending(String node, String op, List<String> list, List<Candidate> candidates, String picked,
            CacheProbe probe, String note) {

        NodeExplanation finish(LoweringReport report) {
            LoweringReport.Selection sel = report.nodes().get(node);
            String chosen = sel == null ? null : sel.provider();
            Map<String, String> skips = new LinkedHashMap<>();
            report.skipped().stream().filter(s -> s.node().equals(node))
                    .forEach(s -> skips.putIfAbsent(s.provider(), s.reason()));
            String failure = report.failed().stream().filter(f -> f.node().equals(node))
                    .map(LoweringReport.Failure::reason).findFirst().orElse(note);
            if (chosen == null || chosen.equals(picked)) {
                return new NodeExplanation(node, op, list, chosen == null ? withSkips(skips) : candidates, chosen,
                        chosen == null ? null : probe, failure);
            }
            // Lowering went past the provider dispatch picked (its trace failed): say so, and who came next.
            List<Candidate> out = new ArrayList<>();
            boolean reached = false;
            for (Candidate c : candidates) {
                if (reached) {
                    out.add(new Candidate(c.provider(), Verdict.NOT_REACHED, ""));
                } else if (c.provider().equals(chosen)) {
                    out.add(new Candidate(c.provider(), Verdict.CHOSEN, ""));
                    reached = true;
                } else if (skips.containsKey(c.provider())) {
                    out.add(new Candidate(c.provider(), Verdict.SKIPPED, skips.get(c.provider())));
                } else if (c.verdict() == Verdict.NOT_REACHED || c.verdict() == Verdict.CHOSEN) {
                    out.add(new Candidate(c.provider(), Verdict.DECLINED, "its supports rule declined the arguments"));
                } else {
                    out.add(c);
                }
            }
            return new NodeExplanation(node, op, list, out, chosen, null, failure);
        }

        private List<Candidate> withSkips(Map<String, String> skips) {
            return candidates.stream().map(c -> skips.containsKey(c.provider())
                    ? new Candidate(c.provider(), Verdict.SKIPPED, skips.get(c.provider())) : c).toList();
        }
    }
}
