package org.kernelir.core.provider;

import java.util.Objects;

/**
 * Who an implementation belongs to, precisely enough to key a cache on: the provider's name, where its code
 * came from, and a fingerprint of that code. Stable across runs of the same code; different when the code
 * changes (a new JAR, a rebuilt class).
 *
 * @param name          the provider's name
 * @param source        where it was loaded from
 * @param pluginId      the plugin's id when loaded from the plugins folder, else empty
 * @param pluginVersion the plugin's version when loaded from the plugins folder, else empty
 * @param location      the JAR or class folder the code came from, for people (not part of equality)
 * @param fingerprint   SHA-256 (hex) of the provider's JAR, or of its class files when not in a JAR
 */
public record ProviderIdentity(String name, Source source, String pluginId, String pluginVersion, String location,
        String fingerprint) {

    /** Where a provider's code came from. */
    public enum Source {
        /** kernel-ir's own native implementations. */
        BUILTIN,
        /** Found with ServiceLoader on the application class path, or registered directly. */
        CLASSPATH,
        /** Loaded from a plugin JAR in the plugins folder. */
        PLUGIN
    }

    public ProviderIdentity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        pluginId = pluginId == null ? "" : pluginId;
        pluginVersion = pluginVersion == null ? "" : pluginVersion;
        location = location == null ? "" : location;
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /** The identity of a provider found on the class path, fingerprinted from its class's code source. */
    public static ProviderIdentity ofClasspath(String name, Class<?> providerClass) {
        Fingerprints.CodeSource cs = Fingerprints.of(providerClass);
        return new ProviderIdentity(name, Source.CLASSPATH, "", "", cs.location(), cs.sha256());
    }

    /**
     * The identity as one canonical string ({@code name|source|plugin id|plugin version|fingerprint}), for
     * cache keys and hashes. The location is not part of it.
     */
    public String key() {
        return name + "|" + source + "|" + pluginId + "|" + pluginVersion + "|" + fingerprint;
    }

    /** A short form for reports: {@code cpu (plugin kernel-ir-cpu@0.1.0, sha256:1a2b3c4d)}. */
    public String describe() {
        String where = switch (source) {
            case BUILTIN -> "builtin";
            case CLASSPATH -> "classpath";
            case PLUGIN -> "plugin " + pluginId + "@" + pluginVersion;
        };
        return name + " (" + where + ", sha256:" + fingerprint.substring(0, Math.min(12, fingerprint.length())) + ")";
    }

    /** Identity equality ignores {@link #location()}: the same code found elsewhere is the same provider. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ProviderIdentity p && name.equals(p.name) && source == p.source
                && pluginId.equals(p.pluginId) && pluginVersion.equals(p.pluginVersion)
                && fingerprint.equals(p.fingerprint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, source, pluginId, pluginVersion, fingerprint);
    }
}
