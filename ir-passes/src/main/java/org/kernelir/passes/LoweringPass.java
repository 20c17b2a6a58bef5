package org.kernelir.passes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.ReplacementKey;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.dispatch.OpHandle;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.ProviderCalls;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.ProviderTimeoutException;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.core.tensor.Prims;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces every IR op node ({@code ir::X}, {@code ir::X.maybe_inplace}) with the traced graph of the
 * implementation dispatch picks for the node's argument metadata.
 *
 * <p>For each IR op node, in graph order:
 * <ol>
 *   <li>its arguments are bound to the op's schema, tensors seen through their metadata, and
 *       {@code dispatcher.handle(op).select(args)} picks the implementation: the one eager dispatch would pick
 *       for tensors with that metadata;</li>
 *   <li>the replacement graph comes from the cache under a {@link ReplacementKey} of the op, the overload, the
 *       provider's identity and the canonical argument signature, traced on a miss. The default overload is
 *       traced functional: an in-place implementation gets clones of its activations, which
 *       {@link CloneEliminationPass} removes where that is safe;</li>
 *   <li>the replacement is checked: its results must have exactly the node's recorded metadata. An
 *       implementation whose trace throws or whose graph disagrees is skipped, and the next implementation in
 *       priority that supports the arguments is tried; {@code native} closes the list. Each skip is reported,
 *       with one warning per provider, op and reason naming the nodes;</li>
 *   <li>the replacement is inlined: its placeholders become the node's tensor arguments, its symbols the node's
 *       symbols, its nodes are named {@code <node>__<replacement node>}, and the users of the node (the
 *       {@code getitem}s of a node with several results) read the replacement's results.</li>
 * </ol>
 *
 * <p>IR op nodes that cannot be lowered (an unknown op, no implementation that works) stay in the graph. They
 * are reported, and logged as a warning naming them; in strict mode the pass throws a {@link LoweringException}
 * instead. The selection per op is logged at info level, e.g. {@code rms_norm=cpu*3,native}.
 *
 * <p>The output is deterministic: lowering equal graphs under an equal configuration gives equal graphs.
 */
public final class LoweringPass implements Pass {

    private static final Logger LOG = LoggerFactory.getLogger(LoweringPass.class);
    private static final UUID UUID_V1 = UUID.nameUUIDFromBytes(
            "org.kernelir.passes.LoweringPass/1".getBytes(StandardCharsets.UTF_8));

    @Override
    public String name() {
        return "LoweringPass";
    }

    @Override
    public UUID uuid() {
        return UUID_V1;
    }

    /**
     * @throws LoweringException in strict mode, when IR op nodes are left; it names each with the reason
     */
    @Override
    public Graph run(Graph graph, PassContext context) {
        return new Run(graph, context).lower();
    }

    /** The state of lowering one graph. */
    private static final class Run {
        private final Graph graph;
        private final PassContext context;
        private final GraphRewrite rw;
        /** Lowered nodes with several results: their results in the new graph, for their getitem users. */
        private final Map<Node, List<Node>> tupleResults = new HashMap<>();
        /** Keys whose trace threw, so that later nodes with the same key do not trace it again. */
        private final Map<ReplacementKey, String> brokenTraces = new HashMap<>();
        /** supports() answers of this run, by implementation and argument metadata. */
        private final Map<List<Object>, Boolean> supportsAnswers = new HashMap<>();
        private final java.util.Set<String> warnedSupports = new java.util.HashSet<>();
        /** (provider, op, reason) to the nodes skipped for it: one warning each, at the end. */
        private final Map<List<String>, List<String>> skipWarnings = new LinkedHashMap<>();
        private final Map<String, LoweringReport.Selection> selections = new LinkedHashMap<>();
        private final Map<String, String> failures = new LinkedHashMap<>();

        Run(Graph graph, PassContext context) {
            this.graph = graph;
            this.context = context;
            this.rw = new GraphRewrite(graph);
        }

