package org.kernelir.runtime.plugins;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.core.provider.Fingerprints;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.ProviderRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the providers of the application class path, found with {@link java.util.ServiceLoader}, and
 * providers handed over in code. Their identity is {@link ProviderIdentity#ofClasspath}: the provider's name
 * and the SHA-256 of the JAR (or class folder) its class came from, so the same JAR has the same fingerprint on
 * the class path and in the plugins folder.
 *
 * <p>A provider that cannot be constructed or registered is logged once (warning) and listed as
 * {@link LoadState#FAILED}; the others are registered all the same.
 */
public final class ClasspathProviders {

    private static final Logger LOG = LoggerFactory.getLogger(ClasspathProviders.class);

    private ClasspathProviders() {
    }

    /**
     * Registers every provider that {@code loader} lists in
     * {@code META-INF/services/org.kernelir.core.provider.KernelProvider}.
     *
     * @return one status per provider found (registered, unavailable or failed), in class-path order
     */
    public static List<ProviderStatus> discover(ProviderRegistry registry, ClassLoader loader) {
        List<ProviderStatus> out = new ArrayList<>();
        for (ProviderDiscovery.Found found : ProviderDiscovery.find(loader, c -> true, "class path")) {
            switch (found) {
                case ProviderDiscovery.Constructed c -> out.add(register(registry, c.provider()));
                case ProviderDiscovery.Broken b -> out.add(Registrar.failed(
                        (name, msg) -> failedStatus(name, "", "", msg), b.className(),
                        "class-path provider" + (b.className().isEmpty() ? "" : " " + b.className()) + ": " + b.problem()
                                + ", or remove its JAR from the class path"));
            }
        }
        if (out.isEmpty()) {
            LOG.debug("no kernel provider on the class path of {}", loader);
        } else {
            LOG.debug("class-path providers: {}", out);
        }
        return out;
    }

    /**
     * Registers one provider handed over in code, under its class-path identity.
     *
     * @return its status: {@link LoadState#LOADED}, {@link LoadState#UNAVAILABLE}, or {@link LoadState#FAILED}
     *         with the registry's message (a name clash, an invalid declaration...)
     */
    public static ProviderStatus register(ProviderRegistry registry, KernelProvider provider) {
        Class<?> cls = provider.getClass();
        Fingerprints.CodeSource cs = Fingerprints.of(cls);
        String origin = "class-path provider " + cls.getName() + " (" + cs.location() + ")";
        return Registrar.register(registry, provider, origin, name -> ProviderIdentity.ofClasspath(name, cls),
                (name, msg) -> failedStatus(name, cs.location(), cs.sha256(), msg));
    }

    private static ProviderStatus failedStatus(String name, String location, String fingerprint, String message) {
        return new ProviderStatus(name, ProviderIdentity.Source.CLASSPATH, "", "", location, LoadState.FAILED, message,
                fingerprint);
    }
}
