package org.kernelir.runtime.plugins;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.pf4j.PluginDependency;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginWrapper;

/**
 * The second of the plugin host's three jobs: resolving what plugins require of each other
 * ({@code Plugin-Dependencies}). It says why a plugin cannot be loaded (a required plugin is missing or of a wrong
 * version), in which order plugins start (dependencies first; kernel-ir's own plugins before any other, so that their
 * providers hold their names, see {@link BuiltinProviders}), and which loaded plugins depend on one that is to be
 * unloaded.
 */
final class PluginDependencies {

    private final HostPluginManager pf4j;
    private final Path directory;

    PluginDependencies(HostPluginManager pf4j, Path directory) {
        this.pf4j = pf4j;
        this.directory = directory;
    }

    /** Why {@code d} cannot be loaded with the plugins PF4J has now, or {@code null} when it can. */
    String problem(PluginDescriptor d) {
        for (PluginDependency dep : d.getDependencies()) {
            if (dep.isOptional()) {
                continue;
            }
            PluginWrapper w = pf4j.getPlugin(dep.getPluginId());
            String support = dep.getPluginVersionSupport();
            if (w == null) {
                return "depends on plugin " + dep.getPluginId() + ("*".equals(support) ? "" : " " + support)
                        + ", which is not loaded; not loaded: add that plugin to " + directory
                        + " or remove it from Plugin-Dependencies";
            }
            boolean ok;
            try {
                ok = pf4j.getVersionManager().checkVersionConstraint(w.getDescriptor().getVersion(), support);
            } catch (RuntimeException e) {
                ok = false;
            }
            if (!ok) {
                return "depends on plugin " + dep.getPluginId() + " " + support + ", but " + dep.getPluginId() + "@"
                        + w.getDescriptor().getVersion() + " is loaded; not loaded: install a matching version of "
                        + dep.getPluginId();
            }
        }
        return null;
    }

    /**
     * {@code pending} in start order: kernel-ir's own plugins first (they depend on nothing), then in the order PF4J
     * resolved them (dependencies before their dependents), then any PF4J did not order.
     *
     * @param wrapperOf the PF4J wrapper of a pending item
     */
    <T> List<T> startOrder(Collection<T> pending, java.util.function.Function<T, PluginWrapper> wrapperOf) {
        List<T> ordered = new ArrayList<>();
        for (PluginWrapper w : pf4j.getResolvedPlugins()) {
            pending.stream().filter(p -> wrapperOf.apply(p) == w).findFirst().ifPresent(ordered::add);
        }
        pending.stream().filter(p -> !ordered.contains(p)).forEach(ordered::add);
        List<T> builtinFirst = new ArrayList<>(ordered.stream()
                .filter(p -> BuiltinProviders.isBuiltinPlugin(wrapperOf.apply(p).getPluginId())).toList());
        ordered.stream().filter(p -> !builtinFirst.contains(p)).forEach(builtinFirst::add);
        return builtinFirst;
    }

    /**
     * The plugins among {@code loaded} that depend on {@code pluginId}, directly or not, the farthest first (the
     * order to unload them in).
     *
     * @param idOf         a plugin's id
     * @param descriptorOf a plugin's descriptor ({@code null} when unknown)
     */
    static <T> List<T> dependentsOf(String pluginId, Collection<T> loaded, java.util.function.Function<T, String> idOf,
            java.util.function.Function<T, PluginDescriptor> descriptorOf) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(pluginId));
        List<T> out = new ArrayList<>();
        while (!todo.isEmpty()) {
            String id = todo.poll();
            Predicate<T> dependsOnId = e -> descriptorOf.apply(e) != null && descriptorOf.apply(e).getDependencies()
                    .stream().anyMatch(dep -> dep.getPluginId().equals(id));
            for (T e : loaded) {
                if (dependsOnId.test(e) && seen.add(idOf.apply(e))) {
                    out.add(e);
                    todo.add(idOf.apply(e));
                }
            }
        }
        Collections.reverse(out);
        return out;
    }
}
