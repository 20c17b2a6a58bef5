package org.kernelir.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.IrOpCatalog;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.Prims;

/**
 * What a pipeline runs with: the dispatcher that picks implementations, the catalog that says what each target
 * means, the replacement cache, and options. Immutable; made with {@link #builder(Dispatcher)}.
 *
 * <pre>{@code
 * PassConfig config = PassConfig.builder(dispatcher)
 *         .cache(cache)
 *         .strict(true)
 *         .build();
 * }</pre>
 */
public final class PassConfig {

    private final Dispatcher dispatcher;
    private final List<KernelCatalog> extraCatalogs;
    private volatile KernelCatalog catalog;
    private final ReplacementCache cache;
    private final boolean strict;
    private final boolean failOnNativeFallback;
    private final Set<String> donatedInputs;
    private final boolean extraKernels;

    private PassConfig(Builder b) {
        this.extraKernels = !b.extraKernels.isEmpty();
        this.dispatcher = b.dispatcher;
        this.cache = b.cache;
        this.strict = b.strict;
        this.failOnNativeFallback = b.failOnNativeFallback;
        this.donatedInputs = Set.copyOf(b.donatedInputs);
        this.extraCatalogs = List.copyOf(b.extraKernels);
    }

    /** Starts a configuration around {@code dispatcher}. */
    public static Builder builder(Dispatcher dispatcher) {
        return new Builder(dispatcher);
    }

    /** A configuration with the defaults: no cache, not strict, no donated graph inputs. */
    public static PassConfig of(Dispatcher dispatcher) {
        return builder(dispatcher).build();
    }

    /** Picks the implementation of every IR op node; its priority is read when a pass runs. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /**
     * What every target means: the primitives, the IR ops of the dispatcher's registry, the kernel ops of its
     * providers, then any extra catalogs given to the builder, searched in that order. Passes read from it which
     * calls write into their arguments ({@link org.kernelir.core.tensor.KernelDef#mutates()}).
     */
    public KernelCatalog catalog() {
        // Built on first use: a run answered from the cache never needs it, and the primitives' table is a
        // noticeable part of a fresh process's first lowering.
        KernelCatalog c = catalog;
        if (c == null) {
            List<KernelCatalog> chain = new ArrayList<>();
            chain.add(KernelCatalog.of(Prims.all()));
            chain.add(new IrOpCatalog(dispatcher));
            chain.add(dispatcher.registry().kernels());
            chain.addAll(extraCatalogs);
            c = KernelCatalog.chain(chain.toArray(KernelCatalog[]::new));
            catalog = c;
        }
        return c;
    }

    /** Where lowering gets traced replacement graphs; {@link ReplacementCache#disabled()} unless set. */
    public ReplacementCache cache() {
        return cache;
    }

    /** Whether lowering throws a {@link LoweringException} when IR op nodes are left (default: warn). */
    public boolean strict() {
        return strict;
    }

    /**
     * Whether a run fails with a {@link NativeFallbackException} when a node fell back to native (see
     * {@link LoweringReport#nativeFallbacks}); default {@code false}.
     */
    public boolean failOnNativeFallback() {
        return failOnNativeFallback;
    }

    /**
     * Graph inputs (placeholder names) that the caller hands over: they may be overwritten, so a clone of one
     * may be removed even when the clone is written. Empty by default: graph inputs are the caller's.
     */
    public Set<String> donatedInputs() {
        return donatedInputs;
    }

    /**
     * Whether whole lowered graphs may be taken from and kept in the cache: when the cache keeps them, and no extra
     * catalog was given (an extra catalog is code whose meaning a cache key cannot capture).
     */
    boolean cachesLoweredGraphs() {
        return !extraKernels && cache.cachesLoweredGraphs();
    }

    /** Builds a {@link PassConfig}; every setter checks its argument at once. */
    public static final class Builder {
        private final Dispatcher dispatcher;
        private ReplacementCache cache = ReplacementCache.disabled();
        private boolean strict;
        private boolean failOnNativeFallback;
        private Set<String> donatedInputs = new TreeSet<>();
        private final List<KernelCatalog> extraKernels = new ArrayList<>();

        private Builder(Dispatcher dispatcher) {
            this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        }

        /** The replacement cache lowering uses (default: {@link ReplacementCache#disabled()}). */
        public Builder cache(ReplacementCache replacementCache) {
            this.cache = Objects.requireNonNull(replacementCache, "cache");
            return this;
        }

        /** Makes IR op nodes left after lowering an error instead of a warning. */
        public Builder strict(boolean strictMode) {
            this.strict = strictMode;
            return this;
        }

        /**
         * Makes a run fail when any IR op node was lowered with {@code native} although its priority lists another
         * provider (a {@link NativeFallbackException} naming the nodes), instead of only reporting it.
         */
        public Builder failOnNativeFallback(boolean fail) {
            this.failOnNativeFallback = fail;
            return this;
        }

        /** Graph inputs the caller allows the pipeline to overwrite (see {@link PassConfig#donatedInputs()}). */
        public Builder donatedInputs(Set<String> placeholderNames) {
            this.donatedInputs = new TreeSet<>(placeholderNames);
            return this;
        }

        /**
         * Adds a catalog for targets that are neither primitives, IR ops nor provider kernel ops, such as a model's
         * own opaque ops. Targets no catalog knows are treated as writing all their tensor arguments, so passes
         * never remove or bypass anything around them.
         */
        public Builder kernels(KernelCatalog extra) {
            extraKernels.add(Objects.requireNonNull(extra, "catalog"));
            return this;
        }

        /** The configuration; the builder may be used again. */
        public PassConfig build() {
            return new PassConfig(this);
        }
    }
}
