package org.kernelir.providers.cpu.kernels;

/**
 * A piece of row-parallel work: processes the rows {@code [from, to)} of some tensor.
 *
 * <p>{@link RowScheduler} may call one instance concurrently from several threads, each time with a disjoint
 * range, so an implementation must only write to rows of its own range (and to thread-safe accumulators).
 */
@FunctionalInterface
public interface RowRange {

    /**
     * Processes rows {@code from} (inclusive) to {@code to} (exclusive); {@code 0 <= from < to}.
     *
     * @throws RuntimeException to abort the whole call; the scheduler rethrows it to the caller
     */
    void run(int from, int to);
}
