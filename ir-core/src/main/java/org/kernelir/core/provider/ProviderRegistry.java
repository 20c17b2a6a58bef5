package org.kernelir.core.provider;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kernelir.core.cpu.CpuRuntime;
import org.kernelir.core.device.DeviceRuntime;
import org.kernelir.core.device.DeviceRuntimes;
import org.kernelir.core.meta.Device;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers known to one kernel-ir instance, with their implementations and kernel ops. It always holds
 * the built-in {@code native} provider, which implements every op of its {@link OpRegistry}.
 *
 * <p>Registration validates everything a provider declares and rejects the whole provider on the first
 * problem, with a message naming the provider, the op and what to change; nothing of a rejected provider stays
 * registered. Listeners hear of every registration and removal (the replacement cache purges on removal).
 */
public final class ProviderRegistry {

    /** The reserved name of the built-in implementations. */
    public static final String NATIVE = "native";
    /** Reserved for the decomposed form of an op (never a provider's name). */
    public static final String UNFUSED = "unfused";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderRegistry.class);

    /** Told when providers come and go. */
    public interface Listener {
        void registered(RegisteredProvider provider);

        void unregistered(RegisteredProvider provider);
    }

    private final OpRegistry ops;
    private final Map<String, RegisteredProvider> providers = new LinkedHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile long version;

    /** A registry over {@code ops}, holding the {@code native} provider. */
    public ProviderRegistry(OpRegistry ops) {
        this.ops = ops;
        Map<String, Implementation<?>> natives = new LinkedHashMap<>();
        for (OpDef<?> op : ops.all()) {
            natives.put(op.name(), nativeOf(op).boundTo(NATIVE, Availability.AVAILABLE));
        }
        Fingerprints.CodeSource cs = Fingerprints.of(OpDef.class, "org.kernelir.core");
        ProviderIdentity id = new ProviderIdentity(NATIVE, ProviderIdentity.Source.BUILTIN, "", "", cs.location(),
                cs.sha256());
        providers.put(NATIVE, new RegisteredProvider(id, Availability.AVAILABLE, natives, Map.of()));
    }

    private static <F> Implementation<F> nativeOf(OpDef<F> op) {
        return Implementation.of(op, op.nativeImpl());
    }

    public OpRegistry ops() {
        return ops;
    }

    /** Changes every time a provider is registered or removed. */
    public long version() {
        return version;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /**
     * Registers a provider found on the class path (or handed over directly), fingerprinting its class.
     *
     * @see #register(KernelProvider, ProviderIdentity)
     */
    public RegisteredProvider register(KernelProvider provider) {
        return register(provider, ProviderIdentity.ofClasspath(safeName(provider), provider.getClass()));
    }

    /**
     * Registers {@code provider} under {@code identity}: asks it for its availability (a throwing check makes it
     * unavailable, with the exception as the reason) and its implementations, and validates them.
     *
     * @throws ProviderRegistrationException naming the provider, its source and the problem: an invalid or
     *                                       reserved name, a name already taken (naming both sources), an
     *                                       implementation of an unknown op, a second implementation of the same
     *                                       form (functional or inplace) of one op, an inplace
     *                                       implementation of an op that does not allow inplace, a kernel op outside
     *                                       the provider's namespace
     */
    public RegisteredProvider register(KernelProvider provider, ProviderIdentity identity) {
        String name = identity.name();
        String who = "provider " + name + " from " + identity.describe();
        if (!Target.NAME.matcher(name).matches()) {
            throw new ProviderRegistrationException(who + ": name must match " + Target.NAME.pattern());
        }
        if (name.equals(NATIVE) || name.equals(UNFUSED)) {
            throw new ProviderRegistrationException(who + ": '" + name + "' is reserved for kernel-ir's own "
                    + "implementations; choose another provider name");
        }
        synchronized (this) {
            RegisteredProvider existing = providers.get(name);
            if (existing != null) {
                throw new ProviderRegistrationException("two providers are named " + name + ": "
                        + existing.identity().describe() + " at " + existing.identity().location() + " and "
                        + identity.describe() + " at " + identity.location()
                        + "; neither is used in place of the other, remove one of them");
            }
        }
        Availability availability;
        try {
            availability = java.util.Objects.requireNonNull(provider.availability(), "availability() returned null");
        } catch (RuntimeException | LinkageError e) {
            availability = Availability.unavailable("its availability check threw " + e);
            LOG.warn("{}: availability check threw {}; the provider is unavailable", who, e.toString());
        }
        Collecting ctx = new Collecting(who, name, availability);
        try {
            provider.register(ctx);
        } catch (ProviderRegistrationException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new ProviderRegistrationException(who + ": register() threw " + e, e);
        }
        RegisteredProvider rp = new RegisteredProvider(identity, availability, ctx.impls, ctx.kernels, ctx.runtimes);
        synchronized (this) {
            if (providers.containsKey(name)) {
                throw new ProviderRegistrationException("two providers are named " + name + "; remove one of them");
            }
            for (DeviceRuntime r : rp.deviceRuntimes()) {
                for (RegisteredProvider other : providers.values()) {
                    if (other.deviceRuntimes().stream().anyMatch(o -> o.type().equals(r.type()))) {
                        throw new ProviderRegistrationException(who + " brings a runtime for device type " + r.type()
                                + ", which provider " + other.identity().describe() + " already runs; remove one "
                                + "of them");
                    }
                }
            }
            providers.put(name, rp);
            version++;
        }
        LOG.debug("registered {} ({}), ops {}", identity.describe(), availability, rp.opNames());
        listeners.forEach(l -> l.registered(rp));
        return rp;
    }

    /**
     * Removes the provider called {@code name}; listeners are told.
     *
     * @return the removed provider, if there was one
     */
    public Optional<RegisteredProvider> unregister(String name) {
        if (name.equals(NATIVE)) {
            throw new IllegalArgumentException("the native provider cannot be removed");
        }
        RegisteredProvider rp;
        synchronized (this) {
            rp = providers.remove(name);
            if (rp != null) {
                version++;
            }
        }
        if (rp != null) {
            listeners.forEach(l -> l.unregistered(rp));
        }
        return Optional.ofNullable(rp);
    }

    /** The provider called {@code name}. */
    public synchronized Optional<RegisteredProvider> find(String name) {
        return Optional.ofNullable(providers.get(name));
    }

    /** All providers, {@code native} first, then in registration order. */
    public synchronized Collection<RegisteredProvider> all() {
        return List.copyOf(providers.values());
    }

    /** The implementation of {@code op} by {@code provider}, if any. */
    @SuppressWarnings("unchecked")
    public synchronized <F> Optional<Implementation<F>> implementation(OpDef<F> op, String provider) {
        RegisteredProvider rp = providers.get(provider);
        return rp == null ? Optional.empty() : Optional.ofNullable((Implementation<F>) rp.implementations().get(op.name()));
    }

    /** The native implementation of {@code op}. */
    public <F> Implementation<F> nativeImplementation(OpDef<F> op) {
        return implementation(op, NATIVE).orElseThrow(() -> new IllegalArgumentException("op " + op.name()
                + " is not registered"));
    }

    /** Every provider's kernel ops, as a catalog for the interpreter and the verifier. */
    public KernelCatalog kernels() {
        return t -> {
            synchronized (this) {
                RegisteredProvider rp = providers.get(t.namespace());
                return rp == null ? Optional.empty() : Optional.ofNullable(rp.kernels().get(t));
            }
        };
    }

    /**
     * The device runtimes of this process: the built-in CPU one, then those of every loaded provider that is
     * available (an unavailable provider's device does not exist here).
     */
    public DeviceRuntimes devices() {
        List<DeviceRuntime> runtimes = new ArrayList<>();
        runtimes.add(CpuRuntime.get());
        synchronized (this) {
            for (RegisteredProvider rp : providers.values()) {
                if (rp.availability().available()) {
                    runtimes.addAll(rp.deviceRuntimes());
                }
            }
        }
        return DeviceRuntimes.of(runtimes);
    }

    private static String safeName(KernelProvider p) {
        try {
            return p.name();
        } catch (RuntimeException e) {
            throw new ProviderRegistrationException("provider class " + p.getClass().getName() + ": name() threw " + e, e);
        }
    }

    /** Collects and validates what one provider declares. */
    private final class Collecting implements ProviderContext {
        private final String who;
        private final String name;
        private final Availability availability;
        final Map<String, Implementation<?>> impls = new LinkedHashMap<>();
        final Map<Target, KernelDef> kernels = new HashMap<>();
        final List<DeviceRuntime> runtimes = new ArrayList<>();

        Collecting(String who, String name, Availability availability) {
            this.who = who;
            this.name = name;
            this.availability = availability;
        }

        @Override
        public void implement(Implementation<?> impl) {
            OpDef<?> op = impl.op();
            if (!ops.contains(op)) {
                throw new ProviderRegistrationException(who + " implements op " + op.name()
                        + ", which is not registered in this kernel-ir instance (registered: " + ops.names() + ")");
            }
            if (impl.isInplace() && !op.allowInplace()) {
                throw new ProviderRegistrationException(who + ": inplace implementation of op " + op.name()
                        + ", which does not allow inplace; register it with Implementation.of instead");
            }
            Implementation<?> bound = impl.boundTo(name, availability);
            Implementation<?> existing = impls.get(op.name());
            if (existing != null) {
                boolean bothForms = existing.functionalForm().isEmpty() && existing.isInplace() != impl.isInplace();
                if (!bothForms) {
                    throw new ProviderRegistrationException(who + " implements op " + op.name()
                            + " twice; a provider has at most one implementation per op and form (one functional, "
                            + "one inplace)");
                }
                bound = existing.isInplace() ? Implementation.withBothForms(existing, bound)
                        : Implementation.withBothForms(bound, existing);
            }
            impls.put(op.name(), bound);
        }

        @Override
        public void kernel(KernelDef kernel) {
            if (!kernel.target().namespace().equals(name)) {
                throw new ProviderRegistrationException(who + ": kernel op " + kernel.target()
                        + " must be in the provider's namespace, e.g. " + name + "::" + kernel.target().name());
            }
            if (kernels.putIfAbsent(kernel.target(), kernel) != null) {
                throw new ProviderRegistrationException(who + " declares kernel op " + kernel.target() + " twice");
            }
        }

        @Override
        public void deviceRuntime(DeviceRuntime runtime) {
            String type;
            try {
                type = java.util.Objects.requireNonNull(runtime, "runtime").type();
            } catch (RuntimeException e) {
                throw new ProviderRegistrationException(who + ": its device runtime's type() failed: " + e, e);
            }
            if (type == null || !Device.TYPE.matcher(type).matches()) {
                throw new ProviderRegistrationException(who + ": device runtime type '" + type + "' must match "
                        + Device.TYPE.pattern());
            }
            if (type.equals(Device.CPU_TYPE)) {
                throw new ProviderRegistrationException(who + ": the cpu device runtime is built in; a provider "
                        + "brings runtimes for other device types only");
            }
            if (runtimes.stream().anyMatch(r -> r.type().equals(type))) {
                throw new ProviderRegistrationException(who + " brings two runtimes for device type " + type);
            }
            runtimes.add(runtime);
        }
    }

    /** Lists the providers, for logs. */
    @Override
    public synchronized String toString() {
        List<String> names = new ArrayList<>();
        providers.values().forEach(p -> names.add(p.identity().describe() + " " + p.availability()));
        return "providers " + names;
    }
}