        Graph lower() {
            Graph lowered = null;
            for (Node n : graph.nodes()) {
                switch (n.kind()) {
                    case PLACEHOLDER -> rw.copy(n);
                    case OUTPUT -> lowered = rw.finish(n);
                    case CALL -> {
                        if (n.target().namespace().equals(OpDef.NAMESPACE)) {
                            lowerNode(n);
                        } else if (n.calls(Prims.GETITEM.target()) && tupleResults.containsKey((Node) n.arg(0))) {
                            rw.replace(n, resultOf(n));
                        } else {
                            rw.copy(n);
                        }
                    }
                }
            }
            warnSkips();
            if (!selections.isEmpty() && LOG.isDebugEnabled()) {
                LOG.debug("lowered graph {}: {}", graph.name(), new LoweringReport(selections, List.of(), List.of(),
                        List.of(), List.of(), CacheStats.EMPTY, 0).summary());
            }
            reportLeftovers(lowered);
            return lowered;
        }

        private Node resultOf(Node getitem) {
            Node tuple = (Node) getitem.arg(0);
            List<Node> results = tupleResults.get(tuple);
            long index = (Long) getitem.arg(1);
            Node result = index >= 0 && index < results.size() ? results.get((int) index) : null;
            if (result == null) {
                throw new PassException("node " + getitem.name() + " takes result " + index + " of " + tuple.name()
                        + " (" + tuple.target() + "), which " + (index >= 0 && index < results.size()
                        ? "is absent (None)" : "has " + results.size() + " results") + "; fix the graph (the "
                        + "verifier reports such problems before lowering)");
            }
            return result;
        }

        private void lowerNode(Node n) {
            String who = "node " + n.name() + " (" + n.target() + ")";
            Optional<OpDef<?>> op = context.dispatcher().registry().ops().find(n.target().name());
            if (op.isEmpty()) {
                leave(n, "unknown IR op " + n.target().name() + "; registered ops: "
                        + context.dispatcher().registry().ops().names()
                        + " (fix the target, or register the op before lowering)");
                return;
            }
            String overload = n.target().overload();
            boolean functional = overload == null;
            if (!functional && !(overload.equals(OpDef.MAYBE_INPLACE) && op.get().allowInplace())) {
                leave(n, "op " + op.get().name() + " has no overload " + overload
                        + (op.get().allowInplace() ? "; its overloads are the default and " + OpDef.MAYBE_INPLACE
                        : "; it does not allow inplace, so its only overload is the default " + op.get().target()));
                return;
            }
            List<Object> bound;
            try {
                bound = op.get().schema().bind(who, n.args());
            } catch (IllegalArgumentException e) {
                leave(n, e.getMessage());
                return;
            }
            List<Object> metaArgs = new ArrayList<>(bound.size());
            List<Node> tensorArgs = new ArrayList<>();
            for (Object v : bound) {
                if (v instanceof Node a) {
                    if (!(a.meta() instanceof TensorMeta m)) {
                        leave(n, "argument " + a.name() + " produces " + a.meta() + ", not a tensor; take an element "
                                + "with prim::getitem first");
                        return;
                    }
                    metaArgs.add(m);
                    tensorArgs.add(a);
                } else {
                    metaArgs.add(v);
                }
            }
            if (n.meta() instanceof TupleMeta
                    && !graph.users(n).stream().allMatch(u -> u.calls(Prims.GETITEM.target()) && u.arg(0) == n)) {
                leave(n, "its results are used other than through prim::getitem, so they cannot be rewired");
                return;
            }
            lowerWith(op.get(), n, functional, metaArgs, tensorArgs);
        }

