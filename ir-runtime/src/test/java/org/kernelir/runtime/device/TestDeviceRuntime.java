package org.kernelir.runtime.device;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.kernelir.core.cpu.AllocationScope;
import org.kernelir.core.cpu.CpuPrims;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.device.DeviceBuffer;
import org.kernelir.core.device.DeviceRuntime;
import org.kernelir.core.device.DeviceStream;
import org.kernelir.core.device.DeviceTensor;
import org.kernelir.core.device.MemoryStats;
import org.kernelir.core.meta.Device;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.Target;

/**
 * A second device for tests, {@code test:0}: its memory is a pool of its own, apart from the host's, reachable only
 * through {@link DeviceTensor}s of its own buffers; every transfer is counted. Its kernels compute with the CPU's
 * bodies on views of its blocks, allocating from its own pool, and refuse host tensors, so a missing copy fails.
 */
public final class TestDeviceRuntime implements DeviceRuntime {

    public static final String TYPE = "test";
    public static final Device DEVICE = new Device(TYPE, 0);

    /** A block of the test device. */
    record Buf(MemorySegment segment) implements DeviceBuffer {
        @Override
        public Device device() {
            return DEVICE;
        }

        @Override
        public long byteSize() {
            return segment.byteSize();
        }
    }

    private final TensorPool pool = new TensorPool();
    public final AtomicLong hostToDevice = new AtomicLong();
    public final AtomicLong deviceToHost = new AtomicLong();
    public final AtomicLong deviceToDevice = new AtomicLong();
    public final AtomicLong syncs = new AtomicLong();
    /** The targets its primitive bodies ran. */
    public final Set<Target> primitivesRun = ConcurrentHashMap.newKeySet();

    private final DeviceStream stream = new DeviceStream() {
        @Override
        public Device device() {
            return DEVICE;
        }

        @Override
        public void synchronize() {
            syncs.incrementAndGet();
        }
    };

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<Device> devices() {
        return List.of(DEVICE);
    }

    @Override
    public DeviceBuffer allocate(Device device, long bytes) {
        if (!device.equals(DEVICE)) {
            throw new IllegalArgumentException("the test runtime has no device " + device);
        }
        return new Buf(pool.acquire(bytes));
    }

    @Override
    public void free(DeviceBuffer buffer) {
        if (!(buffer instanceof Buf b) || !pool.release(b.segment())) {
            throw new IllegalStateException("freed " + buffer + ", which is not a lent block of the test device");
        }
    }

    @Override
    public DeviceStream stream(Device device) {
        return stream;
    }

    @Override
    public void copyHostToDevice(MemorySegment src, DeviceBuffer dst, long dstOffset, DeviceStream s) {
        hostToDevice.incrementAndGet();
        MemorySegment.copy(src, 0, own(dst).segment(), dstOffset, src.byteSize());
    }

    @Override
    public void copyDeviceToHost(DeviceBuffer src, long srcOffset, MemorySegment dst, DeviceStream s) {
        deviceToHost.incrementAndGet();
        MemorySegment.copy(own(src).segment(), srcOffset, dst, 0, dst.byteSize());
    }

    @Override
    public void copyDeviceToDevice(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes,
            DeviceStream s) {
        deviceToDevice.incrementAndGet();
        MemorySegment.copy(own(src).segment(), srcOffset, own(dst).segment(), dstOffset, bytes);
    }

    @Override
    public void synchronize(Device device) {
        syncs.incrementAndGet();
    }

    @Override
    public Optional<KernelBody> primitive(Target target) {
        return CpuPrims.body(target).map(body -> onDevice(target, body));
    }

    @Override
    public MemoryStats memory(Device device) {
        TensorPool.Stats s = pool.stats();
        return new MemoryStats(s.lentBlocks(), s.lentBytes(), s.retainedBlocks(), s.retainedBytes(), s.hits(),
                s.misses());
    }

    /** Wraps a CPU body so that it computes on this device's blocks and allocates from its pool. */
    KernelBody onDevice(Target target, KernelBody cpuBody) {
        return args -> {
            primitivesRun.add(target);
            Map<Long, Buf> inputs = new java.util.HashMap<>();
            List<Object> views = new ArrayList<>(args.size());
            for (Object a : args) {
                views.add(toView(a, inputs, target));
            }
            AllocationScope scope = new AllocationScope(pool);
            Object result = scope.call(() -> cpuBody.run(views));
            Map<Long, Buf> made = new java.util.HashMap<>();
            Object out = toDevice(result, inputs, scope, made, target);
            scope.unreleased().forEach(scope::release); // the body's temporaries
            return out;
        };
    }

    private Object toView(Object a, Map<Long, Buf> inputs, Target target) {
        return switch (a) {
            case DeviceTensor t -> {
                Buf b = own(t.buffer());
                inputs.put(b.segment().address(), b);
                yield CpuTensor.view(b.segment(), t.dtype(), t.sizes(), t.strides(), t.offset());
            }
            case CpuTensor t -> throw new IllegalStateException(target + " on " + DEVICE + " was given a host tensor "
                    + t.meta() + ": a copy to the device is missing");
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object x : l) {
                    out.add(toView(x, inputs, target));
                }
                yield out;
            }
            case null, default -> a;
        };
    }

    private Object toDevice(Object r, Map<Long, Buf> inputs, AllocationScope scope, Map<Long, Buf> made,
            Target target) {
        return switch (r) {
            case null -> null;
            case CpuTensor t -> {
                long bs = t.dtype().byteSize();
                long addr = t.segment().address();
                Buf b = inputs.containsKey(addr) ? inputs.get(addr) : made.get(addr);
                if (b == null) {
                    AllocationScope.Lease l = scope.leaseOf(t);
                    if (l == null) {
                        throw new IllegalStateException(target + " on " + DEVICE + " returned memory that is not the "
                                + "device's: " + t.meta());
                    }
                    b = new Buf(l.segment());
                    made.put(l.segment().address(), b);
                    scope.detach(l);
                }
                long base = b.segment().address();
                long offset = (t.segment().address() - base) / bs + t.offset();
                yield new DeviceTensor(b, t.dtype(), t.sizes(), t.strides(), offset);
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object x : l) {
                    out.add(toDevice(x, inputs, scope, made, target));
                }
                yield out;
            }
            default -> throw new IllegalStateException(target + " returned " + r);
        };
    }

    private static Buf own(DeviceBuffer b) {
        if (b instanceof Buf buf) {
            return buf;
        }
        throw new IllegalStateException(b + " is not memory of the test device");
    }
}
