package org.kernelir.cli.commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.base.KirCommand;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.base.Progress;
import org.kernelir.cli.io.Npy;
import org.kernelir.cli.model.Comparison;
import org.kernelir.cli.model.Inputs;
import org.kernelir.cli.model.LoweredModel;
import org.kernelir.cli.model.Model;
import org.kernelir.cli.model.RandomInputs;
import org.kernelir.cli.model.RunReport;
import org.kernelir.cli.options.CacheOptions;
import org.kernelir.cli.options.ModelOptions;
import org.kernelir.cli.options.PluginOptions;
import org.kernelir.cli.options.PriorityOptions;
import org.kernelir.cli.options.Providers;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kir run}: lowers a model and runs it on the CPU with the interpreter; inputs and outputs are NumPy
 * {@code .npy} files. {@code --compare native} also runs the unlowered graph with native implementations only, and
 * reports each output's largest absolute and relative error.
 */
@Command(name = "run", description = {"Lower a model and run it on the CPU. Inputs are .npy files named after the "
        + "graph inputs (or random, from --seed); outputs are written as .npy files named after the graph outputs."},
        footer = {"", "npy has no bfloat16 or fp8: such outputs are written as float32 (<f4), and float32 files are "
                + "accepted for such inputs."})
public final class RunCommand extends KirCommand {

    private static final long DEFAULT_SYMBOL_SIZE = 8;

    @Mixin
    ModelOptions model;

    @Option(names = "--inputs", paramLabel = "DIR", description = "Read the inputs from DIR/<input>.npy (default: "
            + "random inputs from --seed).")
    Path inputs;

