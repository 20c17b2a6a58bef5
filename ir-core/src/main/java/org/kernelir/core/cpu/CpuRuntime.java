package org.kernelir.core.cpu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.kernelir.core.device.DeviceBuffer;
import org.kernelir.core.device.DeviceRuntime;
import org.kernelir.core.device.DeviceStream;
import org.kernelir.core.device.MemoryStats;
import org.kernelir.core.meta.Device;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.Target;

/**
 * The built-in runtime of the host CPU. Its memory is {@link TensorPool} blocks, its tensors are {@link CpuTensor}s
 * viewing a {@code MemorySegment} with no copy, its one stream runs everything at once, and its primitive bodies
 * are {@link CpuPrims}. The interpreter runs CPU nodes on {@code CpuTensor}s directly (pooled through
 * {@link AllocationScope}); this class is the CPU seen through the {@link DeviceRuntime} SPI.
 */
public final class CpuRuntime implements DeviceRuntime {

    /** A CPU block: a segment of the runtime's pool. */
    public record Buffer(MemorySegment segment) implements DeviceBuffer {
        @Override
        public Device device() {
            return Device.CPU;
        }

        @Override
        public long byteSize() {
            return segment.byteSize();
        }
    }

    private static final DeviceStream IMMEDIATE = new DeviceStream() {
        @Override
        public Device device() {
            return Device.CPU;
        }

        @Override
        public void synchronize() {
            // work on the CPU stream is done when its call returns
        }
    };

    private static final CpuRuntime DEFAULT = new CpuRuntime(new TensorPool());

    private final TensorPool pool;

    /** A CPU runtime lending blocks of {@code pool}. */
    public CpuRuntime(TensorPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** The process-wide CPU runtime, over a pool of its own. */
    public static CpuRuntime get() {
        return DEFAULT;
    }

    /** The pool its blocks come from. */
    public TensorPool pool() {
        return pool;
    }

    @Override
    public String type() {
        return Device.CPU_TYPE;
    }

    @Override
    public List<Device> devices() {
        return List.of(Device.CPU);
    }

    @Override
    public DeviceBuffer allocate(Device device, long bytes) {
        if (!device.isCpu()) {
            throw new IllegalArgumentException("the CPU runtime cannot allocate on " + device);
        }
        return new Buffer(pool.acquire(bytes));
    }

    @Override
    public void free(DeviceBuffer buffer) {
        if (!(buffer instanceof Buffer b) || !pool.release(b.segment())) {
            throw new IllegalArgumentException(buffer + " is not a lent block of this CPU runtime");
        }
    }

    @Override
    public DeviceStream stream(Device device) {
        return IMMEDIATE;
    }

    @Override
    public void copyHostToDevice(MemorySegment src, DeviceBuffer dst, long dstOffset, DeviceStream stream) {
        MemorySegment.copy(src, 0, segment(dst), dstOffset, src.byteSize());
    }

    @Override
    public void copyDeviceToHost(DeviceBuffer src, long srcOffset, MemorySegment dst, DeviceStream stream) {
        MemorySegment.copy(segment(src), srcOffset, dst, 0, dst.byteSize());
    }

    @Override
    public void copyDeviceToDevice(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes,
            DeviceStream stream) {
        MemorySegment.copy(segment(src), srcOffset, segment(dst), dstOffset, bytes);
    }

    @Override
    public void synchronize(Device device) {
        // nothing is ever pending on the CPU
    }

    @Override
    public Optional<KernelBody> primitive(Target target) {
        return CpuPrims.body(target);
    }

    @Override
    public MemoryStats memory(Device device) {
        TensorPool.Stats s = pool.stats();
        return new MemoryStats(s.lentBlocks(), s.lentBytes(), s.retainedBlocks(), s.retainedBytes(), s.hits(),
                s.misses());
    }

    private static MemorySegment segment(DeviceBuffer b) {
        if (b instanceof Buffer cb) {
            return cb.segment();
        }
        throw new IllegalArgumentException(b + " is not a CPU buffer");
    }

    @Override
    public String toString() {
        return "CpuRuntime[" + pool + "]";
    }
}
