package org.kernelir.runtime.plugins;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Predicate;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderCalls;
import org.kernelir.core.provider.ProviderTimeoutException;

/**
 * Finds {@link KernelProvider}s with {@link ServiceLoader}: the one place that reads
 * {@code META-INF/services/org.kernelir.core.provider.KernelProvider}, for the application class path and for
 * each plugin alike. A provider that cannot be loaded or constructed does not stop the search; it comes back
 * as a {@link Broken} entry with the reason.
 */
final class ProviderDiscovery {

    /** Stops a loader that keeps failing on the same entry from looping forever. */
    private static final int MAX_ERRORS = 1_000;

    private ProviderDiscovery() {
    }

    /** What the search found: a constructed provider, or a provider entry that could not be used. */
    sealed interface Found permits Constructed, Broken {
    }

    /** A constructed provider. */
    record Constructed(KernelProvider provider) implements Found {
    }

    /**
     * A provider that could not be loaded or constructed.
     *
     * @param className the provider class, when known (else empty)
     * @param problem   what went wrong, for people
     */
    record Broken(String className, String problem) implements Found {
    }

    /**
     * The providers that {@code loader} lists, in service-file order, keeping only those whose class passes
     * {@code accept} (checked before the class is instantiated, so a rejected provider's constructor never runs).
     * Constructing a provider has the deadline of {@link ProviderCalls.Kind#START}; {@code origin} names where the
     * providers come from in that message.
     */
    static List<Found> find(ClassLoader loader, Predicate<Class<?>> accept, String origin) {
        List<Found> out = new ArrayList<>();
        ServiceLoader<KernelProvider> services = ServiceLoader.load(KernelProvider.class, loader);
        Iterator<ServiceLoader.Provider<KernelProvider>> it = services.stream().iterator();
        int errors = 0;
        while (true) {
            ServiceLoader.Provider<KernelProvider> entry;
            try {
                if (!it.hasNext()) {
                    break;
                }
                entry = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                // ServiceLoader goes on with the next entry after an error (see its javadoc).
                out.add(new Broken("", describe(e)));
                if (++errors >= MAX_ERRORS) {
                    break;
                }
                continue;
            }
            Class<? extends KernelProvider> type = entry.type();
            if (!accept.test(type)) {
                continue;
            }
            try {
                out.add(new Constructed(ProviderCalls.call(ProviderCalls.Kind.START, origin + ": provider class "
                        + type.getName(), "(its static initializer and constructor)", null, entry::get)));
            } catch (ProviderTimeoutException e) {
                out.add(new Broken(type.getName(), e.getMessage() + "; a provider must be cheap and safe to "
                        + "construct: move slow work out of its constructor and static initializer"));
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                Throwable cause = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
                out.add(new Broken(type.getName(), "provider class " + type.getName() + " could not be constructed: "
                        + cause + "; fix its constructor (a provider must be cheap and safe to construct)"));
            }
        }
        return out;
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        Throwable cause = e.getCause();
        return msg + (cause == null ? "" : " (" + cause + ")")
                + "; check the class names listed in META-INF/services/" + KernelProvider.class.getName();
    }
}