        /** Inlines the selected implementation, or the next ones in priority while one fails. */
        private <F> void lowerWith(OpDef<F> op, Node n, boolean functional, List<Object> metaArgs,
                List<Node> tensorArgs) {
            CallArgs args = new CallArgs(metaArgs);
            OpHandle<F> handle = context.dispatcher().handle(op);
            List<Implementation<F>> candidates;
            Implementation<F> impl;
            try {
                candidates = handle.candidates();
            } catch (RuntimeException e) {
                leave(n, "dispatch failed: " + e.getMessage());
                return;
            }
            List<String> problems = new ArrayList<>();
            // Selected here rather than by handle.select: lowering calls supports() with a deadline (a provider that
            // does not answer is skipped), which the eager path cannot afford on every call.
            int position = nextSupporting(candidates, 0, args, null, n);
            impl = position >= 0 ? candidates.get(position) : context.dispatcher().registry().nativeImplementation(op);
            boolean nativeTried = false;
            while (impl != null) {
                nativeTried |= impl.provider().equals(ProviderRegistry.NATIVE);
                String problem = tryInline(op, impl, n, functional, metaArgs, tensorArgs);
                if (problem == null) {
                    selections.put(n.name(), new LoweringReport.Selection(op.name(), impl.provider()));
                    context.recordSelection(n.name(), op.name(), impl.provider());
                    return;
                }
                context.recordSkip(n.name(), op.name(), impl.provider(), problem);
                skipWarnings.computeIfAbsent(List.of(impl.provider(), op.name(), problem), k -> new ArrayList<>())
                        .add(n.name());
                problems.add("provider " + impl.provider() + ": " + problem);
                position = nextSupporting(candidates, position + 1, args, impl, n);
                impl = position >= 0 ? candidates.get(position)
                        // A list cut after an implementation that supports all arguments has no native at its end,
                        // but native always works: it is the last resort when everything in the list failed.
                        : nativeTried ? null : context.dispatcher().registry().nativeImplementation(op);
            }
            leave(n, "no implementation could be inlined (" + String.join("; ", problems) + ")");
        }

        /**
         * The position of the first candidate from {@code from} on that supports {@code args}, or -1. A failed
         * implementation that was not in the list (the priority changed meanwhile) is never returned.
         */
        private <F> int nextSupporting(List<Implementation<F>> candidates, int from, CallArgs args,
                Implementation<F> failed, Node n) {
            for (int i = Math.max(from, 0); i < candidates.size(); i++) {
                Implementation<F> c = candidates.get(i);
                if (c == failed) {
                    continue;
                }
                if (c.supportsAll()) {
                    return i;
                }
                try {
                    if (supports(c, args)) {
                        return i;
                    }
                } catch (ProviderTimeoutException e) {
                    context.recordSkip(n.name(), c.op().name(), c.provider(), e.getMessage());
                    skipWarnings.computeIfAbsent(List.of(c.provider(), c.op().name(), e.getMessage()),
                            k -> new ArrayList<>()).add(n.name());
                } catch (RuntimeException e) {
                    if (warnedSupports.add(c.provider() + ":" + c.op().name())) {
                        LOG.warn("provider {}: supports() of op {} threw {} at node {}; skipping it", c.provider(),
                                c.op().name(), e.toString(), n.name());
                    }
                }
            }
            return -1;
        }

        /**
         * {@code c}'s supports rule on {@code args}, under the deadline of {@link ProviderCalls.Kind#SUPPORTS}; an
         * answer is kept for this run, so equal argument metadata (most nodes of a model) costs one call.
         */
        private <F> boolean supports(Implementation<F> c, CallArgs args) {
            List<Object> key = List.of(c, args.values());
            Boolean known = supportsAnswers.get(key);
            if (known != null) {
                return known;
            }
            boolean answer = ProviderCalls.call(ProviderCalls.Kind.SUPPORTS, describe(c.provider()),
                    "of op " + c.op().name(), c.supportsRule(), () -> c.supportsRule().test(args));
            supportsAnswers.put(key, answer);
            return answer;
        }

