package org.kernelir.core.device;

import org.kernelir.core.meta.Device;

/**
 * An ordered queue of work on one device (a CUDA stream, a command queue). Copies and kernels issued on one stream
 * run in the order they were issued; {@link #synchronize} waits until all of them have finished. A device without
 * queues (the CPU) has one stream whose work is done when the call returns.
 */
public interface DeviceStream {

    /** The device it runs on. */
    Device device();

    /** Blocks until all work issued on this stream so far has finished. */
    void synchronize();
}
