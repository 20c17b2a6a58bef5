package org.kernelir.core.device;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import org.kernelir.core.meta.Device;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Target;

/**
 * The runtime of one device type: its memory, its copies, its streams and its bodies for the primitives. The CPU's
 * ({@code org.kernelir.core.cpu.CpuRuntime}) is built in; a provider contributes one for any other type through
 * {@link org.kernelir.core.provider.ProviderContext#deviceRuntime}, so a plugin JAR can bring a device.
 *
 * <p><b>Memory.</b> {@link #allocate} lends a block from the runtime's pool (a caching allocator by size class, as
 * GPU runtimes keep them), {@link #free} gives it back; a block is freed for real only when the runtime decides
 * (trim, close, memory pressure). {@link #memory} reports what is lent and kept.
 *
 * <p><b>Copies and streams.</b> Copies are issued on a {@link DeviceStream} and may complete asynchronously: host
 * memory given to a copy must stay valid, and the copy's destination must not be read on the host, until the
 * stream {@linkplain DeviceStream#synchronize synchronizes}. Host memory may be on the Java heap or native; a
 * runtime that can copy only from pinned memory stages it. Copies between two devices of this type go through
 * {@link #copyDeviceToDevice}; between two types the executor stages through the host.
 *
 * <p><b>Kernels.</b> A kernel op that declares this runtime's {@link #type()} ({@link KernelDef#device()}) runs on
 * it with its own body; a primitive ({@code prim::...}, no body) runs with the body {@link #primitive} gives. Both
 * take {@link DeviceTensor}s of this type's devices and return new ones allocated with {@link #allocate} (or views
 * of their arguments' buffers). A body frees its own temporaries before it returns.
 *
 * <p>Implementations are thread-safe.
 */
public interface DeviceRuntime {

    /** The device type it runs, such as {@code cuda} or {@code test}: {@link Device#TYPE}'s rule. */
    String type();

    /** The devices of this type present here (for example {@code cuda:0}, {@code cuda:1}); may be empty. */
    List<Device> devices();

    /**
     * Lends a block of at least {@code bytes} bytes on {@code device}, contents unspecified.
     *
     * @throws IllegalArgumentException if {@code device} is not one of {@link #devices()}
     */
    DeviceBuffer allocate(Device device, long bytes);

    /** Gives a block {@link #allocate} lent back to the pool. Freeing twice is an error the runtime may report. */
    void free(DeviceBuffer buffer);

    /** The device's default stream (its queue; the CPU's runs everything at once). */
    DeviceStream stream(Device device);

    /** Copies {@code src} (host memory) to {@code dst} at byte offset {@code dstOffset}, on {@code stream}. */
    void copyHostToDevice(MemorySegment src, DeviceBuffer dst, long dstOffset, DeviceStream stream);

    /** Copies {@code dst.byteSize()} bytes of {@code src} from byte offset {@code srcOffset} to host memory. */
    void copyDeviceToHost(DeviceBuffer src, long srcOffset, MemorySegment dst, DeviceStream stream);

    /** Copies {@code bytes} bytes between two buffers of this runtime (the same device or two of its devices). */
    void copyDeviceToDevice(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes,
            DeviceStream stream);

    /** Blocks until all work on every stream of {@code device} has finished. */
    void synchronize(Device device);

    /** This runtime's body for the primitive {@code target}, if it has one. */
    Optional<KernelBody> primitive(Target target);

    /** The pooled memory of {@code device} now. */
    MemoryStats memory(Device device);

    /**
     * The body that runs {@code kernel} on this runtime: its own when it declares this type (or any device), this
     * runtime's primitive body when it is a primitive.
     *
     * @throws UnsupportedOperationException naming the kernel and both devices when it cannot run here: a kernel
     *                                       registered for one device type never runs on another
     */
    default KernelBody bodyOf(KernelDef kernel) {
        if (kernel.body() != null) {
            if (!kernel.runsOn(type())) {
                throw new UnsupportedOperationException("kernel " + kernel.target() + " runs on " + kernel.device()
                        + " devices, not on " + type());
            }
            return kernel.body();
        }
        return primitive(kernel.target()).orElseThrow(() -> new UnsupportedOperationException(kernel.target()
                + " has no body on " + type() + " devices"));
    }

    /** Whether {@link #bodyOf} has a body for {@code kernel}. */
    default boolean canRun(KernelDef kernel) {
        return kernel.body() != null ? kernel.runsOn(type()) : primitive(kernel.target()).isPresent();
    }
}
