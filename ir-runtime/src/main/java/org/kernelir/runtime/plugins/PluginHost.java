package org.kernelir.runtime.plugins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.ProviderRegistry;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads provider plugins from a folder into a {@link ProviderRegistry}, each plugin in its own class loader, and
 * unloads and reloads them while the registry is in use.
 *
 * <p>A plugin is a plain provider JAR: its providers are listed in
 * {@code META-INF/services/org.kernelir.core.provider.KernelProvider} (the same file that makes the JAR work on
 * the class path), and its manifest carries PF4J's descriptor attributes: {@code Plugin-Id} and
 * {@code Plugin-Version} (required), {@code Plugin-Provider} (vendor), {@code Plugin-Description},
 * {@code Plugin-Requires} (the kernel-ir versions it works with, e.g. {@code >=0.1.0}; a plugin that does not
 * accept this kernel-ir is skipped, with the requirement and the actual version in its status) and
 * {@code Plugin-Dependencies} (other plugins it needs, loaded first). In version checks a pre-release counts as
 * its release: kernel-ir {@code 0.1.0-SNAPSHOT} satisfies {@code >=0.1.0} and {@code >=0.1.0-0}. It needs no {@code Plugin-Class} and no PF4J type. Its providers are found with
 * {@link java.util.ServiceLoader} over the plugin's class loader, keeping only classes of the plugin itself.
 * kernel-ir's API and SLF4J always come from the host; a JAR that bundles its own copy of the SPI is reported.
 *
 * <p>A plugin provider's identity is {@code (name, PLUGIN, plugin id, plugin version, JAR path, SHA-256 of the
 * JAR)}.
 *
 * <p>Failures stay with the JAR or provider that has them: a JAR that is not a JAR, a JAR without descriptor, a
 * plugin id used twice, an incompatible {@code Plugin-Requires}, a missing dependency, a provider whose
 * constructor or availability check throws, two providers with one name. Each is logged once, as one warning
 * that names the JAR, the plugin and the provider and says what to do, and is kept as a status
 * ({@link #plugins()}, {@link #providers()}); every other plugin loads all the same. A plugin none of whose
 * providers could be registered is unloaded again, so it holds no class loader.
 *
 * <p>Unloading a plugin first unregisters its providers from the registry (its listeners are told, so caches
 * purge them), then stops the plugin and closes its class loader. The host keeps no reference to a plugin's
 * classes or instances, so once nothing else does, the class loader can be collected.
 *
 * <p>Thread-safe: loading and unloading are serialized.
 */
public final class PluginHost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

    /** The class file whose presence in a plugin JAR means the JAR bundles kernel-ir's SPI. */
    static final String SPI_CLASS_ENTRY = PluginJars.SPI_CLASS_ENTRY;
    /** The service file that lists a JAR's providers. */
    static final String SERVICES_ENTRY = PluginJars.SERVICES_ENTRY;

    private final ProviderRegistry registry;
    private final Path directory;
    private final String kernelIrVersion;
    private final HostPluginManager pf4j;
    private final PluginJars jars;
    private final PluginDependencies dependencies;
    /** What the host knows of each JAR it tried, in the order it tried them. */
    private final Map<Path, Entry> entries = new LinkedHashMap<>();
    private boolean closed;

    /** What the host knows of one JAR: its status, the status lines of its providers, its descriptor. */
    private record Entry(PluginStatus status, List<ProviderStatus> providers, PluginDescriptor descriptor) {
    }

    /** A JAR that PF4J has loaded, waiting to be resolved and started. */
    private record Pending(PluginJars.Inspected jar, PluginWrapper wrapper) {
        String id() {
            return jar.descriptor().getPluginId();
        }
    }

    /**
     * A host for the plugins in {@code directory} (which need not exist), registering into {@code registry}.
     * Nothing is loaded until {@link #loadAll()} or {@link #loadPlugin(Path)}.
     *
     * @param kernelIrVersion the version {@code Plugin-Requires} is checked against (PF4J's system version); a
     *                        pre-release or snapshot ({@code 0.1.0-SNAPSHOT}) satisfies what its release
     *                        ({@code 0.1.0}) satisfies
     */
    public PluginHost(ProviderRegistry registry, Path directory, String kernelIrVersion) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.directory = directory.toAbsolutePath().normalize();
        this.kernelIrVersion = Objects.requireNonNull(kernelIrVersion, "kernelIrVersion");
        this.pf4j = new HostPluginManager(this.directory, kernelIrVersion);
        this.jars = new PluginJars(pf4j, this.directory, kernelIrVersion);
        this.dependencies = new PluginDependencies(pf4j, this.directory);
    }

    /** The plugins folder. */
    public Path directory() {
        return directory;
    }

    /** The kernel-ir version that {@code Plugin-Requires} is checked against. */
    public String kernelIrVersion() {
        return kernelIrVersion;
    }

    /**
     * Loads every {@code *.jar} of the plugins folder that is not loaded yet (in file-name order; JARs that
     * failed before are tried again). A missing folder is not an error: nothing is loaded.
     *
     * @return the status of each JAR tried by this call
     */
    public synchronized List<PluginStatus> loadAll() {
        checkOpen();
        if (!Files.isDirectory(directory)) {
            LOG.info("no plugins folder at {}; only class-path providers are used", directory);
            return List.of();
        }
        long t0 = System.nanoTime();
        List<Path> jars;
        try (Stream<Path> s = Files.list(directory)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .map(p -> p.toAbsolutePath().normalize())
                    .sorted()
                    .filter(p -> !isLoaded(p))
                    .toList();
        } catch (IOException e) {
            LOG.warn("cannot list the plugins folder {} ({}); no plugin is loaded from it: check its permissions",
                    directory, e.toString());
            return List.of();
        }
        List<PluginStatus> out = loadJars(jars);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("plugins folder {}: {} JAR(s), {} loaded, {} provider(s), in {} ms", directory, jars.size(),
                out.stream().filter(PluginStatus::isLoaded).count(),
                out.stream().mapToInt(p -> p.providers().size()).sum(), ms);
        return out;
    }

    /**
     * Loads one plugin JAR (from the plugins folder or elsewhere) and registers its providers.
     *
     * @return its status; a broken JAR gives a {@link LoadState#FAILED} status, not an exception
     * @throws IllegalStateException if this JAR is loaded already (use {@link #reloadPlugin(String)})
     */
    public synchronized PluginStatus loadPlugin(Path jar) {
        checkOpen();
        Path p = jar.toAbsolutePath().normalize();
        if (isLoaded(p)) {
            throw new IllegalStateException("plugin " + entries.get(p).status().label() + " from " + p
                    + " is loaded already; call reloadPlugin(\"" + entries.get(p).status().pluginId() + "\") to load it again");
        }
        return loadJars(List.of(p)).getFirst();
    }

    /**
     * Unloads a plugin: unregisters its providers (registry listeners are told), stops it and closes its class
     * loader. Plugins that depend on it are unloaded first.
     *
     * @return whether a loaded plugin with this id was found and unloaded
     */
    public synchronized boolean unloadPlugin(String pluginId) {
        checkOpen();
        Optional<Entry> e = loadedEntry(pluginId);
        if (e.isEmpty()) {
            return false;
        }
        for (Entry dependent : dependentsOf(pluginId)) {
            unload(dependent);
        }
        unload(e.get());
        return true;
    }

    /**
     * Unloads a plugin and loads it again from its JAR, which may have been replaced meanwhile (it is read and
     * fingerprinted anew). Plugins that depend on it are reloaded too. A plugin that failed to load is tried
     * again.
     *
     * @return its new status
     * @throws IllegalArgumentException if the host knows no plugin with this id
     */
    public synchronized PluginStatus reloadPlugin(String pluginId) {
        checkOpen();
        Entry e = loadedEntry(pluginId).or(() -> lastEntry(pluginId))
                .orElseThrow(() -> new IllegalArgumentException("no plugin with id '" + pluginId
                        + "' is known to the plugin host; known: " + entries.values().stream()
                        .map(x -> x.status().label()).toList()));
        List<Path> jars = new ArrayList<>();
        jars.add(e.status().jar());
        if (e.status().isLoaded()) {
            List<Entry> dependents = dependentsOf(pluginId);
            dependents.forEach(d -> jars.add(d.status().jar()));
            for (Entry d : dependents) {
                unload(d);
            }
            unload(e);
        }
        return loadJars(jars).getFirst();
    }

    /** The status of every JAR the host tried, in the order it tried them. */
    public synchronized List<PluginStatus> plugins() {
        return entries.values().stream().map(Entry::status).toList();
    }

    /** The status of the plugin with this id: the loaded one, else the last JAR with this id that was tried. */
    public synchronized Optional<PluginStatus> plugin(String pluginId) {
        return loadedEntry(pluginId).or(() -> lastEntry(pluginId)).map(Entry::status);
    }

    /**
     * One status line per plugin provider (loaded, unavailable or failed), and one per JAR that failed or was
     * skipped before any provider of it was found.
     */
    public synchronized List<ProviderStatus> providers() {
        List<ProviderStatus> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.providers().isEmpty()) {
                PluginStatus s = e.status();
                out.add(new ProviderStatus("", ProviderIdentity.Source.PLUGIN, s.pluginId(), s.version(),
                        s.jar().toString(), s.state(), s.message(), s.fingerprint()));
            } else {
                out.addAll(e.providers());
            }
        }
        return out;
    }

    /** Unloads every plugin (dependents first); the host cannot be used afterwards. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        List<Entry> loaded = new ArrayList<>(entries.values().stream().filter(e -> e.status().isLoaded()).toList());
        java.util.Collections.reverse(loaded); // a plugin loads after its dependencies
        for (Entry e : loaded) {
            if (isLoaded(e.status().jar())) {
                unloadPlugin(e.status().pluginId());
            }
        }
        entries.clear();
        closed = true;
    }

    // ---- loading ------------------------------------------------------------------------------------------

    private List<PluginStatus> loadJars(List<Path> jars) {
        Map<Path, PluginStatus> results = new LinkedHashMap<>();
        jars.forEach(j -> results.put(j, null));
        List<Pending> pending = new ArrayList<>();
        for (Path jar : jars) {
            entries.remove(jar);
            Pending p = admit(jar);
            if (p != null) {
                pending.add(p);
            }
        }
        dropUnresolvable(pending);
        try {
            pf4j.resolve();
        } catch (RuntimeException e) {
            for (Pending p : pending) {
                fail(p, LoadState.FAILED, p.jar().origin() + ": its dependencies cannot be resolved (" + e.getMessage()
                        + "); check Plugin-Dependencies of the plugins in " + directory);
            }
            pending.clear();
        }
        // Dependencies first, kernel-ir's own plugins before all (see PluginDependencies.startOrder).
        List<Pending> ordered = dependencies.startOrder(pending, Pending::wrapper);
        List<Pending> empty = new ArrayList<>();
        for (Pending p : ordered) {
            start(p, empty);
        }
        for (Pending p : empty) {
            settleEmpty(p);
        }
        for (Path jar : jars) {
            Entry e = entries.remove(jar); // re-inserted so that statuses list in the order the JARs were given
            entries.put(jar, e);
            results.put(jar, e.status());
        }
        return List.copyOf(results.values());
    }

    /** Checks a JAR ({@link PluginJars}) and hands it to PF4J; on a problem records the status and returns null. */
    private Pending admit(Path jar) {
        PluginJars.Inspected in;
        switch (jars.check(jar)) {
            case PluginJars.Rejected r -> {
                if (r.warn()) {
                    LOG.warn(r.message());
                } else {
                    LOG.info(r.message());
                }
                entries.put(jar, new Entry(status(new PluginJars.Inspected(jar, r.fingerprint(), r.descriptor(),
                        List.of(), ""), r.state(), r.message(), List.of()), List.of(), r.descriptor()));
                return null;
            }
            case PluginJars.Passed passed -> in = passed.jar();
        }
        if (!in.note().isEmpty()) {
            LOG.warn(in.note());
        }
        try {
            return new Pending(in, pf4j.load(jar));
        } catch (RuntimeException e) {
            String message = in.origin() + ": PF4J cannot load it: " + e.getMessage();
            LOG.warn(message);
            entries.put(jar, new Entry(status(in, LoadState.FAILED, message, List.of()), List.of(), in.descriptor()));
            return null;
        }
    }

    /** Drops pending plugins whose required dependencies are missing or of a wrong version, until none is. */
    private void dropUnresolvable(List<Pending> pending) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Pending p : List.copyOf(pending)) {
                String problem = dependencies.problem(p.jar().descriptor());
                if (problem != null) {
                    pending.remove(p);
                    fail(p, LoadState.SKIPPED, p.jar().origin() + ": " + problem);
                    changed = true;
                }
            }
        }
    }

    /** Starts a resolved plugin and registers its providers; a plugin that registered none goes to {@code empty}. */
    private void start(Pending p, List<Pending> empty) {
        PluginJars.Inspected in = p.jar();
        String origin = in.origin();
        PluginState started;
        try {
            started = pf4j.startPlugin(p.id());
        } catch (RuntimeException e) {
            started = PluginState.FAILED;
        }
        if (started != PluginState.STARTED) {
            Throwable why = p.wrapper().getFailedException();
            fail(p, LoadState.FAILED, origin + ": PF4J could not start it (" + (why == null ? started : why)
                    + "); check its Plugin-Class, or remove Plugin-Class (kernel-ir plugins do not need one)");
            return;
        }
        ExitWatch.watch(origin, in.classes()); // before any of its code runs: a constructor may call System.exit
        ClassLoader loader = p.wrapper().getPluginClassLoader();
        List<ProviderStatus> rows = new ArrayList<>();
        ProviderIdentity.Source src = ProviderIdentity.Source.PLUGIN;
        String id = p.id();
        String version = in.descriptor().getVersion();
        Registrar.Failure failure = (name, msg) -> new ProviderStatus(name, src, id, version, in.jar().toString(),
                LoadState.FAILED, msg, in.fingerprint());
        // Only the plugin's own classes: its class loader also sees the service files of the host's class path.
        for (ProviderDiscovery.Found f : ProviderDiscovery.find(loader, c -> c.getClassLoader() == loader,
                origin)) {
            switch (f) {
                case ProviderDiscovery.Constructed c -> rows.add(Registrar.register(registry, c.provider(), origin,
                        name -> new ProviderIdentity(name, src, id, version, in.jar().toString(), in.fingerprint()),
                        failure));
                case ProviderDiscovery.Broken b -> rows.add(Registrar.failed(failure, b.className(),
                        origin + ": " + b.problem() + ", or remove the JAR"));
            }
        }
        List<String> names = rows.stream().filter(ProviderStatus::isRegistered).map(ProviderStatus::name).toList();
        List<String> problems = rows.stream().filter(r -> !r.isRegistered()).map(ProviderStatus::message).toList();
        List<String> messages = new ArrayList<>();
        if (!in.note().isEmpty()) {
            messages.add(in.note());
        }
        if (names.isEmpty()) {
            if (rows.isEmpty()) {
                messages.add(origin + ": provides no kernel provider of its own; list its provider classes in "
                        + SERVICES_ENTRY + " inside the JAR"); // logged by settleEmpty unless it is a library
            }
            messages.addAll(problems);
            entries.put(in.jar(), new Entry(status(in, LoadState.FAILED, String.join("; ", messages), names), rows,
                    in.descriptor()));
            empty.add(p);
            return;
        }
        boolean anyAvailable = rows.stream().anyMatch(r -> r.state() == LoadState.LOADED);
        LoadState state = anyAvailable ? LoadState.LOADED : LoadState.UNAVAILABLE;
        messages.addAll(problems);
        if (!anyAvailable) {
            rows.stream().filter(r -> r.state() == LoadState.UNAVAILABLE)
                    .forEach(r -> messages.add("provider " + r.name() + " is unavailable: " + r.message()));
        }
        entries.put(in.jar(), new Entry(status(in, state, String.join("; ", messages), names), rows, in.descriptor()));
        LOG.info("{}: loaded, providers {}", origin, names);
    }

    /**
     * A plugin that registered no provider is unloaded (its class loader is closed), unless a loaded plugin
     * depends on it: then it is a library, and stays. One that lists no provider at all is reported here (a
     * provider that failed was reported when it failed).
     */
    private void settleEmpty(Pending p) {
        Entry e = entries.get(p.jar().jar());
        List<Entry> users = dependentsOf(p.id()).stream().filter(x -> x.status().isLoaded()).toList();
        if (!users.isEmpty()) {
            entries.put(p.jar().jar(), new Entry(status(p.jar(), LoadState.LOADED, "no kernel provider of its own; "
                    + "kept loaded for the plugins that depend on it: " + users.stream().map(u -> u.status().label())
                    .toList(), List.of()), e.providers(), e.descriptor()));
            return;
        }
        if (e.providers().isEmpty()) {
            LOG.warn(e.status().message());
        }
        pf4j.unloadQuietly(p.id());
    }

    // ---- unloading ----------------------------------------------------------------------------------------

    private void unload(Entry e) {
        PluginStatus s = e.status();
        for (String name : s.providers()) {
            try {
                registry.unregister(name);
            } catch (RuntimeException ex) {
                LOG.warn("plugin {} ({}): a registry listener failed while provider {} was removed: {}", s.label(),
                        s.jar(), name, ex.toString());
            }
        }
        try {
            pf4j.unloadQuietly(s.pluginId());
        } catch (RuntimeException ex) {
            LOG.warn("plugin {} ({}): PF4J could not unload it cleanly: {}", s.label(), s.jar(), ex.toString());
        }
        entries.remove(s.jar());
        LOG.info("plugin {} ({}): unloaded, providers {} removed", s.label(), s.jar(), s.providers());
    }

    /** Loaded plugins that depend on {@code pluginId}, directly or not, the farthest first. */
    private List<Entry> dependentsOf(String pluginId) {
        List<Entry> loaded = entries.values().stream().filter(e -> isLoaded(e.status().jar())).toList();
        return PluginDependencies.dependentsOf(pluginId, loaded, e -> e.status().pluginId(), Entry::descriptor);
    }

    // ---- statuses -----------------------------------------------------------------------------------------

    private boolean isLoaded(Path jar) {
        Entry e = entries.get(jar);
        return e != null && e.status().isLoaded();
    }

    private Optional<Entry> loadedEntry(String pluginId) {
        return entries.values().stream().filter(e -> e.status().isLoaded() && e.status().pluginId().equals(pluginId))
                .findFirst();
    }

    private Optional<Entry> lastEntry(String pluginId) {
        return entries.values().stream().filter(e -> e.status().pluginId().equals(pluginId)).reduce((a, b) -> b);
    }

    /** Records a pending plugin's failure (logged once) and unloads it from PF4J. */
    private void fail(Pending p, LoadState state, String message) {
        LOG.warn(message);
        PluginJars.Inspected in = p.jar();
        entries.put(in.jar(), new Entry(status(in, state, join(in.note(), message), List.of()), List.of(),
                in.descriptor()));
        if (pf4j.getPlugin(p.id()) != null) {
            pf4j.unloadQuietly(p.id());
        }
    }

    private static PluginStatus status(PluginJars.Inspected in, LoadState state, String message, List<String> providers) {
        PluginDescriptor d = in.descriptor();
        if (d == null) {
            return new PluginStatus(in.jar(), "", "", "", "", "*", List.of(), state, message, providers,
                    in.fingerprint());
        }
        List<String> deps = d.getDependencies().stream().map(dep -> dep.getPluginId() + (dep.isOptional() ? "?" : "")
                + ("*".equals(dep.getPluginVersionSupport()) ? "" : "@" + dep.getPluginVersionSupport())).toList();
        return new PluginStatus(in.jar(), d.getPluginId(), d.getVersion(), d.getProvider(), d.getPluginDescription(),
                d.getRequires(), deps, state, message, providers, in.fingerprint());
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
    }

    /** {@code 0.1.0-SNAPSHOT} and {@code 0.1.0-rc.1+build} compare as {@code 0.1.0}. */
    static String releaseOf(String version) {
        int cut = version.length();
        for (char c : new char[] {'-', '+'}) {
            int i = version.indexOf(c);
            if (i > 0 && i < cut) {
                cut = i;
            }
        }
        return version.substring(0, cut);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this plugin host (" + directory + ") is closed");
        }
    }
}
