package org.kernelir.cli.commands;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.base.KirCommand;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.base.Progress;
import org.kernelir.cli.options.PluginOptions;
import org.kernelir.cli.options.Providers;
import org.kernelir.core.conformance.Conformance;
import org.kernelir.core.conformance.ConformanceResult;
import org.kernelir.core.conformance.SampleResult;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kir verify}: checks every implementation of every loaded provider against native on each op's sample
 * inputs, within the op's tolerances ({@link Conformance#check}); exit 1 when one fails.
 */
@Command(name = "verify", description = {"Check every implementation of the loaded providers (not native) against "
        + "native on each op's sample inputs; exit 1 if any fails."})
public final class VerifyCommand extends KirCommand {

    @Option(names = "--provider", paramLabel = "P", description = "Only this provider.")
    String provider;

    @Option(names = "--op", paramLabel = "O", description = "Only this op.")
    String op;

    @Mixin
    PluginOptions plugins;

    @Option(names = "--json", description = "Print the results as JSON (only the JSON document goes to stdout).")
    boolean json;

    /** One implementation's result. */
    record Row(String provider, String op, long passed, long failed, long errors, long unsupported, String status,
            List<String> failures) {
    }

    /**
     * The JSON document.
     *
     * @param ok      whether every implementation matched native
     * @param results one row per implementation
     */
    record Report(boolean ok, List<Row> results) {
    }

    @Override
    protected int execute() {
        try (KernelIr ir = Providers.load(plugins, ReplacementCache.disabled())) {
            List<Implementation<?>> todo = selected(ir);
            List<Row> rows = new ArrayList<>();
            try (Progress progress = output().progress("verifying", todo.size())) {
                for (Implementation<?> impl : todo) {
                    rows.add(check(impl));
                    progress.step(impl.op().name() + "@" + impl.provider());
                }
            }
            boolean ok = rows.stream().noneMatch(r -> r.failed() > 0 || r.errors() > 0);
            if (json) {
                output().json(new Report(ok, rows));
            } else {
                print(output(), rows);
            }
            if (!ok) {
                output().err().println("kir verify: " + rows.stream().filter(r -> r.failed() > 0 || r.errors() > 0)
                        .map(r -> r.op() + "@" + r.provider()).toList() + " do not match native; a provider's author "
                        + "can reproduce this with ir-testkit's ProviderConformanceTest");
                output().err().flush();
            }
            return ok ? 0 : 1;
        }
    }

    private List<Implementation<?>> selected(KernelIr ir) {
        List<RegisteredProvider> providers = ir.registry().all().stream()
                .filter(p -> !p.name().equals(ProviderRegistry.NATIVE)).toList();
        if (provider != null && providers.stream().noneMatch(p -> p.name().equals(provider))) {
            throw new CliException("provider '" + provider + "' is not loaded; loaded providers: "
                    + providers.stream().map(RegisteredProvider::name).toList() + " (see kir providers)");
        }
        if (op != null && ir.ops().find(op).isEmpty()) {
            throw new CliException("unknown op '" + op + "'; ops: " + String.join(", ", ir.ops().names()));
        }
        List<Implementation<?>> out = new ArrayList<>();
        for (RegisteredProvider p : providers) {
            if (provider != null && !p.name().equals(provider)) {
                continue;
            }
            for (String name : p.opNames()) {
                if (op == null || op.equals(name)) {
                    out.add(p.implementations().get(name));
                }
            }
        }
        return out;
    }

    private static Row check(Implementation<?> impl) {
        String p = impl.provider();
        String o = impl.op().name();
        if (!impl.availability().available()) {
            return new Row(p, o, 0, 0, 0, 0, "unavailable: " + impl.availability().reason(), List.of());
        }
        ConformanceResult r = Conformance.check(impl);
        long passed = r.count(SampleResult.Status.PASSED);
        long failed = r.count(SampleResult.Status.FAILED);
        long errors = r.count(SampleResult.Status.ERROR);
        long unsupported = r.count(SampleResult.Status.UNSUPPORTED);
        String status = !r.passed() ? "FAILED" : passed == 0 ? "untested: supports no sample" : "passed";
        List<String> failures = r.failures().isEmpty() ? List.of() : List.of(r.failures().split("\n"));
        return new Row(p, o, passed, failed, errors, unsupported, status, failures);
    }

    private static void print(Output out, List<Row> rows) {
        var w = out.out();
        if (rows.isEmpty()) {
            w.println("no implementation to verify: only native is loaded (add provider JARs to the plugins folder, "
                    + "or use --plugins DIR)");
            w.flush();
            return;
        }
        int pw = Math.max(8, rows.stream().mapToInt(r -> r.provider().length()).max().orElse(0));
        int ow = Math.max(2, rows.stream().mapToInt(r -> r.op().length()).max().orElse(0));
        String fmt = "%-" + pw + "s  %-" + ow + "s  %6s  %6s  %6s  %11s  %s%n";
        w.printf(fmt, "PROVIDER", "OP", "PASSED", "FAILED", "ERRORS", "UNSUPPORTED", "STATUS");
        for (Row r : rows) {
            w.printf(fmt, r.provider(), r.op(), r.passed(), r.failed(), r.errors(), r.unsupported(), r.status());
        }
        for (Row r : rows) {
            if (!r.failures().isEmpty()) {
                w.printf("%n%s@%s:%n", r.op(), r.provider());
                r.failures().stream().limit(5).forEach(f -> w.println("  " + f));
                if (r.failures().size() > 5) {
                    w.printf("  ... and %d more%n", r.failures().size() - 5);
                }
            }
        }
        w.flush();
    }
}
