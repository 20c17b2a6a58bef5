package org.kernelir.cli.commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kernelir.cache.CacheStats;
import org.kernelir.cli.CliException;
import org.kernelir.cli.KirCommand;
import org.kernelir.cli.Output;
import org.kernelir.cli.Progress;
import org.kernelir.cli.io.Dot;
import org.kernelir.cli.model.Lowering;
import org.kernelir.cli.model.Model;
import org.kernelir.cli.options.CacheOptions;
import org.kernelir.cli.options.ModelOptions;
import org.kernelir.cli.options.PluginOptions;
import org.kernelir.cli.options.PriorityOptions;
import org.kernelir.cli.options.Providers;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.GraphJson;
import org.kernelir.format.ModelFile;
import org.kernelir.passes.LoweringReport;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kir lower}: lowers a model with the loaded providers and prints the report: the implementation chosen per
 * op with counts, the nodes left unlowered, each pass's time, and what the replacement cache did.
 */
@Command(name = "lower", description = {"Lower a model onto the loaded providers and print the report: selected "
        + "implementations per op, unlowered nodes, time per pass, cache hits, misses and traces."},
        footer = {"", "The default priority is every available provider, then native (default=cpu,native).",
                "For a piecewise model, --out writes a model document and --dot one cluster per piece."})
