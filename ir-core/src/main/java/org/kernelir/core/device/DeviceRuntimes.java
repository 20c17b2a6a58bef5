package org.kernelir.core.device;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kernelir.core.meta.Device;

/**
 * The device runtimes of one process, by device type: the CPU's and those the loaded providers contributed. It
 * answers "who runs device X" and says which devices exist when the answer is nobody.
 */
public final class DeviceRuntimes {

    private final Map<String, DeviceRuntime> byType;

    private DeviceRuntimes(Map<String, DeviceRuntime> byType) {
        this.byType = byType;
    }

    /**
     * The given runtimes, the first of a type winning.
     *
     * @throws IllegalArgumentException when no runtime runs the CPU
     */
    public static DeviceRuntimes of(Collection<? extends DeviceRuntime> runtimes) {
        Map<String, DeviceRuntime> m = new LinkedHashMap<>();
        for (DeviceRuntime r : runtimes) {
            m.putIfAbsent(r.type(), r);
        }
        if (!m.containsKey(Device.CPU_TYPE)) {
            throw new IllegalArgumentException("no runtime runs the cpu device; include CpuRuntime");
        }
        return new DeviceRuntimes(Map.copyOf(m));
    }

    /** The runtime of device type {@code type}. */
    public Optional<DeviceRuntime> find(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    /** The runtime of {@code device}'s type. */
    public DeviceRuntime runtime(Device device) {
        DeviceRuntime r = byType.get(device.type());
        if (r == null) {
            throw unknown(device);
        }
        return r;
    }

    /**
     * The runtime that has {@code device}.
     *
     * @throws IllegalArgumentException "no loaded device runtime provides device X; the devices here are: ..." when
     *                                  no runtime has it
     */
    public DeviceRuntime require(Device device) {
        DeviceRuntime r = byType.get(device.type());
        if (r == null || !r.devices().contains(device)) {
            throw unknown(device);
        }
        return r;
    }

    /** Every device of every runtime, the CPU first. */
    public List<Device> devices() {
        List<Device> out = new ArrayList<>();
        out.add(Device.CPU);
        byType.values().stream().sorted((a, b) -> a.type().compareTo(b.type())).forEach(r -> {
            for (Device d : r.devices()) {
                if (!d.isCpu()) {
                    out.add(d);
                }
            }
        });
        return out;
    }

    private IllegalArgumentException unknown(Device device) {
        return new IllegalArgumentException("no loaded device runtime provides device " + device
                + "; the devices here are: " + String.join(", ", devices().stream().map(Device::toString).toList())
                + " (a device of another type needs a provider that brings its runtime, e.g. providers-cuda for cuda)");
    }

    @Override
    public String toString() {
        return "DeviceRuntimes" + devices();
    }
}
