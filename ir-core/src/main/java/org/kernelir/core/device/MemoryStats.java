package org.kernelir.core.device;

/**
 * A snapshot of one device's pooled memory.
 *
 * @param lentBlocks     blocks lent out now (allocated and not freed)
 * @param lentBytes      bytes lent out now
 * @param retainedBlocks freed blocks the pool keeps for reuse
 * @param retainedBytes  bytes the pool keeps for reuse
 * @param hits           allocations served from the pool
 * @param misses         allocations that asked the device for new memory
 */
public record MemoryStats(long lentBlocks, long lentBytes, long retainedBlocks, long retainedBytes, long hits,
        long misses) {
}
