package org.kernelir.cli.options;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.cli.base.CliException;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.runtime.KernelIr;
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
     * The priority to lower and run with: what was asked for, completed by kernel-ir's default policy
     * ({@link KernelIr#withDefaultPolicy}), checked against the loaded providers, and set on {@code ir}.
     *
     * @throws CliException naming a malformed entry, or a provider that is not loaded (with the loaded ones)
     */
    public Priority apply(KernelIr ir) {
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
            p = ir.withDefaultPolicy(p);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage() + (e.getMessage().contains("not loaded")
                    ? " (see kir providers; plugins come from --plugins DIR)" : ""));
        }
        ir.setPriority(p);
        return p;
    }
}
