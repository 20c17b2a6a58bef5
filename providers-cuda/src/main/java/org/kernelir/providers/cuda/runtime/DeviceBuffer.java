package org.kernelir.providers.cuda.runtime;

/**
 * A block of device memory handed out by a {@link CachingAllocator}.
 *
 * @param pointer the device address ({@code CUdeviceptr})
 * @param bytes   the bytes asked for
 * @param block   the bytes actually reserved (the size class)
 * @param stream  the stream the block is ordered on (its reuse waits for nothing else)
 */
public record DeviceBuffer(long pointer, long bytes, long block, long stream) {
}
