package org.kernelir.providers.cuda.runtime;

import java.lang.foreign.MemorySegment;

/**
 * What a device runtime does for kernel-ir: allocation with pooling, copies to and from the host, and
 * synchronization, ordered on the runtime's stream. It is providers-cuda's own interface, shaped like the device
 * runtime SPI that ir-core is getting (issue 13), so that {@link CudaDevice} can implement that SPI with thin
 * adapters (docs/cuda.md lists them).
 *
 * <p>Only {@link #copyToHost} and {@link #synchronize} wait for the device: everything else is queued on the
 * stream and returns at once.
 */
public interface DeviceMemoryRuntime extends AutoCloseable {

    /** The device, e.g. {@code cuda:0}. */
    String device();

    /** Device memory of at least {@code bytes}, usable by work queued on this runtime's stream from now on. */
    DeviceBuffer allocate(long bytes);

    /** Returns a buffer; work already queued that uses it still completes before any reuse of its memory. */
    void free(DeviceBuffer buffer);

    /** Queues a copy of {@code src} (host memory) into {@code dst}; the host memory may be reused on return. */
    void copyToDevice(MemorySegment src, DeviceBuffer dst);

    /** Copies {@code dst.byteSize()} bytes of {@code src} to host memory, waiting for the work queued before. */
    void copyToHost(DeviceBuffer src, MemorySegment dst);

    /** Queues a device-to-device copy of {@code bytes}. */
    void copyDeviceToDevice(DeviceBuffer src, DeviceBuffer dst, long bytes);

    /** Waits until every queued operation has completed. */
    void synchronize();

    /** Releases the device memory, staging buffers and stream. */
    @Override
    void close();
}
