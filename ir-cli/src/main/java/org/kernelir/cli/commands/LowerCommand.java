package org.kernelir.cli.commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.base.KirCommand;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.base.Progress;
import org.kernelir.cli.io.Dot;
import org.kernelir.cli.model.LowerReport;
import org.kernelir.cli.model.LoweredModel;
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
        footer = {"", "The default priority is every available provider, then native (default=cpu,native with the cpu",
                "plugin in the installation's plugins/ folder); --plugins DIR adds providers, it does not replace them.",
                "For a piecewise model, --out writes a model document and --dot one cluster per piece."})
public final class LowerCommand extends KirCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    PriorityOptions priority;

    @Mixin
    PluginOptions plugins;

    @ArgGroup(exclusive = false)
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

    @Option(names = "--no-native-fallback", description = "Fail (exit 1) when a node is lowered with native although "
            + "its priority lists another provider (kir explain says why).")
    boolean noNativeFallback;

    @Override
    protected int execute() {
        Model m = model.load();
        try (KernelIr ir = Providers.builder(plugins, cache.build()).strict(strict)
                .failOnNativeFallback(noNativeFallback).build()) {
            Priority p = priority.apply(ir);
            LoweredModel outcome;
            try (Progress progress = output().progress("lowering", m.pieces().size())) {
                outcome = LoweredModel.lower(m, ir, progress);
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
            LowerReport doc = report(m, outcome, ir, p);
            if (json) {
                output().json(doc);
            } else {
                print(output(), doc);
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

    /** The report, as both the JSON and the text form have it. */
    static LowerReport report(Model m, LoweredModel o, KernelIr ir, Priority p) {
        LoweringReport r = o.report();
        CacheStats c = r.cacheStats();
        LowerReport.Cache cache = new LowerReport.Cache(c.hits(), c.misses(), c.traces(), c.diskHits(),
                round(c.traceNanos() / 1e6), c.diskErrors(), c.graphHits(), c.graphMisses(), c.remoteHits(),
                ir.cache() instanceof TieredReplacementCache t ? t.diskFolder().map(Path::toString).orElse(null) : null);
        return new LowerReport(m.name(), m.source(), m.pieces().size(), m.nodeCount(),
                o.graphs().stream().mapToInt(g -> g.nodes().size()).sum(), p.toString(), r.opCounts(),
                r.nativeFallbacks(ir.dispatcher().priority()),
                r.failed().stream().map(LoweringReport.Failure::node).toList(),
                r.failed().stream().map(f -> new LowerReport.Failure(f.node(), f.reason())).toList(),
                r.skipped().stream().map(s -> new LowerReport.Skip(s.node(), s.op(), s.provider(), s.reason())).toList(),
                r.passTimings().stream().map(t -> new LowerReport.PassTime(t.pass(), round(t.millis()))).toList(),
                cache, round(r.totalMillis()));
    }

    private static void print(Output output, LowerReport r) {
        var w = output.out();
        w.printf("model %s (%s): %d graph%s, %d nodes -> %d nodes%n", r.model(), r.source(), r.pieces(),
                r.pieces() == 1 ? "" : "s", r.nodesBefore(), r.nodesAfter());
        w.printf("priority: %s%n%n", r.priority());
        w.println("selected implementations:");
        if (r.selected().isEmpty()) {
            w.println("  (no IR op nodes)");
        }
        int width = r.selected().keySet().stream().mapToInt(String::length).max().orElse(0);
        r.selected().forEach((op, counts) -> {
            List<String> parts = new ArrayList<>();
            counts.forEach((provider, n) -> parts.add(provider + " x" + n));
            w.printf("  %-" + width + "s  %s%n", op, String.join(", ", parts));
        });
        if (r.nativeFallbacks().isEmpty()) {
            w.println("fell back to native: none");
        } else {
            List<String> parts = new ArrayList<>();
            r.nativeFallbacks().forEach((op, n) -> parts.add(op + " x" + n));
            w.printf("fell back to native: %s (kir explain says why)%n", String.join(", ", parts));
        }
        if (r.failures().isEmpty()) {
            w.println("not lowered: none");
        } else {
            w.printf("not lowered: %d node(s)%n", r.failures().size());
            r.failures().forEach(f -> w.printf("  %s: %s%n", f.node(), f.reason()));
        }
        for (LowerReport.Skip s : r.skipped()) {
            w.printf("skipped: provider %s for op %s at node %s: %s%n", s.provider(), s.op(), s.node(), s.reason());
        }
        w.println("passes:");
        int pw = r.passes().stream().mapToInt(t -> t.name().length()).max().orElse(0);
        r.passes().forEach(t -> w.printf(Locale.ROOT, "  %-" + pw + "s  %8.1f ms%n", t.name(), t.ms()));
        LowerReport.Cache c = r.cache();
        w.printf(Locale.ROOT, "cache: lowered graphs %d hits, %d misses; replacements %d hits, %d disk hits, %d misses, "
                + "%d traces (%.1f ms tracing)%s%n", c.graphHits(), c.graphMisses(), c.hits(), c.diskHits(), c.misses(),
                c.traces(), c.traceMs(), c.dir() == null ? ", no disk tier" : ", disk " + c.dir());
        w.printf(Locale.ROOT, "total: %.1f ms%n", r.totalMs());
        w.flush();
    }

    static double round(double ms) {
        return LowerReport.round(ms);
    }
}
