package org.kernelir.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuRuntime;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.meta.Device;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.provider.Availability;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.provider.ProviderRegistrationException;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.Target;

/** A provider brings a device runtime through its context; the registry says which devices exist. */
class DeviceRuntimeRegistrationTest {

    /** A device type whose memory is host memory of its own pool (enough to register and allocate). */
    static final class HostBacked implements DeviceRuntime {
        final String type;
        final CpuRuntime inner = new CpuRuntime(new TensorPool());

        HostBacked(String type) {
            this.type = type;
        }

        @Override public String type() { return type; }
        @Override public List<Device> devices() { return List.of(new Device(type, 0), new Device(type, 1)); }
        @Override public DeviceBuffer allocate(Device device, long bytes) { return inner.allocate(Device.CPU, bytes); }
        @Override public void free(DeviceBuffer buffer) { inner.free(buffer); }
        @Override public DeviceStream stream(Device device) { return inner.stream(Device.CPU); }
        @Override public void copyHostToDevice(MemorySegment src, DeviceBuffer dst, long off, DeviceStream s) {
            inner.copyHostToDevice(src, dst, off, s);
        }
        @Override public void copyDeviceToHost(DeviceBuffer src, long off, MemorySegment dst, DeviceStream s) {
            inner.copyDeviceToHost(src, off, dst, s);
        }
        @Override public void copyDeviceToDevice(DeviceBuffer src, long so, DeviceBuffer dst, long d, long n,
                DeviceStream s) {
            inner.copyDeviceToDevice(src, so, dst, d, n, s);
        }
        @Override public void synchronize(Device device) { }
        @Override public Optional<KernelBody> primitive(Target target) { return Optional.empty(); }
        @Override public MemoryStats memory(Device device) { return inner.memory(Device.CPU); }
    }

    private static KernelProvider bringing(String name, Availability availability, DeviceRuntime... runtimes) {
        return new KernelProvider() {
            @Override public String name() { return name; }
            @Override public Availability availability() { return availability; }
            @Override public void register(ProviderContext context) {
                for (DeviceRuntime r : runtimes) {
                    context.deviceRuntime(r);
                }
            }
        };
    }

    @Test
    void aProvidersRuntimeAddsItsDevices() {
        ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
        assertEquals(List.of(Device.CPU), registry.devices().devices());
        HostBacked acme = new HostBacked("acme");
        registry.register(bringing("acme", Availability.AVAILABLE, acme));
        assertEquals(List.of(Device.CPU, new Device("acme", 0), new Device("acme", 1)), registry.devices().devices());
        assertSame(acme, registry.devices().require(new Device("acme", 1)));
        assertSame(CpuRuntime.get(), registry.devices().require(Device.CPU));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.devices().require(new Device("acme", 2)));
        assertTrue(e.getMessage().startsWith("no loaded device runtime provides device acme:2; the devices here are: "
                + "cpu, acme:0, acme:1"), e::getMessage);
        registry.unregister("acme");
        assertEquals(List.of(Device.CPU), registry.devices().devices());
    }

    @Test
    void anUnavailableProvidersDeviceDoesNotExist() {
        ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
        registry.register(bringing("gpu_less", Availability.unavailable("no driver"), new HostBacked("gpu_less")));
        assertEquals(List.of(Device.CPU), registry.devices().devices());
    }

    @Test
    void cpuIsBuiltInAndATypeHasOneRuntime() {
        ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
        ProviderRegistrationException cpu = assertThrows(ProviderRegistrationException.class,
                () -> registry.register(bringing("mine", Availability.AVAILABLE, new HostBacked("cpu"))));
        assertTrue(cpu.getMessage().contains("the cpu device runtime is built in"), cpu::getMessage);
        registry.register(bringing("first", Availability.AVAILABLE, new HostBacked("acme")));
        ProviderRegistrationException twice = assertThrows(ProviderRegistrationException.class,
                () -> registry.register(bringing("second", Availability.AVAILABLE, new HostBacked("acme"))));
        assertTrue(twice.getMessage().contains("device type acme") && twice.getMessage().contains("first"),
                twice::getMessage);
        assertThrows(ProviderRegistrationException.class, () -> registry.register(bringing("third",
                Availability.AVAILABLE, new HostBacked("Bad-Type"))));
    }
}