        /** The provider and where it came from, for messages. */
        private String describe(String provider) {
            return "provider " + context.dispatcher().registry().find(provider)
                    .map(rp -> rp.identity().describe() + " at " + rp.identity().location()).orElse(provider);
        }

        /** Traces (or finds) and inlines {@code impl}'s replacement; returns why it cannot, or {@code null}. */
        private <F> String tryInline(OpDef<F> op, Implementation<F> impl, Node n, boolean functional,
                List<Object> metaArgs, List<Node> tensorArgs) {
            Optional<ProviderIdentity> identity = context.dispatcher().registry().find(impl.provider())
                    .map(RegisteredProvider::identity);
            if (identity.isEmpty()) {
                return "the provider is no longer registered";
            }
            ReplacementKey key;
            Graph replacement;
            try {
                key = ReplacementKey.of(op, functional, identity.get(), metaArgs);
            } catch (RuntimeException e) {
                return "its arguments have no cache signature: " + e.getMessage();
            }
            String broken = brokenTraces.get(key);
            if (broken != null) {
                return broken;
            }
            try {
                replacement = context.cache().getOrTrace(key,
                        () -> ProviderCalls.call(ProviderCalls.Kind.TRACE, describe(impl.provider()),
                                "op " + op.name(), impl, () -> ImplementationTracer.trace(impl,
                                        key.signature().canonicalArgs(), functional)));
            } catch (ProviderTimeoutException e) {
                brokenTraces.put(key, e.getMessage());
                return e.getMessage();
            } catch (RuntimeException | LinkageError e) {
                String reason = "its trace threw " + e;
                brokenTraces.put(key, reason);
                return reason;
            }
            var symbols = key.signature().toCallSymbols();
            String problem = ReplacementInliner.problem(replacement, n, tensorArgs, symbols);
            if (problem != null) {
                return problem;
            }
            List<Node> inputs = tensorArgs.stream().map(rw::mapped).toList();
            List<Node> results = ReplacementInliner.inline(replacement, n, inputs, symbols, rw);
            if (n.meta() instanceof TupleMeta) {
                tupleResults.put(n, results);
            } else {
                rw.replace(n, results.getFirst());
            }
            return null;
        }

        /** Keeps {@code n} as it is and records why. */
        private void leave(Node n, String reason) {
            failures.put(n.name(), reason);
            rw.copy(n);
        }

        private void warnSkips() {
            skipWarnings.forEach((k, nodes) -> LOG.warn("provider {} skipped for op {} at node{} {}: {}; lowered "
                    + "{} with the next implementation in priority", k.get(0), k.get(1), nodes.size() == 1 ? "" : "s",
                    String.join(", ", nodes), k.get(2), nodes.size() == 1 ? "it" : "them"));
        }

        private void reportLeftovers(Graph lowered) {
            List<LoweringReport.Failure> left = new ArrayList<>();
            for (Node n : lowered.calls()) {
                if (n.target().namespace().equals(OpDef.NAMESPACE)) {
                    String reason = failures.getOrDefault(n.name(), "an IR op node that a replacement graph brought in");
                    left.add(new LoweringReport.Failure(n.name(), reason));
                    context.recordFailure(n.name(), reason);
                }
            }
            if (left.isEmpty()) {
                return;
            }
            String list = left.stream().map(f -> "node " + f.node() + " (" + lowered.node(f.node()).target() + "): "
                    + f.reason()).collect(Collectors.joining("; "));
            if (context.strict()) {
                throw new LoweringException("lowering left " + left.size() + " IR op node" + (left.size() == 1 ? "" : "s")
                        + " in graph " + graph.name() + ": " + list, left);
            }
            LOG.warn("lowering left {} IR op node{} in graph {}: {}; they run through eager dispatch if at all "
                    + "(strict mode makes this an error)", left.size(), left.size() == 1 ? "" : "s", graph.name(), list);
        }
    }
}
