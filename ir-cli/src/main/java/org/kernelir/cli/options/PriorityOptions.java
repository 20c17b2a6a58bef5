package org.kernelir.cli.options;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.kernelir.cli.CliException;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import picocli.CommandLine.Option;

/**
 * {@code --priority OP=P1,P2... --providers P1,P2}: which providers each op tries, in order.
 *
 * <p>The default list, when neither {@code --providers} nor {@code --priority default=...} sets it, is every loaded
 * and available provider (in load order) followed by {@code native}: {@code default=cpu,native}.
 */
public final class PriorityOptions {

    @Option(names = "--priority", paramLabel = "OP=P1,P2...", description = "Providers to try for an op, in order "
            + "(repeatable; OP may be 'default'), e.g. --priority rms_norm=acme,native.")
    List<String> priorities = new ArrayList<>();

    @Option(names = "--providers", paramLabel = "P1,P2", split = ",", description = "The default list: these "
            + "providers, then native (default: every available provider, then native).")
    List<String> providers;

    /**
     * The priority to lower and run with, checked against the loaded providers.
     *
     * @throws CliException naming a malformed entry, or a provider that is not loaded (with the loaded ones)
     */
    public Priority resolve(ProviderRegistry registry) {
        Priority p;
        try {
            p = Priority.parse(String.join(" ", priorities));
            if (providers != null) {
                List<String> list = new ArrayList<>(providers.stream().map(String::strip).toList());
                if (!list.contains(ProviderRegistry.NATIVE)) {
                    list.add(ProviderRegistry.NATIVE);
                }
                p = p.withDefault(list.toArray(String[]::new));
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        if (p.defaults().isEmpty()) {
            List<String> available = new ArrayList<>();
            for (RegisteredProvider rp : registry.all()) {
                if (!rp.name().equals(ProviderRegistry.NATIVE) && rp.availability().available()) {
                    available.add(rp.name());
                }
            }
            available.add(ProviderRegistry.NATIVE);
            p = p.withDefault(available.toArray(String[]::new));
        }
        Set<String> loaded = new TreeSet<>();
        registry.all().forEach(rp -> loaded.add(rp.name()));
        for (String name : p.providerNames()) {
            if (!loaded.contains(name)) {
                throw new CliException("priority '" + p + "' names provider '" + name + "', which is not loaded; loaded "
                        + "providers: " + String.join(", ", loaded) + " (see kir providers; plugins come from "
                        + "--plugins DIR)");
            }
        }
        for (String op : p.perOp().keySet()) {
            if (registry.ops().find(op).isEmpty()) {
                throw new CliException("priority '" + p + "' names op '" + op + "', which is not an IR op; ops: "
                        + String.join(", ", registry.ops().names()));
            }
        }
        return p;
    }
}
