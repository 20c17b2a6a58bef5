package org.kernelir.cli.commands;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cli.base.KirCommand;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.options.PluginOptions;
import org.kernelir.cli.options.Providers;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.runtime.KernelIr;
import org.kernelir.runtime.plugins.LoadState;
import org.kernelir.runtime.plugins.PluginStatus;
import org.kernelir.runtime.plugins.ProviderStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kir providers}: every provider kernel-ir found, where it came from, its fingerprint, whether it can run
 * here (and why not), and the ops it implements; then every plugin JAR that failed or was skipped, with what to do.
 */
@Command(name = "providers", description = {"List the kernel providers: source (classpath, or plugin id@version and "
        + "JAR), fingerprint, availability, ops; and plugin JARs that failed or were skipped, with the reason."})
public final class ProvidersCommand extends KirCommand {

    @Mixin
    PluginOptions plugins;

    @Option(names = "--json", description = "Print the listing as JSON.")
    boolean json;

    /** One provider as the JSON listing has it. */
    record ProviderRow(String name, String source, String plugin, String location, String fingerprint, String state,
            boolean available, String reason, List<String> ops) {
    }

    /** One plugin JAR that did not load, as the JSON listing has it. */
    record PluginRow(String jar, String plugin, String state, String message) {
    }

    /** The JSON listing. */
    record Listing(@JsonProperty("kernel_ir_version") String kernelIrVersion,
            @JsonProperty("plugins_dirs") List<String> pluginsDirs, List<ProviderRow> providers,
            @JsonProperty("plugins_not_loaded") List<PluginRow> pluginsNotLoaded) {
    }

    @Override
    protected int execute() {
        try (KernelIr ir = Providers.load(plugins, ReplacementCache.disabled())) {
            List<ProviderRow> rows = new ArrayList<>();
            for (ProviderStatus s : ir.providers()) {
                if (s.isRegistered() || !s.name().isEmpty()) {
                    rows.add(row(s, ir.registry().find(s.name()).filter(rp -> s.isRegistered())
                            .map(RegisteredProvider::opNames).orElse(List.of())));
                }
            }
            List<PluginRow> broken = new ArrayList<>();
            for (PluginStatus p : ir.plugins()) {
                if (p.state() == LoadState.FAILED || p.state() == LoadState.SKIPPED) {
                    broken.add(new PluginRow(p.jar().toString(), p.label(), p.state().name().toLowerCase(), p.message()));
                }
            }
            Output out = output();
            if (json) {
                out.json(new Listing(KernelIr.version(), ir.pluginsDirectories().stream().map(Path::toString).toList(),
                        rows, broken));
            } else {
                print(out, rows, broken, ir);
            }
            return 0;
        }
    }

    private static ProviderRow row(ProviderStatus s, List<String> ops) {
        String source = switch (s.source()) {
            case BUILTIN -> "builtin";
            case CLASSPATH -> "classpath";
            case PLUGIN -> "plugin";
        };
        String plugin = s.source() == ProviderIdentity.Source.PLUGIN
                ? s.pluginId() + (s.pluginVersion().isEmpty() ? "" : "@" + s.pluginVersion()) : "";
        return new ProviderRow(s.name(), source, plugin, s.location(), s.fingerprint(), s.state().name().toLowerCase(),
                s.state() == LoadState.LOADED, s.state() == LoadState.LOADED ? "" : s.message(), ops);
    }

    private static void print(Output out, List<ProviderRow> rows, List<PluginRow> broken, KernelIr ir) {
        var w = out.out();
        List<Path> dirs = ir.pluginsDirectories();
        w.printf("kernel-ir %s, plugins folder%s %s%n%n", KernelIr.version(), dirs.size() == 1 ? "" : "s",
                dirs.isEmpty() ? "(none)" : String.join(", ", dirs.stream().map(Path::toString).toList()));
        int nameWidth = Math.max(8, rows.stream().mapToInt(r -> r.name().length()).max().orElse(0));
        int sourceWidth = Math.max(6, rows.stream().mapToInt(r -> source(r).length()).max().orElse(0));
        String fmt = "%-" + nameWidth + "s  %-" + sourceWidth + "s  %-12s  %-11s  %s%n";
        w.printf(fmt, "PROVIDER", "SOURCE", "FINGERPRINT", "STATE", "OPS");
        for (ProviderRow r : rows) {
            w.printf(fmt, r.name(), source(r), r.fingerprint().isEmpty() ? "-" : r.fingerprint().substring(0,
                    Math.min(12, r.fingerprint().length())), r.state(), opsColumn(r));
            if (!r.location().isEmpty() && !r.source().equals("builtin")) {
                w.printf("%" + (nameWidth + 2) + "s  from %s%n", "", r.location());
            }
            if (!r.reason().isEmpty()) {
                w.printf("%" + (nameWidth + 2) + "s  %s: %s%n", "", r.state().equals("unavailable") ? "unavailable"
                        : "why", r.reason());
            }
        }
        if (!broken.isEmpty()) {
            w.printf("%nplugin JARs not loaded:%n");
            for (PluginRow p : broken) {
                w.printf("  %s (%s) %s: %s%n", p.plugin(), p.jar(), p.state(), p.message());
            }
        }
        w.flush();
    }

    /** native implements every op: say so rather than list them all. */
    private static String opsColumn(ProviderRow r) {
        if (r.source().equals("builtin")) {
            return "every op (" + r.ops().size() + ")";
        }
        return r.ops().isEmpty() ? "-" : String.join(", ", r.ops());
    }

    private static String source(ProviderRow r) {
        return r.plugin().isEmpty() ? r.source() : "plugin " + r.plugin();
    }
}
