package org.kernelir.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.device.DeviceRuntimes;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.meta.Device;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.PassConfig;
import org.kernelir.passes.PassManager;
import org.kernelir.passes.PlacementPass;
import org.kernelir.runtime.plugins.ClasspathProviders;
import org.kernelir.runtime.plugins.LoadState;
import org.kernelir.runtime.plugins.PluginHost;
import org.kernelir.runtime.plugins.PluginStatus;
import org.kernelir.runtime.plugins.ProviderStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kernel-ir instance, as an application embeds it: the ops, the providers (found on the class path, loaded
 * from the plugins folder, or handed over in code), the dispatcher that chooses among them, the replacement
 * cache, and the pass pipeline that lowers graphs.
 *
 * <pre>{@code
 * try (KernelIr ir = KernelIr.builder()
 *         .pluginsDirectory(Path.of("plugins"))
 *         .priority(Priority.parse("default=cpu,native"))
 *         .build()) {
 *     for (ProviderStatus p : ir.providers()) {
 *         log.info("{}", p);
 *     }
 *     Graph model = LlamaBuilder.tiny().build();
 *     LoweringResult lowered = ir.lower(model);
 *     log.info("{}", lowered.report().summary());
 *
 *     Tensor x = CpuTensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
 *     Tensor w = CpuTensor.of(new float[] {1, 1, 1, 1}, 4);
 *     Tensor y = ir.dispatcher().call1(IrOps.RMS_NORM, x, w, 1e-6);
 * }
 * }</pre>
 *
 * <p>The example lists every provider with its state (a provider that failed says why and what to do), lowers a
 * model graph (each IR op node is replaced by the traced graph of the implementation the priority picks, here
 * {@code cpu} where a plugin or class-path JAR provides it, else {@code native}) and calls one op eagerly.
 *
 * <p>Building never fails because of a provider: a broken plugin JAR or a provider that throws is logged once
 * and listed by {@link #providers()} and {@link #plugins()}, and everything else loads. A priority that names a
 * provider that is not loaded works without it (logged once); {@code native} closes every list.
 *
 * <p>Plugins can be loaded, unloaded and reloaded while the instance is in use; when a plugin's providers leave
 * the registry its listeners are told and the replacement cache drops their entries. {@link #close()} unloads
 * every plugin. The instance is thread-safe.
 */
public final class KernelIr implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KernelIr.class);

    /** The system property naming the kernel-ir installation, whose {@code plugins/} folder is the default. */
    public static final String HOME_PROPERTY = "kernelir.home";

    private final OpRegistry ops;
    private final ProviderRegistry registry;
    private final Dispatcher dispatcher;
    private final ReplacementCache cache;
    private final PluginHost pluginHost;
    private final PassManager passes;
    private final List<ProviderStatus> ownStatuses;
    private Priority requestedPriority;
    private Priority appliedPriority;
    private boolean closed;

    private KernelIr(Builder b) {
        this.ops = b.ops == null ? OpRegistry.standard() : b.ops;
        if (b.priority != null) {
            b.priority.perOp().keySet().forEach(ops::require); // before any plugin is loaded
        }
        this.registry = new ProviderRegistry(ops);
        this.cache = b.cache == null ? ReplacementCaches.builder().noDisk().build() : b.cache;
        registry.addListener(new CachePurge(cache));
        List<ProviderStatus> statuses = new ArrayList<>();
        if (b.classpathProviders) {
            ClassLoader loader = b.classLoader == null ? KernelIr.class.getClassLoader() : b.classLoader;
            statuses.addAll(ClasspathProviders.discover(registry, loader));
        }
        for (KernelProvider p : b.providers) {
            statuses.add(ClasspathProviders.register(registry, p));
        }
        this.ownStatuses = List.copyOf(statuses);
        if (b.plugins) {
            Path dir = b.pluginsDirectory == null ? defaultPluginsDirectory() : b.pluginsDirectory;
            this.pluginHost = new PluginHost(registry, dir, KernelIrVersion.current());
            pluginHost.loadAll();
        } else {
            this.pluginHost = null;
        }
        this.dispatcher = new Dispatcher(registry);
        this.passes = PassManager.standard(PassConfig.builder(dispatcher).cache(cache).strict(b.strict).build());
        this.requestedPriority = b.priority;
        applyPriority(true);
    }

    /** A builder with the defaults: standard ops, class-path providers, the default plugins folder, no priority. */
    public static Builder builder() {
        return new Builder();
    }

    /** This kernel-ir's version (see {@link KernelIrVersion}). */
    public static String version() {
        return KernelIrVersion.current();
    }

    /**
     * The default plugins folder: {@code plugins/} of the installation named by the system property
     * {@value #HOME_PROPERTY}, else {@code plugins/} of the current directory.
     */
    public static Path defaultPluginsDirectory() {
        String home = System.getProperty(HOME_PROPERTY);
        Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home);
        return base.resolve("plugins").toAbsolutePath().normalize();
    }

    /** The IR ops of this instance. */
    public OpRegistry ops() {
        return ops;
    }

    /** The providers of this instance (always with {@code native}). */
    public ProviderRegistry registry() {
        return registry;
    }

    /** Eager dispatch: the implementation each op call goes to, under the priority in force. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** The cache of traced replacement graphs. */
    public ReplacementCache cache() {
        return cache;
    }

    /** The standard pass pipeline, over this instance's dispatcher and cache. */
    public PassManager passManager() {
        return passes;
    }

    /**
     * Lowers {@code graph} with the standard pipeline: functionalization, lowering (every IR op node becomes the
     * traced graph of the implementation dispatch picks for its argument metadata, through the replacement cache),
     * clone, no-op and dead-code elimination.
     *
     * @return the lowered graph and the report (the implementation chosen per node, cache hits, pass timings)
     * @throws org.kernelir.passes.PassException when a pass rejects the graph; the message names the node
     */
    public LoweringResult lower(Graph graph) {
        return passes.run(graph);
    }

    /**
     * Runs {@code graph} on CPU tensors: a lowered graph, or one with IR op nodes, which are then dispatched
     * eagerly one by one. Primitives, IR ops and the kernel ops of the loaded providers are known.
     *
     * @param inputs one tensor per placeholder, in order
     * @return the graph's outputs, in order
     * @throws IllegalArgumentException for inputs that do not fit the placeholders
     * @throws org.kernelir.core.interp.InterpreterException when a node fails, naming it
     */
    public List<CpuTensor> run(Graph graph, List<CpuTensor> inputs) {
        return new Interpreter(passes.config().catalog()).run(graph, inputs);
    }

    /**
     * Runs {@code graph} on {@code device}: places every node on a device ({@link PlacementPass}: the primitives on
     * {@code device} where its runtime has them, each provider kernel op on the device type it declares, copies at
     * device boundaries only: the inputs go to the device, the outputs come back), then runs it through each
     * device's runtime. Device memory goes back to its runtime's pool as soon as no node needs it. On
     * {@link Device#CPU} this is {@link #run(Graph, List)}.
     *
     * @param inputs one CPU tensor per placeholder, in order
     * @return the graph's outputs, on the CPU, in order
     * @throws IllegalArgumentException when no loaded device runtime provides {@code device} (the message lists the
     *                                  devices there are), or for inputs that do not fit the placeholders
     * @throws org.kernelir.core.interp.InterpreterException when a node fails, naming it; a kernel whose output
     *                                  contradicts its declared metadata fails so, naming its provider
     */
    public List<CpuTensor> run(Graph graph, List<CpuTensor> inputs, Device device) {
        KernelCatalog catalog = passes.config().catalog();
        DeviceRuntimes runtimes = registry.devices();
        Graph placed = PlacementPass.place(graph, device, runtimes, catalog);
        return new Interpreter(catalog, runtimes).run(placed, inputs);
    }

    /** The devices of this instance: the CPU's runtime and those of the loaded, available providers. */
    public DeviceRuntimes devices() {
        return registry.devices();
    }

    /** The plugin host; empty when plugins were turned off ({@link Builder#plugins(boolean)}). */
    public Optional<PluginHost> pluginHost() {
        return Optional.ofNullable(pluginHost);
    }

    /**
     * Every provider and what became of it: {@code native}, then class-path providers, providers handed over in
     * code, and plugin providers, each {@link LoadState#LOADED} or {@link LoadState#UNAVAILABLE} (with the
     * reason); then whatever failed or was skipped (a broken JAR, a throwing constructor, a name clash, an
     * incompatible plugin), each with a message that says what to do.
     */
    public synchronized List<ProviderStatus> providers() {
        List<ProviderStatus> out = new ArrayList<>();
        registry.find(ProviderRegistry.NATIVE).ifPresent(rp -> out.add(ProviderStatus.registered(rp.identity(),
                rp.availability())));
        for (ProviderStatus s : ownStatuses) {
            if (!s.isRegistered() || stillRegistered(s)) {
                out.add(s);
            }
        }
        if (pluginHost != null) {
            out.addAll(pluginHost.providers());
        }
        return List.copyOf(out);
    }

    /** What became of each JAR of the plugins folder (empty when plugins are off). */
    public List<PluginStatus> plugins() {
        return pluginHost == null ? List.of() : pluginHost.plugins();
    }

    /**
     * Loads a plugin JAR and registers its providers (see {@link PluginHost#loadPlugin(Path)}). A priority given
     * to the builder that names one of its providers takes it in.
     *
     * @throws IllegalStateException when plugins are off, or the JAR is loaded already
     */
    public synchronized PluginStatus loadPlugin(Path jar) {
        PluginStatus s = host().loadPlugin(jar);
        applyPriority(false);
        return s;
    }

    /**
     * Unloads a plugin: its providers leave the registry (listeners are told, the cache drops their entries) and
     * its class loader is closed. Dispatch goes on with the remaining providers of each priority list.
     *
     * @return whether a loaded plugin with this id was found
     */
    public synchronized boolean unloadPlugin(String pluginId) {
        boolean done = host().unloadPlugin(pluginId);
        applyPriority(false);
        return done;
    }

    /** Unloads a plugin and loads it again from its JAR (see {@link PluginHost#reloadPlugin(String)}). */
    public synchronized PluginStatus reloadPlugin(String pluginId) {
        PluginStatus s = host().reloadPlugin(pluginId);
        applyPriority(false);
        return s;
    }

    /**
     * Sets the permanent priority. Unlike {@link Dispatcher#setPriority}, a provider that is not loaded is left
     * out (logged once) instead of being an error, and is taken in when a plugin that has it is loaded.
     *
     * @throws IllegalArgumentException naming an unknown op
     */
    public synchronized void setPriority(Priority priority) {
        requestedPriority = Objects.requireNonNull(priority, "priority");
        applyPriority(true);
    }

    /** Unloads every plugin. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pluginHost != null) {
            pluginHost.close();
        }
    }

    @Override
    public String toString() {
        return "KernelIr " + version() + " " + registry;
    }

    private PluginHost host() {
        if (pluginHost == null) {
            throw new IllegalStateException("plugins are turned off for this KernelIr (builder.plugins(false))");
        }
        return pluginHost;
    }

    private boolean stillRegistered(ProviderStatus s) {
        return registry.find(s.name()).map(RegisteredProvider::identity)
                .filter(id -> id.fingerprint().equals(s.fingerprint()) && id.source() == s.source()).isPresent();
    }

    /**
     * Sets the requested priority on the dispatcher without the providers that are not loaded. Done again after
     * plugins come and go, unless someone set another priority on the dispatcher directly meanwhile.
     */
    private void applyPriority(boolean warn) {
        if (requestedPriority == null) {
            return;
        }
        if (appliedPriority != null && !appliedPriority.equals(dispatcher.priority())) {
            return;
        }
        Priority p = loadedOnly(requestedPriority, warn);
        dispatcher.setPriority(p);
        appliedPriority = p;
    }

    private Priority loadedOnly(Priority requested, boolean warn) {
        List<String> missing = requested.providerNames().stream()
                .filter(n -> !n.equals(ProviderRegistry.NATIVE) && registry.find(n).isEmpty()).toList();
        if (missing.isEmpty()) {
            return requested;
        }
        for (String name : missing) {
            String why = providers().stream().filter(s -> s.name().equals(name) && !s.isRegistered())
                    .map(ProviderStatus::message).findFirst().orElse("no provider of that name was found");
            if (warn) {
                LOG.warn("priority '{}' names provider {}, which is not loaded ({}); it is left out of the priority "
                        + "until it is loaded", requested, name, why);
            } else {
                LOG.info("priority '{}': provider {} is not loaded; left out", requested, name);
            }
        }
        Map<String, List<String>> perOp = new LinkedHashMap<>();
        requested.perOp().forEach((op, list) -> perOp.put(op, keep(list, missing)));
        List<String> defaults = requested.defaults().isEmpty() ? List.of() : keep(requested.defaults(), missing);
        return new Priority(defaults, perOp);
    }

    private static List<String> keep(List<String> list, List<String> missing) {
        List<String> kept = list.stream().filter(n -> !missing.contains(n)).toList();
        return kept.isEmpty() ? List.of(ProviderRegistry.NATIVE) : kept;
    }

    /** Drops a provider's cache entries when it leaves the registry (its plugin was unloaded). */
    private record CachePurge(ReplacementCache cache) implements ProviderRegistry.Listener {
        @Override
        public void registered(RegisteredProvider provider) {
        }

        @Override
        public void unregistered(RegisteredProvider provider) {
            cache.invalidateProvider(provider.name());
        }
    }

    /**
     * Configures a {@link KernelIr}. Every setting has a default; {@link #build()} may be called more than once
     * and gives independent instances.
     */
    public static final class Builder {
        private OpRegistry ops;
        private Path pluginsDirectory;
        private boolean plugins = true;
        private boolean classpathProviders = true;
        private ClassLoader classLoader;
        private final List<KernelProvider> providers = new ArrayList<>();
        private Priority priority;
        private ReplacementCache cache;
        private boolean strict;

        private Builder() {
        }

        /** The IR ops (default: {@link OpRegistry#standard()}, a new registry per instance). */
        public Builder ops(OpRegistry registry) {
            this.ops = Objects.requireNonNull(registry, "ops");
            return this;
        }

        /**
         * The plugins folder (default: {@link KernelIr#defaultPluginsDirectory()}). A folder that does not exist
         * is not an error; it just holds no plugins.
         */
        public Builder pluginsDirectory(Path directory) {
            this.pluginsDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Whether to load plugins at all (default {@code true}). */
        public Builder plugins(boolean enabled) {
            this.plugins = enabled;
            return this;
        }

        /**
         * Whether to register the providers that {@link java.util.ServiceLoader} finds on the class path (default
         * {@code true}).
         */
        public Builder classpathProviders(boolean enabled) {
            this.classpathProviders = enabled;
            return this;
        }

        /**
         * The class loader whose class path is searched for providers (default: the loader of kernel-ir's
         * runtime). Turns class-path providers on.
         */
        public Builder classpathProviders(ClassLoader loader) {
            this.classLoader = Objects.requireNonNull(loader, "loader");
            this.classpathProviders = true;
            return this;
        }

        /** Adds a provider handed over in code; it is registered after the class-path ones. */
        public Builder provider(KernelProvider provider) {
            this.providers.add(Objects.requireNonNull(provider, "provider"));
            return this;
        }

        /** The permanent priority (default: none, so every op dispatches to native, with a warning per op). */
        public Builder priority(Priority priority) {
            this.priority = Objects.requireNonNull(priority, "priority");
            return this;
        }

        /**
         * The replacement cache (default: a memory-only cache, {@code ReplacementCaches.builder().noDisk()};
         * give one with a disk tier so that a new process does not trace again).
         */
        public Builder cache(ReplacementCache replacementCache) {
            this.cache = Objects.requireNonNull(replacementCache, "cache");
            return this;
        }

        /** Whether lowering fails when IR op nodes are left (default {@code false}: it warns). */
        public Builder strict(boolean strictLowering) {
            this.strict = strictLowering;
            return this;
        }

        /**
         * Registers the providers and loads the plugins. Provider problems do not make it fail; see
         * {@link KernelIr#providers()}.
         *
         * @throws IllegalArgumentException if the priority names an op that is not registered
         */
        public KernelIr build() {
            return new KernelIr(this);
        }
    }
}
