package org.kernelir.runtime.plugins;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.kernelir.core.provider.Fingerprints;
import org.kernelir.core.provider.KernelProvider;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginWrapper;

/**
 * The first of the plugin host's three jobs: reading and checking a plugin JAR before PF4J loads it. A JAR passes
 * when it is a readable JAR with a plugin descriptor (id and version), an id not taken by a loaded plugin, not
 * disabled, and a {@code Plugin-Requires} that this kernel-ir satisfies; one that bundles kernel-ir's SPI passes with
 * a note. Everything else is rejected with a message that names the JAR and says what to do.
 */
final class PluginJars {

    /** The class file whose presence in a plugin JAR means the JAR bundles kernel-ir's SPI. */
    static final String SPI_CLASS_ENTRY = KernelProvider.class.getName().replace('.', '/') + ".class";
    /** The service file that lists a JAR's providers. */
    static final String SERVICES_ENTRY = "META-INF/services/" + KernelProvider.class.getName();

    private final HostPluginManager pf4j;
    private final Path directory;
    private final String kernelIrVersion;

    PluginJars(HostPluginManager pf4j, Path directory, String kernelIrVersion) {
        this.pf4j = pf4j;
        this.directory = directory;
        this.kernelIrVersion = kernelIrVersion;
    }

    /**
     * A JAR read and checked.
     *
     * @param classes the names of the classes the JAR holds (to name the plugin a stack frame belongs to)
     * @param note    a problem that does not stop loading (a bundled SPI), or empty
     */
    record Inspected(Path jar, String fingerprint, PluginDescriptor descriptor, List<String> classes, String note) {

        /** {@code plugin good@1.0.0 (/opt/kir/plugins/good.jar)}. */
        String origin() {
            return "plugin " + descriptor.getPluginId() + (descriptor.getVersion() == null ? "" : "@"
                    + descriptor.getVersion()) + " (" + jar + ")";
        }
    }

    /** What checking a JAR gave. */
    sealed interface Checked permits Passed, Rejected {
    }

    /** A JAR that may be handed to PF4J. */
    record Passed(Inspected jar) implements Checked {
    }

    /**
     * A JAR that is not loaded.
     *
     * @param descriptor its descriptor, when it could be read (else {@code null})
     * @param warn       whether the problem is logged as a warning (a disabled plugin is not)
     */
    record Rejected(Path jar, PluginDescriptor descriptor, String fingerprint, LoadState state, String message,
            boolean warn) implements Checked {
    }

    /** Reads and checks {@code jar}. */
    Checked check(Path jar) {
        String fingerprint;
        Manifest manifest;
        String bundled = null;
        List<String> classes = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            manifest = jf.getManifest();
            if (jf.getEntry(SPI_CLASS_ENTRY) != null) {
                bundled = SPI_CLASS_ENTRY;
            }
            for (Enumeration<JarEntry> e = jf.entries(); e.hasMoreElements();) {
                String n = e.nextElement().getName();
                if (n.endsWith(".class") && !n.startsWith("META-INF/")) {
                    classes.add(n.substring(0, n.length() - ".class".length()).replace('/', '.'));
                }
            }
            fingerprint = Fingerprints.of(jar);
        } catch (IOException | UncheckedIOException | SecurityException | IllegalStateException e) {
            return new Rejected(jar, null, safeFingerprint(jar), LoadState.FAILED, "plugin JAR " + jar
                    + ": not a readable JAR (" + e.getMessage() + "); replace it with a complete copy, or remove it "
                    + "from " + jar.getParent(), true);
        }
        PluginDescriptor d;
        try {
            d = manifest == null ? null : pf4j.descriptors().of(manifest);
        } catch (RuntimeException e) {
            return new Rejected(jar, null, fingerprint, LoadState.FAILED, "plugin JAR " + jar + ": its plugin "
                    + "descriptor cannot be read (" + e.getMessage() + "); check the Plugin-* attributes of "
                    + "META-INF/MANIFEST.MF", true);
        }
        if (d == null || d.getPluginId() == null || d.getPluginId().isBlank()) {
            return new Rejected(jar, null, fingerprint, LoadState.FAILED, "plugin JAR " + jar + ": no plugin "
                    + "descriptor (META-INF/MANIFEST.MF has no Plugin-Id); add Plugin-Id and Plugin-Version to its "
                    + "manifest, or put the JAR on the application class path instead of the plugins folder", true);
        }
        Inspected in = new Inspected(jar, fingerprint, d, List.copyOf(classes), "");
        String origin = in.origin();
        if (d.getVersion() == null || d.getVersion().isBlank()) {
            return new Rejected(jar, d, fingerprint, LoadState.FAILED, origin + ": the descriptor has no "
                    + "Plugin-Version; add Plugin-Version to META-INF/MANIFEST.MF", true);
        }
        PluginWrapper other = pf4j.getPlugin(d.getPluginId());
        if (other != null) {
            return new Rejected(jar, d, fingerprint, LoadState.FAILED, origin + ": plugin id " + d.getPluginId()
                    + " is already taken by " + other.getPluginPath() + " (" + other.getPluginId() + "@"
                    + other.getDescriptor().getVersion() + "), so this JAR is not loaded; remove one of the two JARs, "
                    + "or give each its own Plugin-Id", true);
        }
        if (pf4j.disabled(d.getPluginId())) {
            return new Rejected(jar, d, fingerprint, LoadState.SKIPPED, origin + ": disabled by "
                    + "enabled.txt/disabled.txt in " + directory + "; not loaded", false);
        }
        String requires = d.getRequires() == null || d.getRequires().isBlank() ? "*" : d.getRequires().trim();
        String constraint = requires.matches("\\d+\\.\\d+\\.\\d+") ? ">=" + requires : requires; // as PF4J reads it
        boolean compatible;
        try {
            compatible = pf4j.getVersionManager().checkVersionConstraint(kernelIrVersion, constraint);
        } catch (RuntimeException e) {
            return new Rejected(jar, d, fingerprint, LoadState.FAILED, origin + ": Plugin-Requires '" + requires
                    + "' is not a version expression (" + e.getMessage() + "); write it like >=0.1.0", true);
        }
        if (!compatible) {
            return new Rejected(jar, d, fingerprint, LoadState.SKIPPED, origin + ": requires kernel-ir " + requires
                    + " (Plugin-Requires), but this is kernel-ir " + kernelIrVersion + "; not loaded: use a build of "
                    + "the plugin made for kernel-ir " + kernelIrVersion + ", or a kernel-ir that satisfies "
                    + requires, true);
        }
        if (bundled != null) {
            in = new Inspected(jar, fingerprint, d, in.classes(), origin + ": bundles its own copy of the kernel-ir "
                    + "SPI; mark kernel-ir as provided scope and rebuild the plugin (found " + bundled + " in the JAR; "
                    + "the copy is ignored, the plugin uses the host's kernel-ir classes)");
        }
        return new Passed(in);
    }

    private static String safeFingerprint(Path jar) {
        try {
            return Fingerprints.of(jar);
        } catch (RuntimeException e) {
            return "";
        }
    }
}
