package org.kernelir.runtime.plugins;

import java.util.Objects;
import java.util.function.Function;
import org.kernelir.core.provider.Availability;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderCalls;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.provider.ProviderRegistrationException;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.ProviderTimeoutException;
import org.kernelir.core.provider.RegisteredProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers one found provider and turns the outcome into a {@link ProviderStatus}, logging a problem once, as
 * one line that starts with where the provider came from. Shared by the class path, the plugins folder and
 * providers handed over directly, so the three report alike.
 */
final class Registrar {

    private static final Logger LOG = LoggerFactory.getLogger(Registrar.class);

    private Registrar() {
    }

    /**
     * Registers {@code provider}.
     *
     * @param origin     where it came from, for messages: {@code plugin good@1.0.0 (/opt/kir/plugins/good.jar)}
     * @param identityOf its identity, given its name
     * @param failed     the status of a provider that could not be registered, given its name (or class name) and
     *                   the message
     */
    static ProviderStatus register(ProviderRegistry registry, KernelProvider provider, String origin,
            Function<String, ProviderIdentity> identityOf, Failure failed) {
        String name;
        String cls = provider.getClass().getName();
        try {
            name = Objects.requireNonNull(ProviderCalls.call(ProviderCalls.Kind.START, origin + ": provider class "
                    + cls, "(name())", null, provider::name), "name() returned null");
        } catch (ProviderTimeoutException e) {
            return failed(failed, cls, e.getMessage() + "; fix the provider's name()");
        } catch (RuntimeException | LinkageError e) {
            return failed(failed, cls, origin + ": provider class " + cls + ": name() threw " + e
                    + "; fix the provider's name()");
        }
        ProviderIdentity identity = identityOf.apply(name);
        if (name.equals(ProviderRegistry.NATIVE) || name.equals(ProviderRegistry.UNFUSED)) {
            // Checked before the name clash: native is always registered, and "two providers are named native"
            // would hide that the name can never be used.
            return failed(failed, name, origin + ": provider class " + cls + ": the name '" + name + "' is reserved "
                    + "for kernel-ir's own implementations and cannot be used by a provider; choose another name");
        }
        var taken = registry.find(name);
        if (!BuiltinProviders.allowed(identity, provider.getClass())) {
            BuiltinProviders.Builtin b = BuiltinProviders.of(name).orElseThrow();
            String own = taken.map(rp -> b.describe() + ", loaded from " + rp.identity().location())
                    .orElse(b.describe() + ", not loaded here");
            return failed(failed, name, origin + ": provider " + name + " (class " + cls + " in " + identity.location()
                    + ") is rejected: the name " + name + " is reserved for " + own + "; kernel-ir's own provider "
                    + "always wins, whichever JAR is read first; rename this provider");
        }
        if (taken.isPresent()) {
            ProviderIdentity first = taken.get().identity();
            return failed(failed, name, origin + ": two providers are named " + name + ": this one ("
                    + identity.describe() + ") is not registered, because " + first.describe() + " at "
                    + first.location() + " already is; neither replaces the other: rename one of them or remove one "
                    + "of the JARs");
        }
        Guarded guarded = new Guarded(provider, origin + ": provider " + name);
        RegisteredProvider rp;
        try {
            rp = registry.register(guarded, identity);
        } catch (ProviderRegistrationException e) {
            return failed(failed, name, origin + ": " + e.getMessage());
        }
        if (!rp.availability().available() && !guarded.availabilityThrew) {
            LOG.info("{}: provider {} is unavailable here: {}", origin, name, rp.availability().reason());
        }
        return ProviderStatus.registered(identity, rp.availability());
    }

    /** Records and logs a failure that is not about one registered provider. */
    static ProviderStatus failed(Failure failed, String name, String message) {
        LOG.warn(message);
        return failed.status(name, message);
    }

    /** Makes the status of a provider that could not be registered. */
    @FunctionalInterface
    interface Failure {
        ProviderStatus status(String name, String message);
    }

    /**
     * Passes a provider on to the registry, turning a throwing or null availability check into "unavailable",
     * logged here once with the provider's origin (the registry would otherwise log it without the JAR). It is
     * used only while registering; the registry keeps the implementations, not this object.
     */
    private static final class Guarded implements KernelProvider {
        private final KernelProvider delegate;
        private final String who;
        boolean availabilityThrew;

        Guarded(KernelProvider delegate, String who) {
            this.delegate = delegate;
            this.who = who;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Availability availability() {
            try {
                Availability a = ProviderCalls.call(ProviderCalls.Kind.AVAILABILITY, who, "", null,
                        delegate::availability);
                if (a != null) {
                    return a;
                }
                return unavailable("availability() returned null");
            } catch (ProviderTimeoutException e) {
                availabilityThrew = true;
                LOG.warn("{}; it is registered as unavailable and never chosen", e.getMessage());
                return Availability.unavailable("its availability check did not answer within "
                        + ProviderCalls.Kind.AVAILABILITY.millis() + " ms");
            } catch (RuntimeException | LinkageError e) {
                return unavailable("availability() threw " + e);
            }
        }

        private Availability unavailable(String what) {
            availabilityThrew = true;
            LOG.warn("{}: {}; it is registered as unavailable and never chosen; fix its availability check",
                    who, what);
            return Availability.unavailable("its availability check failed: " + what);
        }

        @Override
        public void register(ProviderContext context) {
            try {
                ProviderCalls.call(ProviderCalls.Kind.REGISTER, who, "", null, () -> {
                    delegate.register(context);
                    return null;
                });
            } catch (ProviderTimeoutException e) {
                throw new ProviderRegistrationException(e.getMessage());
            }
        }
    }
}
