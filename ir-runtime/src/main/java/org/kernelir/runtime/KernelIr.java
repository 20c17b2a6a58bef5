package org.kernelir.runtime;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.kernelir.cache.CacheConfig;
import org.kernelir.cache.RemoteCacheConfig;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.device.DeviceRuntimes;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.IrOpCatalog;
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
import org.kernelir.passes.NativeFallbackException;
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
    /** One host per plugins folder, in the order the folders were given; empty when plugins are off. */
    private final List<PluginHost> pluginHosts;
    private final PluginHost mainHost;
    /** The cache this instance made (its remote tier is closed with it), or {@code null} when given one. */
    private final TieredReplacementCache ownCache;
    private final PassManager passes;
    private final List<ProviderStatus> ownStatuses;
    private final boolean failOnNativeFallback;
    private Priority requestedPriority;
    private Priority appliedPriority;
    private boolean closed;

    private KernelIr(Builder b) {
        this.ops = b.ops == null ? OpRegistry.standard() : b.ops;
        if (b.priority != null) {
            b.priority.perOp().keySet().forEach(ops::require); // before any plugin is loaded
        }
        this.registry = new ProviderRegistry(ops);
        if (b.cache != null && b.remoteCache != null) {
            throw new IllegalArgumentException("give either a cache or a remote cache URI to the KernelIr builder, not"
                    + " both: a cache built by the caller takes its remote tier from its own configuration"
                    + " (CacheConfig.remoteCache)");
        }
        if (b.cache == null) {
            CacheConfig own = ReplacementCaches.builder().noDisk();
            TieredReplacementCache made = (b.remoteCache == null ? own : own.remoteCache(b.remoteCache)).build();
            this.cache = made;
            this.ownCache = made;
        } else {
            this.cache = b.cache;
            this.ownCache = null;
        }
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
        List<PluginHost> hosts = new ArrayList<>();
        if (b.plugins) {
            for (Path dir : b.pluginFolders()) {
                PluginHost host = new PluginHost(registry, dir, KernelIrVersion.current());
                hosts.add(host);
                host.loadAll();
            }
        }
        this.pluginHosts = List.copyOf(hosts);
        Path first = b.pluginsDirectories.isEmpty() ? null : b.pluginsDirectories.getFirst().toAbsolutePath().normalize();
        this.mainHost = hosts.stream().filter(h -> h.directory().equals(first)).findFirst()
                .orElse(hosts.isEmpty() ? null : hosts.getFirst());
        this.dispatcher = new Dispatcher(registry);
        this.passes = PassManager.standard(PassConfig.builder(dispatcher).cache(cache).strict(b.strict).build());
        this.failOnNativeFallback = b.failOnNativeFallback;
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
     * @throws org.kernelir.passes.PassException when a pass rejects the graph; the message names the node (a
     *         {@link NativeFallbackException} when the builder made native fallbacks errors)
     */
    public LoweringResult lower(Graph graph) {
        LoweringResult r = passes.run(graph);
        if (failOnNativeFallback) {
            NativeFallbackException.check(graph.name(), r.report(), dispatcher.priority());
        }
        return r;
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

    /**
     * The plugin host of the first folder given to {@link Builder#pluginsDirectory(Path)}, else of the default
     * folder; empty when plugins were turned off ({@link Builder#plugins(boolean)}) or there is no folder. See
     * {@link #pluginHosts()} for all of them.
     */
    public Optional<PluginHost> pluginHost() {
        return Optional.ofNullable(mainHost);
    }

    /** The plugin hosts, one per plugins folder, in the order the folders were given (empty when plugins are off). */
    public List<PluginHost> pluginHosts() {
        return pluginHosts;
    }

    /** The plugins folders this instance loaded from, in order. */
    public List<Path> pluginsDirectories() {
        return pluginHosts.stream().map(PluginHost::directory).toList();
    }

    /**
     * The default priority policy: {@code requested} as it is when it has a default list, else with the default
     * list every loaded and available provider (in load order) followed by {@code native}, as in
     * {@code default=cpu,native}. Checked against this instance: every provider it names must be loaded, every op
     * must exist.
     *
     * @param requested what the user asked for (may be {@link Priority#NONE})
     * @return the priority to set with {@link #setPriority}
     * @throws IllegalArgumentException naming a provider that is not loaded (with the loaded ones) or an op that
     *                                  does not exist (with the ops)
     */
    public Priority withDefaultPolicy(Priority requested) {
        Priority p = Objects.requireNonNull(requested, "requested");
        if (p.defaults().isEmpty()) {
            p = p.withDefault(defaultPriority().defaults().toArray(String[]::new));
        }
        Set<String> loaded = new TreeSet<>();
        registry.all().forEach(rp -> loaded.add(rp.name()));
        for (String name : p.providerNames()) {
            if (!loaded.contains(name)) {
                throw new IllegalArgumentException("priority '" + p + "' names provider '" + name + "', which is not "
                        + "loaded; loaded providers: " + String.join(", ", loaded));
            }
        }
        for (String op : p.perOp().keySet()) {
            if (ops.find(op).isEmpty()) {
                throw new IllegalArgumentException("priority '" + p + "' names op '" + op + "', which is not an IR "
                        + "op; ops: " + String.join(", ", ops.names()));
            }
        }
        return p;
    }

    /**
     * The default priority of this instance: every loaded and available provider other than {@code native}, in
     * load order, then {@code native}, for every op.
     */
    public Priority defaultPriority() {
        List<String> available = new ArrayList<>();
        for (RegisteredProvider rp : registry.all()) {
            if (!rp.name().equals(ProviderRegistry.NATIVE) && rp.availability().available()) {
                available.add(rp.name());
            }
        }
        available.add(ProviderRegistry.NATIVE);
        return Priority.ofDefault(available.toArray(String[]::new));
    }

    /**
     * The priority asked for (before providers that are not loaded were left out), or what the dispatcher has
     * when none was asked for.
     */
    public synchronized Priority requestedPriority() {
        return requestedPriority == null ? dispatcher.priority() : requestedPriority;
    }

    /**
     * Runs {@code graph} with eager dispatch to {@code native} only: IR op nodes run their native implementations,
     * whatever the priority. The reference that {@code kir run --compare native} measures against.
     *
     * @param inputs one tensor per placeholder, in order (they may be overwritten; pass copies)
     * @return the graph's outputs, in order
     */
    public List<CpuTensor> runNative(Graph graph, List<CpuTensor> inputs) {
        Dispatcher nativeOnly = new Dispatcher(registry, Priority.ofDefault(ProviderRegistry.NATIVE));
        return new Interpreter(KernelCatalog.chain(new IrOpCatalog(nativeOnly), registry.kernels())).run(graph, inputs);
    }

    /**
     * Explains, for every IR op node of {@code graph}, what lowering chooses and why: each provider of the node's
     * priority list with its verdict, and what the replacement cache holds for the chosen one (and, on a miss,
     * why). Lowers the graph to learn what happened (which fills the cache as {@link #lower} would); a native
     * fallback is explained, not an error, even when the builder makes it one for {@link #lower}.
     *
     * @return the explanation, with the lowering report
     * @throws org.kernelir.passes.PassException when lowering rejects the graph
     */
    public Explanation explain(Graph graph) {
        return new Explainer(this).explain(graph);
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
        for (PluginHost h : pluginHosts) {
            out.addAll(h.providers());
        }
        return List.copyOf(out);
    }

    /** What became of each JAR of the plugins folders, folder by folder (empty when plugins are off). */
    public List<PluginStatus> plugins() {
        List<PluginStatus> out = new ArrayList<>();
        pluginHosts.forEach(h -> out.addAll(h.plugins()));
        return List.copyOf(out);
    }

    /**
     * Loads a plugin JAR and registers its providers (see {@link PluginHost#loadPlugin(Path)}). A priority given
     * to the builder that names one of its providers takes it in.
     *
     * @throws IllegalStateException when plugins are off, or the JAR is loaded already
     */
    public synchronized PluginStatus loadPlugin(Path jar) {
        PluginStatus s = hostFor(jar).loadPlugin(jar);
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
        boolean done = hostOf(pluginId).unloadPlugin(pluginId);
        applyPriority(false);
        return done;
    }

    /** Unloads a plugin and loads it again from its JAR (see {@link PluginHost#reloadPlugin(String)}). */
    public synchronized PluginStatus reloadPlugin(String pluginId) {
        PluginStatus s = hostOf(pluginId).reloadPlugin(pluginId);
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

    /**
     * Unloads every plugin, and sends the entries queued for a remote cache tier (waiting up to 2 s; a cache this
     * instance made is disconnected from its server too). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        pluginHosts.forEach(PluginHost::close);
        if (ownCache != null) {
            ownCache.closeRemote(); // sends what is queued for the remote tier, then disconnects
        } else if (cache instanceof TieredReplacementCache given) {
            given.flushRemote(java.time.Duration.ofSeconds(2)); // the caller's cache: send what is queued, stay open
        }
    }

    @Override
    public String toString() {
        return "KernelIr " + version() + " " + registry;
    }

    private PluginHost host() {
        if (pluginHosts.isEmpty()) {
            throw new IllegalStateException("plugins are turned off for this KernelIr (builder.plugins(false))");
        }
        return pluginHosts.getFirst();
    }

    /** The host of the folder that holds {@code jar}, else the first one. */
    private PluginHost hostFor(Path jar) {
        Path folder = jar.toAbsolutePath().normalize().getParent();
        return pluginHosts.stream().filter(h -> h.directory().equals(folder)).findFirst().orElseGet(this::host);
    }

    /** The host that knows plugin {@code pluginId}, else the first one. */
    private PluginHost hostOf(String pluginId) {
        return pluginHosts.stream().filter(h -> h.plugin(pluginId).isPresent()).findFirst().orElseGet(this::host);
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
        private final List<Path> pluginsDirectories = new ArrayList<>();
        private boolean defaultPluginsDirectory = true;
        private boolean failOnNativeFallback;
        private boolean plugins = true;
        private boolean classpathProviders = true;
        private ClassLoader classLoader;
        private final List<KernelProvider> providers = new ArrayList<>();
        private Priority priority;
        private ReplacementCache cache;
        private RemoteCacheConfig remoteCache;
        private boolean strict;

        private Builder() {
        }

        /** The IR ops (default: {@link OpRegistry#standard()}, a new registry per instance). */
        public Builder ops(OpRegistry registry) {
            this.ops = Objects.requireNonNull(registry, "ops");
            return this;
        }

        /**
         * Adds a plugins folder (repeatable): plugins load from {@link KernelIr#defaultPluginsDirectory()} (unless
         * {@link #defaultPluginsDirectory(boolean)} turns it off) and then from each added folder, in order. A
         * folder that does not exist is not an error; it just holds no plugins. A folder given twice loads once.
         */
        public Builder pluginsDirectory(Path directory) {
            this.pluginsDirectories.add(Objects.requireNonNull(directory, "directory"));
            return this;
        }

        /**
         * Whether the installation's {@code plugins/} folder ({@link KernelIr#defaultPluginsDirectory()}) is
         * searched besides the added ones (default {@code true}).
         */
        public Builder defaultPluginsDirectory(boolean include) {
            this.defaultPluginsDirectory = include;
            return this;
        }

        /** The folders to load plugins from: the default one (if on), then the added ones, without repeats. */
        List<Path> pluginFolders() {
            LinkedHashSet<Path> out = new LinkedHashSet<>();
            if (defaultPluginsDirectory) {
                out.add(KernelIr.defaultPluginsDirectory());
            }
            pluginsDirectories.forEach(d -> out.add(d.toAbsolutePath().normalize()));
            return List.copyOf(out);
        }

        /**
         * Whether lowering fails when an IR op node falls back to {@code native} although its priority lists
         * another provider (default {@code false}: the report counts such nodes per op).
         */
        public Builder failOnNativeFallback(boolean fail) {
            this.failOnNativeFallback = fail;
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

        /**
         * A remote cache tier on a Redis server shared by a fleet of processes, behind the default cache's memory
         * tier: lowering looks in memory, then on the server, then traces and lowers, and sends what it made to the
         * server in the background. Without this call, the system property {@code kernelir.remoteCache} or the
         * environment variable {@code KERNEL_IR_REMOTE_CACHE} may name one; without any, nothing of the remote
         * tier is loaded. For a disk tier as well, build the cache yourself:
         * {@code cache(ReplacementCaches.builder().remoteCache(uri).build())}.
         *
         * @param uri {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://...} for TLS
         * @throws IllegalArgumentException if {@code uri} is not a Redis URI
         */
        public Builder remoteCache(URI uri) {
            this.remoteCache = RemoteCacheConfig.of(Objects.requireNonNull(uri, "uri"));
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
