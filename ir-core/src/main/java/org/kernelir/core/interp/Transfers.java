package org.kernelir.core.interp;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.device.DeviceBuffer;
import org.kernelir.core.device.DeviceRuntime;
import org.kernelir.core.device.DeviceRuntimes;
import org.kernelir.core.device.DeviceStream;
import org.kernelir.core.device.DeviceTensor;
import org.kernelir.core.meta.Device;
import org.kernelir.core.tensor.Prims;

/**
 * Runs a {@code device::copy} node: moves a value to another device through the runtimes of both. The result is
 * always contiguous; a strided source is made contiguous on its own device first (the CPU with its clone, another
 * device with its runtime's {@code prim::clone}). Copies to the host are synchronized before the value is used,
 * and so are copies from the host (the source may be a temporary whose memory goes back to a pool right after).
 */
final class Transfers {

    private Transfers() {
    }

    static Object copy(DeviceRuntimes devices, Object value, Device to) {
        return switch (value) {
            case null -> null;
            case CpuTensor t when to.isCpu() -> t;
            case CpuTensor t -> toDevice(devices, t, to);
            case DeviceTensor t when to.isCpu() -> toHost(devices, t);
            case DeviceTensor t when t.buffer().device().equals(to) -> t;
            case DeviceTensor t when t.buffer().device().type().equals(to.type()) -> deviceToDevice(devices, t, to);
            case DeviceTensor t -> {
                CpuTensor staged = toHost(devices, t);
                yield toDevice(devices, staged, to);
            }
            default -> throw new IllegalArgumentException("cannot copy " + value + " to " + to + ": not a tensor");
        };
    }

    private static DeviceTensor toDevice(DeviceRuntimes devices, CpuTensor t, Device to) {
        DeviceRuntime r = devices.require(to);
        CpuTensor src = t.isContiguous() ? t : (CpuTensor) t.cloneTensor();
        long bytes = src.numel() * src.dtype().byteSize();
        MemorySegment host = src.segment().asSlice(src.offset() * src.dtype().byteSize(), bytes);
        DeviceBuffer buf = r.allocate(to, Math.max(1, bytes));
        try {
            DeviceStream s = r.stream(to);
            if (bytes > 0) {
                r.copyHostToDevice(host, buf, 0, s);
            }
            s.synchronize();
        } catch (RuntimeException e) {
            r.free(buf);
            throw e;
        }
        return DeviceTensor.contiguous(buf, src.dtype(), src.sizes());
    }

    private static CpuTensor toHost(DeviceRuntimes devices, DeviceTensor t) {
        Device from = t.buffer().device();
        DeviceRuntime r = devices.runtime(from);
        DeviceTensor src = contiguousOnDevice(r, t);
        try {
            long bytes = src.byteSize();
            CpuTensor out = CpuTensor.empty(src.dtype(), src.sizes());
            if (bytes > 0) {
                r.copyDeviceToHost(src.buffer(), src.offset() * src.dtype().byteSize(),
                        out.segment().asSlice(out.offset() * out.dtype().byteSize(), bytes), r.stream(from));
            }
            r.synchronize(from);
            return out;
        } finally {
            if (src != t) {
                r.free(src.buffer());
            }
        }
    }

    private static DeviceTensor deviceToDevice(DeviceRuntimes devices, DeviceTensor t, Device to) {
        DeviceRuntime r = devices.require(to);
        DeviceTensor src = contiguousOnDevice(r, t);
        try {
            long bytes = src.byteSize();
            DeviceBuffer buf = r.allocate(to, Math.max(1, bytes));
            if (bytes > 0) {
                r.copyDeviceToDevice(src.buffer(), src.offset() * src.dtype().byteSize(), buf, 0, bytes,
                        r.stream(src.buffer().device()));
            }
            r.synchronize(src.buffer().device());
            return DeviceTensor.contiguous(buf, src.dtype(), src.sizes());
        } finally {
            if (src != t) {
                r.free(src.buffer());
            }
        }
    }

    /** {@code t}, or a contiguous copy of it on its own device made with the runtime's {@code prim::clone}. */
    private static DeviceTensor contiguousOnDevice(DeviceRuntime r, DeviceTensor t) {
        if (t.isContiguous()) {
            return t;
        }
        Object c = r.bodyOf(Prims.CLONE).run(List.of(t));
        if (!(c instanceof DeviceTensor dt) || !dt.isContiguous()) {
            throw new IllegalStateException("the " + r.type() + " runtime's prim::clone returned " + c
                    + ", not a contiguous tensor of its device");
        }
        return dt;
    }
}
