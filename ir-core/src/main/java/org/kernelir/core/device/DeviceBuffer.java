package org.kernelir.core.device;

import org.kernelir.core.meta.Device;

/**
 * A block of memory on one device, as its {@link DeviceRuntime} lent it out. What the handle holds is the runtime's
 * business (a {@code MemorySegment} on the CPU, a device pointer on CUDA); code outside the runtime only passes it
 * back to that runtime.
 */
public interface DeviceBuffer {

    /** The device the memory is on. */
    Device device();

    /** The usable size in bytes (at least what was asked for). */
    long byteSize();
}
