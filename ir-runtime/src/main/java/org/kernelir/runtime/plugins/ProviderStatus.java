package org.kernelir.runtime.plugins;

import java.util.Objects;
import org.kernelir.core.provider.Availability;
import org.kernelir.core.provider.ProviderIdentity;

/**
 * One line of the provider listing: a provider that was registered, or a provider (or a whole plugin JAR) that
 * could not be. Failures keep their place in the listing so that a person can see what was tried and why it
 * did not work; nothing here holds a provider's classes.
 *
 * @param name          the provider's name; for a provider that could not be constructed, its class name; empty
 *                      when the problem was found before any provider was (a corrupt JAR, a missing descriptor)
 * @param source        where it came from
 * @param pluginId      the plugin's id for plugin providers, else empty
 * @param pluginVersion the plugin's version for plugin providers, else empty
 * @param location      the JAR or class folder it came from, empty when unknown
 * @param state         what became of it
 * @param message       why it is not {@link LoadState#LOADED}, and what to do; for a loaded provider a note or empty
 * @param fingerprint   SHA-256 (hex) of its JAR or classes; empty when it could not be computed
 */
public record ProviderStatus(String name, ProviderIdentity.Source source, String pluginId, String pluginVersion,
        String location, LoadState state, String message, String fingerprint) {

    public ProviderStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        pluginId = pluginId == null ? "" : pluginId;
        pluginVersion = pluginVersion == null ? "" : pluginVersion;
        location = location == null ? "" : location;
        Objects.requireNonNull(state, "state");
        message = message == null ? "" : message;
        fingerprint = fingerprint == null ? "" : fingerprint;
    }

    /** The status of a registered provider: {@link LoadState#LOADED}, or {@link LoadState#UNAVAILABLE} with its reason. */
    public static ProviderStatus registered(ProviderIdentity id, Availability availability) {
        return new ProviderStatus(id.name(), id.source(), id.pluginId(), id.pluginVersion(), id.location(),
                availability.available() ? LoadState.LOADED : LoadState.UNAVAILABLE, availability.reason(),
                id.fingerprint());
    }

    /** Whether the provider is registered (loaded or unavailable), as opposed to failed or skipped. */
    public boolean isRegistered() {
        return state == LoadState.LOADED || state == LoadState.UNAVAILABLE;
    }

    /** One line for people: {@code good  PLUGIN good-plugin@1.0.0  LOADED  /plugins/good.jar}, then the message. */
    @Override
    public String toString() {
        String where = switch (source) {
            case BUILTIN -> "builtin";
            case CLASSPATH -> "classpath";
            case PLUGIN -> "plugin " + pluginId + (pluginVersion.isEmpty() ? "" : "@" + pluginVersion);
        };
        return (name.isEmpty() ? "-" : name) + " (" + where + ") " + state
                + (location.isEmpty() ? "" : " " + location) + (message.isEmpty() ? "" : ": " + message);
    }
}