public final class LowerCommand extends KirCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    PriorityOptions priority;

    @Mixin
    PluginOptions plugins;

    @ArgGroup(exclusive = true)
    CacheOptions cache = new CacheOptions();

    @Option(names = "--out", paramLabel = "FILE", description = "Write the lowered graph (kernel-ir graph JSON; a "
            + "model document for a piecewise model).")
    Path out;

    @Option(names = "--dot", paramLabel = "FILE", description = "Write the lowered graph for Graphviz "
            + "(dot -Tsvg FILE -o graph.svg).")
    Path dot;

    @Option(names = "--json", description = "Print the report as JSON (only the JSON document goes to stdout).")
    boolean json;

    @Option(names = "--strict", description = "Fail (exit 1) when an IR op node cannot be lowered, instead of "
            + "leaving it to run natively.")
    boolean strict;

    @Override
    protected int execute() {
        Model m = model.load();
        try (KernelIr ir = Providers.load(plugins.directory(), cache.build())) {
            Priority p = priority.resolve(ir.registry());
            ir.setPriority(p);
            Lowering.Outcome outcome;
            try (Progress progress = output().progress("lowering", m.pieces().size())) {
                outcome = Lowering.lower(m, ir, strict, progress);
            }
            List<String> written = new ArrayList<>();
            if (out != null) {
                List<Graph> g = outcome.graphs();
                written.add(write(out, g.size() == 1 ? GraphJson.write(g.getFirst())
                        : new ModelFile(m.name(), g).toJson(), "lowered " + (g.size() == 1 ? "graph" : "model")));
            }
            if (dot != null) {
                written.add(write(dot, Dot.of(m.name(), outcome.graphs()), "Graphviz graph"));
            }
            Map<String, Object> doc = report(m, outcome, ir, p);
            if (json) {
                output().json(doc);
            } else {
                print(output(), m, outcome, doc);
                written.forEach(output().out()::println);
                output().out().flush();
            }
            return 0;
        }
    }

    private static String write(Path target, String text, String what) {
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(target, text);
            return "wrote " + what + " to " + target;
        } catch (IOException e) {
            throw new CliException("cannot write " + what + " to " + target + ": " + e.getMessage()
                    + "; choose a writable path", e);
        }
    }

    /** The report as the JSON document has it (the text form prints the same values). */
    static Map<String, Object> report(Model m, Lowering.Outcome o, KernelIr ir, Priority p) {
        LoweringReport r = o.report();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", m.name());
        doc.put("source", m.source());
        doc.put("pieces", m.pieces().size());
        doc.put("nodes_before", m.nodeCount());
        doc.put("nodes_after", o.graphs().stream().mapToInt(g -> g.nodes().size()).sum());
        doc.put("priority", p.toString());
        doc.put("selected", r.opCounts());
        doc.put("failed", r.failed().stream().map(LoweringReport.Failure::node).toList());
        doc.put("failures", r.failed().stream().map(f -> Map.of("node", f.node(), "reason", f.reason())).toList());
        doc.put("skipped", r.skipped().stream().map(s -> Map.of("node", s.node(), "op", s.op(), "provider",
                s.provider(), "reason", s.reason())).toList());
        doc.put("passes", r.passTimings().stream().map(t -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", t.pass());
            e.put("ms", round(t.millis()));
            return e;
        }).toList());
        CacheStats c = r.cacheStats();
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("hits", c.hits());
        cache.put("misses", c.misses());
        cache.put("traces", c.traces());
        cache.put("disk_hits", c.diskHits());
        cache.put("trace_ms", round(c.traceNanos() / 1e6));
        cache.put("disk_errors", c.diskErrors());
        cache.put("graph_hits", c.graphHits());
        cache.put("graph_misses", c.graphMisses());
        cache.put("dir", ir.cache() instanceof org.kernelir.cache.TieredReplacementCache t
                ? t.diskFolder().map(Path::toString).orElse(null) : null);
        doc.put("cache", cache);
        doc.put("total_ms", round(r.totalMillis()));
        return doc;
    }

    @SuppressWarnings("unchecked")
    private static void print(Output output, Model m, Lowering.Outcome o, Map<String, Object> doc) {
        var w = output.out();
        LoweringReport r = o.report();
        w.printf("model %s (%s): %d graph%s, %d nodes -> %d nodes%n", m.name(), m.source(), m.pieces().size(),
                m.pieces().size() == 1 ? "" : "s", doc.get("nodes_before"), doc.get("nodes_after"));
        w.printf("priority: %s%n%n", doc.get("priority"));
        w.println("selected implementations:");
        if (r.opCounts().isEmpty()) {
            w.println("  (no IR op nodes)");
        }
        int width = r.opCounts().keySet().stream().mapToInt(String::length).max().orElse(0);
        r.opCounts().forEach((op, counts) -> {
            List<String> parts = new ArrayList<>();
            counts.forEach((provider, n) -> parts.add(provider + " x" + n));
            w.printf("  %-" + width + "s  %s%n", op, String.join(", ", parts));
        });
        if (r.failed().isEmpty()) {
            w.println("not lowered: none");
        } else {
            w.printf("not lowered: %d node(s)%n", r.failed().size());
            r.failed().forEach(f -> w.printf("  %s: %s%n", f.node(), f.reason()));
        }
        for (LoweringReport.Skip s : r.skipped()) {
            w.printf("skipped: provider %s for op %s at node %s: %s%n", s.provider(), s.op(), s.node(), s.reason());
        }
        w.println("passes:");
        int pw = r.passTimings().stream().mapToInt(t -> t.pass().length()).max().orElse(0);
        r.passTimings().forEach(t -> w.printf(Locale.ROOT, "  %-" + pw + "s  %8.1f ms%n", t.pass(), t.millis()));
        Map<String, Object> c = (Map<String, Object>) doc.get("cache");
        w.printf(Locale.ROOT, "cache: lowered graphs %d hits, %d misses; replacements %d hits, %d disk hits, %d misses, "
                + "%d traces (%.1f ms tracing)%s%n", c.get("graph_hits"), c.get("graph_misses"), c.get("hits"),
                c.get("disk_hits"), c.get("misses"), c.get("traces"), (Double) c.get("trace_ms"),
                c.get("dir") == null ? ", no disk tier" : ", disk " + c.get("dir"));
        w.printf(Locale.ROOT, "total: %.1f ms%n", r.totalMillis());
        w.flush();
    }

    static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