    @Option(names = "--outputs", paramLabel = "DIR", description = "Write the outputs to DIR/<output>.npy.")
    Path outputs;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the random inputs "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--sym", paramLabel = "NAME=SIZE", description = "Size of a symbolic dimension for random inputs "
            + "(repeatable; default " + DEFAULT_SYMBOL_SIZE + " each), e.g. --sym s0=32.")
    Map<String, Long> symbols = new LinkedHashMap<>();

    @Option(names = "--compare", paramLabel = "native", description = "Also run the unlowered graph with native "
            + "implementations only, and report the error of each output; exit 1 if one is beyond tolerance.")
    Baseline compare;

    /** What to compare with. */
    enum Baseline { NATIVE }

    @Mixin
    PriorityOptions priority;

    @Mixin
    PluginOptions plugins;

    @ArgGroup(exclusive = false)
    CacheOptions cache = new CacheOptions();

    @Option(names = "--json", description = "Print the result as JSON (only the JSON document goes to stdout).")
    boolean json;

    @Option(names = "--no-native-fallback", description = "Fail (exit 1) when a node is lowered with native although "
            + "its priority lists another provider (kir explain says why).")
    boolean noNativeFallback;

    @Option(names = "--device", paramLabel = "NAME", defaultValue = "cpu", description = "Run on device NAME: cpu, "
            + "cuda:N, or a device a loaded provider brings (default: ${DEFAULT-VALUE}). Inputs and outputs stay on "
            + "the CPU; copies happen only at device boundaries.")
    String device;

    @Override
    protected int execute() throws IOException {
        Model m = model.load();
        if (m.pieces().size() != 1) {
            throw new CliException("kir run runs a model of one graph, but " + m.name() + " (" + m.source() + ") is a "
                    + "piecewise model of " + m.pieces().size() + " graphs; lower it with kir lower, or run a "
                    + "single-graph model such as --example tiny");
        }
        Graph graph = m.pieces().getFirst();
        Output out = output();
        Device on;
        try {
            on = Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw new CliException("--device " + device + ": " + e.getMessage());
        }
        try (KernelIr ir = Providers.builder(plugins, cache.build()).failOnNativeFallback(noNativeFallback).build()) {
            try {
                ir.devices().require(on);
            } catch (IllegalArgumentException e) {
                throw new CliException("--device " + device + ": " + e.getMessage());
            }
            Priority p = priority.apply(ir);
            LoweredModel lowered = LoweredModel.lower(m, ir, Progress.none());
            Map<String, Long> syms = inputs == null ? Inputs.symbols(graph, symbols, DEFAULT_SYMBOL_SIZE) : Map.of();
            List<CpuTensor> in = inputs == null ? RandomInputs.of(graph, syms, seed) : Inputs.read(graph, inputs, out);

            long t0 = System.nanoTime();
            List<CpuTensor> results = on.isCpu() ? ir.run(lowered.graphs().getFirst(), copies(in))
                    : ir.run(lowered.graphs().getFirst(), copies(in), on);
            double runMs = (System.nanoTime() - t0) / 1e6;
            List<String> names = outputNames(graph);

            List<Comparison> comparisons = new ArrayList<>();
            double nativeMs = 0;
            if (compare != null) {
                long t1 = System.nanoTime();
                List<CpuTensor> expected = ir.runNative(graph, copies(in));
                nativeMs = (System.nanoTime() - t1) / 1e6;
                for (int i = 0; i < results.size(); i++) {
                    CpuTensor a = results.get(i);
                    CpuTensor e = expected.get(i);
                    if (a == null || e == null) {
                        continue;
                    }
                    comparisons.add(Comparison.of(names.get(i), a, e, Comparison.toleranceFor(graph, ir.ops(), e.dtype())));
                }
            }
            List<String> written = outputs == null ? List.of() : write(results, names, outputs, out);
            RunReport doc = document(m, on, lowered, p, ir, syms, results, names, comparisons, runMs, nativeMs);
            if (json) {
                out.json(doc);
            } else {
                print(out, doc, comparisons, results, names, written);
            }
            List<String> bad = comparisons.stream().filter(c -> !c.withinTolerance()).map(Comparison::name).toList();
            if (!bad.isEmpty()) {
                out.err().println("kir run: output(s) " + String.join(", ", bad) + " differ from native beyond "
                        + "tolerance; find the provider with kir verify, or lower that op with native (--priority "
                        + "OP=native)");
                out.err().flush();
                return 1;
            }
            return 0;
        }
    }

    private RunReport document(Model m, Device on, LoweredModel lowered, Priority p, KernelIr ir,
            Map<String, Long> syms, List<CpuTensor> results, List<String> names, List<Comparison> comparisons,
            double runMs, double nativeMs) {
        RunReport.InputsFrom in = inputs == null ? new RunReport.InputsFrom("random", seed, syms)
                : new RunReport.InputsFrom(inputs.toString(), null, null);
        List<RunReport.Output> outs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            CpuTensor t = results.get(i);
            String name = names.get(i);
            Comparison c = comparisons.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
            outs.add(new RunReport.Output(name, t == null ? null : Arrays.stream(t.sizes()).boxed().toList(),
                    t == null ? null : t.dtype().id(), c == null ? null : c.maxAbsErr(), c == null ? null : c.maxRelErr(),
                    c == null ? null : c.atol(), c == null ? null : c.rtol(), c == null ? null : c.withinTolerance(),
                    c == null ? null : c.nanMismatches(),
                    c == null || c.firstNanMismatch() == null ? null
                            : Arrays.stream(c.firstNanMismatch()).boxed().toList(),
                    outputs != null && t != null ? outputs.resolve(name + ".npy").toString() : null));
        }
        return new RunReport(m.name(), m.source(), on.toString(), p.toString(), lowered.report().opCounts(),
                lowered.report().summary(),
                lowered.report().nativeFallbacks(ir.dispatcher().priority()), in, outs,
                LowerCommand.round(lowered.report().totalMillis()), LowerCommand.round(runMs),
                compare != null ? LowerCommand.round(nativeMs) : null);
    }

    private static void print(Output out, RunReport doc, List<Comparison> comparisons, List<CpuTensor> results,
            List<String> names, List<String> written) {
        var w = out.out();
        RunReport.InputsFrom in = doc.inputs();
        w.printf(Locale.ROOT, "ran %s (%s) on %s in %.1f ms%n", doc.model(), doc.source(),
                "cpu".equals(doc.device()) ? "the CPU" : doc.device(), doc.runMs());
        w.printf("lowered: %s (priority %s)%n", doc.summary(), doc.priority());
        if (!doc.nativeFallbacks().isEmpty()) {
            w.printf("fell back to native: %s (kir explain says why)%n", doc.nativeFallbacks());
        }
        w.printf("inputs: %s%n%n", in.from().equals("random") ? "random, seed " + in.seed() + ", symbols "
                + in.symbols() : in.from());
        int nw = Math.max(6, names.stream().mapToInt(String::length).max().orElse(0));
        if (comparisons.isEmpty()) {
            w.printf("%-" + nw + "s  %-16s  %-6s%n", "OUTPUT", "SHAPE", "DTYPE");
            for (int i = 0; i < results.size(); i++) {
                CpuTensor t = results.get(i);
                w.printf("%-" + nw + "s  %-16s  %-6s%n", names.get(i), t == null ? "None"
                        : Arrays.toString(t.sizes()), t == null ? "" : t.dtype().id());
            }
        } else {
            w.printf("compared with native eager execution (%.1f ms):%n", doc.nativeMs());
            String fmt = "%-" + nw + "s  %-16s  %-6s  %-11s  %-11s  %-25s  %s%n";
            w.printf(fmt, "OUTPUT", "SHAPE", "DTYPE", "MAX_ABS_ERR", "MAX_REL_ERR", "TOLERANCE", "OK");
            for (Comparison c : comparisons) {
                w.printf(Locale.ROOT, fmt, c.name(), Arrays.toString(c.shape()), c.dtype(),
                        String.format(Locale.ROOT, "%.3g", c.maxAbsErr()), String.format(Locale.ROOT, "%.3g", c.maxRelErr()),
                        String.format(Locale.ROOT, "atol %.2g rtol %.2g", c.atol(), c.rtol()),
                        c.withinTolerance() ? "yes" : "NO");
            }
            for (Comparison c : comparisons) {
                if (c.nanMismatches() > 0) {
                    w.printf("%s: %s%n", c.name(), c.nanSummary());
                }
            }
        }
        written.forEach(w::println);
        w.flush();
    }

    /** Writes each present output as {@code dir/<name>.npy}; bf16 and fp8 outputs as float32, with a note. */
    private static List<String> write(List<CpuTensor> results, List<String> names, Path dir, Output out) {
        List<String> lines = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i) == null) {
                    continue;
                }
                Path f = dir.resolve(names.get(i) + ".npy");
                Npy.Written wr = Npy.write(results.get(i), f);
                if (wr.convertedFrom() != null) {
                    out.note("note: output " + names.get(i) + " is " + wr.convertedFrom() + "; written as " + wr.descr()
                            + " (float32) because npy has no " + wr.convertedFrom() + " type");
                }
                lines.add("wrote " + f);
            }
        } catch (IOException e) {
            throw new CliException("cannot write outputs to " + dir + ": " + e.getMessage() + "; choose a writable "
                    + "folder with --outputs", e);
        }
        return lines;
    }

    /** The graph's outputs by the names of the nodes it returns ({@code output_<i>} for an absent one). */
    private static List<String> outputNames(Graph g) {
        List<String> names = new ArrayList<>();
        List<Object> outs = g.outputs();
        for (int i = 0; i < outs.size(); i++) {
            String n = outs.get(i) instanceof Node node ? node.name() : "output_" + i;
            names.add(names.contains(n) ? n + "_" + i : n);
        }
        return names;
    }

    private static List<CpuTensor> copies(List<CpuTensor> in) {
        return in.stream().map(t -> (CpuTensor) t.cloneTensor()).toList();
    }
}
