package org.kernelir.cli.commands;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.base.KirCommand;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.model.ExplainReport;
import org.kernelir.cli.model.Model;
import org.kernelir.cli.options.CacheOptions;
import org.kernelir.cli.options.ModelOptions;
import org.kernelir.cli.options.PluginOptions;
import org.kernelir.cli.options.PriorityOptions;
import org.kernelir.cli.options.Providers;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.runtime.Explanation;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kir explain}: why lowering chose what it chose. For every IR op node, each provider of its priority list
 * with its verdict (not loaded; unavailable, and why; does not implement the op; its {@code supports} rule
 * declined, naming the condition; skipped because its trace failed; chosen), and for the chosen one what the
 * replacement cache held: a hit, or a miss and why (no entry, or how the nearest entry's key differs).
 */
@Command(name = "explain", description = {"Explain lowering: for each IR op node, every provider of its priority "
        + "list with its verdict (chosen, not loaded, unavailable, does not implement the op, supports declined and "
        + "on which condition, skipped), and why the replacement cache missed."},
        footer = {"", "Verdicts: chosen, not-loaded, unavailable, not-implemented, declined, skipped, not-reached.",
                "Explaining lowers the model, so it fills the cache as kir lower does."})
public final class ExplainCommand extends KirCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--node", paramLabel = "NAME", description = "Explain only this node.")
    String node;

    @Option(names = "--op", paramLabel = "OP", description = "Explain only the nodes of this IR op.")
    String op;

    @Mixin
    PriorityOptions priority;

    @Mixin
    PluginOptions plugins;

    @ArgGroup(exclusive = true)
    CacheOptions cache = new CacheOptions();

    @Option(names = "--json", description = "Print the explanation as JSON (only the JSON document goes to stdout).")
    boolean json;

    @Override
    protected int execute() {
        Model m = model.load();
        try (KernelIr ir = Providers.load(plugins, cache.build())) {
            Priority p = priority.apply(ir);
            if (op != null && ir.ops().find(op).isEmpty()) {
                throw new CliException("--op " + op + " is not an IR op; ops: " + String.join(", ", ir.ops().names()));
            }
            List<ExplainReport.Node> nodes = new ArrayList<>();
            List<String> fromCache = new ArrayList<>();
            Map<String, Integer> fallbacks = new TreeMap<>();
            boolean nodeSeen = false;
            for (Graph piece : m.pieces()) {
                nodeSeen |= node != null && piece.nodes().stream().anyMatch(n -> n.name().equals(node));
                Explanation e = ir.explain(piece);
                if (e.loweredFromCache()) {
                    fromCache.add(piece.name());
                }
                e.nativeFallbacks().forEach((k, v) -> fallbacks.merge(k, v, Integer::sum));
                for (Explanation.NodeExplanation n : e.nodes()) {
                    if ((node == null || n.node().equals(node)) && (op == null || n.op().equals(op))) {
                        nodes.add(ExplainReport.node(piece.name(), n));
                    }
                }
            }
            if (node != null && !nodeSeen) {
                throw new CliException("model " + m.name() + " has no node " + node + "; kir lower --out FILE shows "
                        + "the graph, and kir explain without --node lists every IR op node");
            }
            ExplainReport report = new ExplainReport(m.name(), m.source(), p.toString(), fromCache, fallbacks, nodes);
            if (json) {
                output().json(report);
            } else {
                print(output(), report, node != null);
            }
            return 0;
        }
    }

    private static void print(Output out, ExplainReport r, boolean oneNode) {
        var w = out.out();
        w.printf("model %s (%s), priority %s%n", r.model(), r.source(), r.priority());
        if (!r.loweredFromCache().isEmpty()) {
            List<String> g = r.loweredFromCache();
            w.printf("whole lowered graph from the cache for %s (no replacement was looked up there)%n",
                    g.size() <= 4 ? String.join(", ", g) : g.size() + " graphs (" + g.getFirst() + " ... "
                            + g.getLast() + ")");
        }
        if (r.nodes().isEmpty()) {
            w.println("no IR op nodes" + (oneNode ? " of that name" : " to explain"));
        }
        for (ExplainReport.Node n : r.nodes()) {
            w.printf("%nnode %s (%s, graph %s): %s%n", n.node(), n.op(), n.graph(), n.chosen().isEmpty()
                    ? "NOT LOWERED" : n.chosen() + (n.fellBackToNative() ? " (fell back to native)" : ""));
            if (!n.list().isEmpty()) {
                w.printf("  priority: %s%n", String.join(", ", n.list()));
            }
            int width = n.candidates().stream().mapToInt(c -> c.provider().length()).max().orElse(0);
            for (ExplainReport.Candidate c : n.candidates()) {
                w.printf("  %-" + width + "s  %-15s %s%n", c.provider(), c.verdict(), c.reason());
            }
            if (n.cache() != null) {
                w.printf("  cache: %s%s%n", n.cache().status(), n.cache().reason().isEmpty() ? ""
                        : ": " + n.cache().reason());
            }
            if (!n.note().isEmpty()) {
                w.printf("  note: %s%n", n.note());
            }
        }
        if (r.nativeFallbacks().isEmpty()) {
            w.printf("%nfell back to native: none%n");
        } else {
            List<String> parts = new ArrayList<>();
            r.nativeFallbacks().forEach((k, v) -> parts.add(k + " x" + v));
            w.printf("%nfell back to native: %s%n", String.join(", ", parts));
        }
        w.flush();
    }
}
