package org.kernelir.runtime.plugins;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.pf4j.DefaultVersionManager;
import org.pf4j.ExtensionFinder;
import org.pf4j.ExtensionWrapper;
import org.pf4j.JarPluginLoader;
import org.pf4j.JarPluginManager;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginWrapper;
import org.pf4j.VersionManager;

/**
 * PF4J, set up for kernel-ir: plugins are plain JARs with the descriptor in their manifest (PF4J's JAR
 * repository and manifest descriptor finder), each in an {@link ApiFirstClassLoader}. A plugin needs no
 * {@code Plugin-Class}: PF4J 3.15's descriptor then names {@code org.pf4j.Plugin}, whose start and stop do
 * nothing. PF4J's extension index is not used, because providers are found with {@code ServiceLoader} (and
 * JDK 23+ runs no annotation processor implicitly, so the index would be missing anyway).
 *
 * <p>The plugin host drives it one JAR at a time (it checks each JAR before PF4J sees it), so the protected
 * steps of PF4J's manager are opened up here.
 */
final class HostPluginManager extends JarPluginManager {

    HostPluginManager(Path pluginsRoot, String systemVersion) {
        super(pluginsRoot);
        setSystemVersion(systemVersion);
        // The host checks dependencies itself first and reports each problem; PF4J should never throw on them.
        setResolveRecoveryStrategy(ResolveRecoveryStrategy.IGNORE_PLUGIN_AND_CONTINUE);
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new Loader(this);
    }

    @Override
    protected VersionManager createVersionManager() {
        return new ReleaseVersions();
    }

    @Override
    protected ExtensionFinder createExtensionFinder() {
        return new NoExtensions();
    }

    /** Loads the plugin at {@code jar} (PF4J checks its descriptor again and makes its class loader). */
    PluginWrapper load(Path jar) {
        return loadPluginFromPath(jar);
    }

    /** Resolves the dependencies of the loaded plugins. */
    void resolve() {
        resolvePlugins();
    }

    /**
     * Stops and unloads one plugin and closes its class loader, without touching its dependents (the host unloads
     * those first) and without resolving the others again (the next load does).
     */
    void unloadQuietly(String pluginId) {
        unloadPlugin(pluginId, false, false);
    }

    /** Whether {@code enabled.txt} / {@code disabled.txt} in the plugins folder turn the plugin off. */
    boolean disabled(String pluginId) {
        return isPluginDisabled(pluginId);
    }

    /** The descriptor finder, to read a descriptor from a manifest already in hand. */
    @Override
    protected org.pf4j.PluginDescriptorFinder createPluginDescriptorFinder() {
        return new ManifestDescriptors();
    }

    ManifestDescriptors descriptors() {
        return (ManifestDescriptors) getPluginDescriptorFinder();
    }

    /** Reads the PF4J descriptor attributes of a manifest. */
    static final class ManifestDescriptors extends org.pf4j.ManifestPluginDescriptorFinder {
        PluginDescriptor of(java.util.jar.Manifest manifest) {
            return createPluginDescriptor(manifest);
        }
    }

    private static final class Loader extends JarPluginLoader {
        Loader(HostPluginManager manager) {
            super(manager);
        }

        @Override
        protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
            // The parent is the loader of kernel-ir's runtime, which sees the whole kernel-ir API.
            return new ApiFirstClassLoader(pluginManager, descriptor, HostPluginManager.class.getClassLoader());
        }
    }

    /**
     * Version checks in which a pre-release or build counts as its release ({@code 0.1.0-SNAPSHOT} satisfies
     * {@code >=0.1.0}), in the version and in the constraint alike. java-semver's expression parser cannot read a
     * pre-release tag in a constraint ({@code >=0.1.0-0}, the usual way of admitting pre-releases), so without
     * this such a plugin could not be loaded at all.
     */
    static final class ReleaseVersions extends DefaultVersionManager {
        private static final Pattern TAGGED = Pattern.compile("(\\d+\\.\\d+\\.\\d+)[-+][0-9A-Za-z.+-]*");

        @Override
        public boolean checkVersionConstraint(String version, String constraint) {
            String c = constraint == null ? null : TAGGED.matcher(constraint).replaceAll("$1");
            return super.checkVersionConstraint(PluginHost.releaseOf(version), c);
        }
    }

    /** kernel-ir finds providers with ServiceLoader, never through PF4J's extension index. */
    private static final class NoExtensions implements ExtensionFinder {
        @Override
        public <T> List<ExtensionWrapper<T>> find(Class<T> type) {
            return List.of();
        }

        @Override
        public <T> List<ExtensionWrapper<T>> find(Class<T> type, String pluginId) {
            return List.of();
        }

        @Override
        @SuppressWarnings("rawtypes")
        public List<ExtensionWrapper> find(String pluginId) {
            return List.of();
        }

        @Override
        public Set<String> findClassNames(String pluginId) {
            return Set.of();
        }
    }
}
