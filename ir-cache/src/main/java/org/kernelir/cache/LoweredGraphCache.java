package org.kernelir.cache;

import java.util.function.Supplier;

/**
 * Whole lowered graphs by {@link LoweredGraphKey}: the typed cache of pipeline results, beside the cache of traced
 * replacements. A pipeline calls {@link #getOrLower} around its whole run, so that lowering a graph it has lowered
 * before, in this process or (with a disk or remote tier) in another, costs a lookup.
 */
public interface LoweredGraphCache {

    /**
     * The lowered graph for {@code key}: from a tier that has it, else made by {@code lower} (once for concurrent
     * callers of one key) and kept.
     *
     * <p>{@code lower} returns {@code null} for a result that must not be kept (for example one where a provider
     * failed, which the next run should try again); this method then returns {@code null} too, and the caller uses
     * the result it made.
     *
     * @param key   the pipeline's identity and the input graph
     * @param lower runs the pipeline; runs in the calling thread
     * @return the cached or new entry, or {@code null} when the caller must use its own result
     * @throws RuntimeException whatever {@code lower} throws (then nothing is kept)
     */
    LoweredGraph getOrLower(LoweredGraphKey key, Supplier<LoweredGraph> lower);

    /** Drops every entry of every tier this cache owns (memory; the disk and remote tiers are shared). */
    void clear();
}
