package org.kernelir.runtime.plugins;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What became of one JAR of the plugins folder: its descriptor (as far as it could be read), its state, and
 * the providers it registered. Holds no class of the plugin, so keeping a status does not keep a plugin's
 * class loader alive.
 *
 * @param jar          the plugin JAR
 * @param pluginId     {@code Plugin-Id}, empty when the JAR has no readable descriptor
 * @param version      {@code Plugin-Version}, empty when missing
 * @param vendor       {@code Plugin-Provider} (who made it), empty when missing
 * @param description  {@code Plugin-Description}, empty when missing
 * @param requires     {@code Plugin-Requires}: the kernel-ir versions it works with ({@code *} when not given)
 * @param dependencies {@code Plugin-Dependencies}, as written ({@code id@version-expression}, {@code ?} marks
 *                     optional ones)
 * @param state        {@link LoadState#LOADED} when at least one of its providers is registered and available,
 *                     {@link LoadState#UNAVAILABLE} when all registered ones are unavailable,
 *                     {@link LoadState#FAILED} or {@link LoadState#SKIPPED} when none is registered
 * @param message      what went wrong and what to do; empty when all went well
 * @param providers    the names of the providers it registered
 * @param fingerprint  SHA-256 (hex) of the JAR; empty when it could not be read
 */
public record PluginStatus(Path jar, String pluginId, String version, String vendor, String description,
        String requires, List<String> dependencies, LoadState state, String message, List<String> providers,
        String fingerprint) {

    public PluginStatus {
        Objects.requireNonNull(jar, "jar");
        pluginId = pluginId == null ? "" : pluginId;
        version = version == null ? "" : version;
        vendor = vendor == null ? "" : vendor;
        description = description == null ? "" : description;
        requires = requires == null || requires.isBlank() ? "*" : requires;
        dependencies = List.copyOf(dependencies);
        Objects.requireNonNull(state, "state");
        message = message == null ? "" : message;
        providers = List.copyOf(providers);
        fingerprint = fingerprint == null ? "" : fingerprint;
    }

    /** Whether its providers are in the registry (state loaded or unavailable). */
    public boolean isLoaded() {
        return state == LoadState.LOADED || state == LoadState.UNAVAILABLE;
    }

    /** {@code id@version}, or the JAR's file name when the JAR has no descriptor. */
    public String label() {
        return pluginId.isEmpty() ? jar.getFileName().toString() : pluginId + "@" + version;
    }

    @Override
    public String toString() {
        return label() + " " + state + " " + jar + (providers.isEmpty() ? "" : " providers " + providers)
                + (message.isEmpty() ? "" : ": " + message);
    }
}
