package org.kernelir.runtime.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.device.DeviceCopy;
import org.kernelir.core.device.MemoryStats;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.interp.InterpreterException;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Target;
import org.kernelir.passes.PlacementPass;
import org.kernelir.passes.examples.Attention;
import org.kernelir.passes.examples.LlamaBuilder;
import org.kernelir.passes.examples.Piecewise;
import org.kernelir.runtime.KernelIr;

/**
 * The device path end to end without a GPU: the test device ({@link TestDeviceRuntime}, brought by a provider through
 * the provider SPI) runs the example models and matches the CPU bit for bit, with copies only at the graph's inputs
 * and outputs, every block back in its pool, and kernels only on the device type they were registered for.
 */
class DevicePathTest {

    private static final Device TEST = TestDeviceRuntime.DEVICE;

    private static KernelIr nativeWith(KernelProvider... providers) {
        KernelIr.Builder b = KernelIr.builder().plugins(false).classpathProviders(false)
                .priority(Priority.parse("default=native"));
        for (KernelProvider p : providers) {
            b.provider(p);
        }
        return b.build();
    }

    @Test
    void tinyOnTheTestDeviceMatchesTheCpu() {
        TestDeviceProvider provider = new TestDeviceProvider();
        try (KernelIr ir = nativeWith(provider)) {
            Graph lowered = ir.lower(LlamaBuilder.tiny().build()).graph();
            assertSameOnBoth(ir, provider.runtime, lowered, 7);
        }
    }

    /**
     * llama-70b-shaped as the examples cut it (80 layers, grouped-query attention cut out as opaque kernels: 81
     * pieces), with narrow widths: the real widths need hundreds of GB of weights. Every piece runs on the device.
     */
    @Test
    void llama70bShapedPiecesOnTheTestDeviceMatchTheCpu() {
        Graph model = LlamaBuilder.llama70bShaped().hidden(64).heads(8).kvHeads(2).headSize(8).intermediate(96)
                .vocab(64).attention(LlamaBuilder.AttentionStyle.OPAQUE).build();
        List<Graph> pieces = Piecewise.split(model, Attention.KERNEL.target()).pieces();
        assertEquals(81, pieces.size());
        TestDeviceProvider provider = new TestDeviceProvider();
        try (KernelIr ir = nativeWith(provider)) {
            long seed = 1;
            for (Graph piece : pieces) {
                assertSameOnBoth(ir, provider.runtime, ir.lower(piece).graph(), seed++);
            }
        }
    }

    private static void assertSameOnBoth(KernelIr ir, TestDeviceRuntime runtime, Graph lowered, long seed) {
        List<CpuTensor> inputs = randomInputs(lowered, seed);
        List<CpuTensor> onCpu = ir.run(lowered, inputs, Device.CPU);

        Graph placed = PlacementPass.place(lowered, TEST, ir.devices(), ir.passManager().config().catalog());
        // Copies only at the boundary: one per graph input some node reads, one per output.
        List<Node> copies = placed.nodes().stream().filter(n -> n.calls(DeviceCopy.TARGET)).toList();
        long toDevice = copies.stream().filter(n -> n.arg(1).equals(TEST.toString())).count();
        long toHost = copies.stream().filter(n -> n.arg(1).equals("cpu")).count();
        Set<Node> usedInputs = new HashSet<>();
        for (Node n : lowered.calls()) {
            for (Node in : Graph.inputNodes(n)) {
                if (!in.isCall()) {
                    usedInputs.add(in);
                }
            }
        }
        assertEquals(usedInputs.size(), toDevice, "copies to the device in " + lowered.name());
        assertEquals(lowered.outputs().stream().filter(o -> o instanceof Node n && n.isCall()).count(), toHost);
        for (Node c : copies) {
            Node from = (Node) c.arg(0);
            assertTrue(c.arg(1).equals("cpu") ? lowered.outputs().stream().anyMatch(o -> o instanceof Node n
                    && n.name().equals(from.name())) : from.kind() == Node.Kind.PLACEHOLDER, c::toString);
        }
        for (Node n : placed.calls()) {
            if (!n.calls(DeviceCopy.TARGET) || n.arg(1).equals(TEST.toString())) {
                assertEquals(TEST, ((TensorMeta) (n.meta() instanceof TensorMeta m ? m
                        : ((org.kernelir.core.meta.TupleMeta) n.meta()).get(0))).device(), n::toString);
            }
        }

        long h2d = runtime.hostToDevice.get();
        long d2h = runtime.deviceToHost.get();
        List<CpuTensor> onDevice = ir.run(lowered, inputs, TEST);
        assertEquals(toDevice, runtime.hostToDevice.get() - h2d, "host-to-device transfers");
        assertEquals(toHost, runtime.deviceToHost.get() - d2h, "device-to-host transfers");
        assertEquals(0, runtime.deviceToDevice.get());

        assertEquals(onCpu.size(), onDevice.size());
        for (int i = 0; i < onCpu.size(); i++) {
            assertArrayEquals(onCpu.get(i).sizes(), onDevice.get(i).sizes());
            assertArrayEquals(onCpu.get(i).toDoubleArray(), onDevice.get(i).toDoubleArray(), 0.0,
                    "output " + i + " of " + lowered.name());
        }
        MemoryStats m = runtime.memory(TEST);
        assertEquals(0, m.lentBlocks(), () -> "blocks not back in the test device's pool: " + m);
        assertTrue(m.hits() + m.misses() > 0);
        assertTrue(runtime.primitivesRun.size() > 3, runtime.primitivesRun::toString);
    }

    static List<CpuTensor> randomInputs(Graph g, long seed) {
        Random r = new Random(seed);
        List<CpuTensor> out = new ArrayList<>();
        Map<String, Long> symbols = Map.of("s0", 5L);
        for (Node p : g.placeholders()) {
            TensorMeta m = (TensorMeta) p.meta();
            long[] shape = m.shape().stream().mapToLong(d -> d.evaluate(symbols)).toArray();
            int n = (int) m.shape().stream().mapToLong(d -> d.evaluate(symbols)).reduce(1, (a, b) -> a * b);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = m.dtype().isFloatingPoint() ? r.nextGaussian() * 0.5 : r.nextInt(32);
            }
            out.add(CpuTensor.of(m.dtype(), v, shape));
        }
        return out;
    }

    // ---- kernels per device ------------------------------------------------------------------------------------

    /** A provider whose kernel op {@code cpuonly::twice} runs on the CPU only. */
    static final class CpuOnly implements KernelProvider {
        final java.util.concurrent.atomic.AtomicLong runs = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public String name() {
            return "cpuonly";
        }

        @Override
        public void register(ProviderContext context) {
            context.kernel(KernelDef.pure(Target.of("cpuonly", "twice"), TestDeviceProvider.unary(),
                    a -> ((TensorMeta) a.get(0)).contiguous(), args -> {
                        CpuTensor t = (CpuTensor) args.get(0);
                        runs.incrementAndGet();
                        return t.add(t);
                    }));
        }
    }

    private static Graph twiceTwice() {
        TensorMeta m = TensorMeta.of(DType.F32, 3, 4);
        Graph.Builder b = Graph.builder("twice_twice");
        Node x = b.placeholder("x", m);
        Node a = b.call("a", Target.of("cpuonly", "twice"), List.of(x), m);
        Node c = b.call("c", TestDeviceProvider.TWICE, List.of(a), m);
        Node d = b.call("d", Prims.MUL.target(), List.of(c, c), m);
        return b.output(List.of(d));
    }

    @Test
    void eachKernelRunsOnItsOwnDeviceTypeWithCopiesAtTheBoundaries() {
        TestDeviceProvider test = new TestDeviceProvider();
        CpuOnly cpu = new CpuOnly();
        try (KernelIr ir = nativeWith(test, cpu)) {
            CpuTensor x = CpuTensor.of(new float[] {1, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4);
            for (Device on : List.of(TEST, Device.CPU)) {
                Graph placed = PlacementPass.place(twiceTwice(), on, ir.devices(), ir.passManager().config().catalog());
                assertEquals(Device.CPU, ((TensorMeta) placed.node("a").meta()).device());
                assertEquals(TEST, ((TensorMeta) placed.node("c").meta()).device());
                assertEquals(on, ((TensorMeta) placed.node("d").meta()).device(), placed::toString);
                // a -> test (before c), and back to the host for the output when d runs on the device
                assertEquals(2, placed.nodes().stream().filter(n -> n.calls(DeviceCopy.TARGET))
                        .count(), placed::toString);
                List<CpuTensor> y = ir.run(twiceTwice(), List.of(x), on);
                float[] got = y.getFirst().toFloatArray();
                for (int i = 0; i < 12; i++) {
                    float v = 4 * x.toFloatArray()[i];
                    assertEquals(v * v, got[i]);
                }
            }
            assertEquals(2, cpu.runs.get());
            assertEquals(2, test.twiceRuns.get());
            assertEquals(0, test.runtime.memory(TEST).lentBlocks());
        }
    }

    @Test
    void aKernelOfOneDeviceIsNeverRunOnAnother() {
        TestDeviceProvider test = new TestDeviceProvider();
        CpuOnly cpu = new CpuOnly();
        try (KernelIr ir = nativeWith(test, cpu)) {
            // A graph that claims to run the cpu kernel on test:0 (its metadata says so) is refused at that node.
            TensorMeta onTest = new TensorMeta(DType.F32, List.of(Dim.of(2)), List.of(Dim.ONE), TEST);
            Graph.Builder b = Graph.builder("forced");
            Node x = b.placeholder("x", TensorMeta.of(DType.F32, 2));
            Node moved = b.call("moved", DeviceCopy.TARGET, List.of(x, "test:0"), onTest);
            Node a = b.call("a", Target.of("cpuonly", "twice"), List.of(moved), onTest);
            Node back = b.call("back", DeviceCopy.TARGET, List.of(a, "cpu"), TensorMeta.of(DType.F32, 2));
            Graph forced = b.output(List.of(back));
            Interpreter interp = new Interpreter(ir.passManager().config().catalog(), ir.devices());
            InterpreterException e = assertThrows(InterpreterException.class,
                    () -> interp.run(forced, List.of(CpuTensor.of(new float[] {1, 2}, 2))));
            assertTrue(e.getMessage().contains("node a") && e.getMessage().contains("cpuonly::twice runs on cpu "
                    + "devices, not on test"), e::getMessage);
            assertEquals(0, cpu.runs.get());
            assertEquals(0, test.runtime.memory(TEST).lentBlocks(), "a failed run gives its blocks back");
        }
    }

    @Test
    void anUnknownDeviceIsRefusedListingTheDevicesThereAre() {
        try (KernelIr ir = nativeWith(new TestDeviceProvider())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ir.run(twiceTwice(),
                    List.of(CpuTensor.zeros(DType.F32, 3, 4)), Device.cuda(0)));
            assertEquals("no loaded device runtime provides device cuda:0; the devices here are: cpu, test:0 (a device "
                    + "of another type needs a provider that brings its runtime, e.g. providers-cuda for cuda)",
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ir.devices().require(new Device("test", 1)));
        }
        try (KernelIr ir = nativeWith()) {
            assertEquals(List.of(Device.CPU), ir.devices().devices());
        }
    }

    @Test
    void aPooledRunOfAPlacedGraphGivesBothPoolsTheirBlocksBack() {
        TestDeviceProvider provider = new TestDeviceProvider();
        try (KernelIr ir = nativeWith(provider); org.kernelir.core.cpu.TensorPool pool =
                new org.kernelir.core.cpu.TensorPool()) {
            Graph lowered = ir.lower(LlamaBuilder.tiny().build()).graph();
            List<CpuTensor> inputs = randomInputs(lowered, 11);
            List<CpuTensor> expected = ir.run(lowered, inputs);
            Graph placed = PlacementPass.place(lowered, TEST, ir.devices(), ir.passManager().config().catalog());
            Interpreter interp = new Interpreter(ir.passManager().config().catalog(), ir.devices());
            for (int run = 0; run < 2; run++) {
                try (org.kernelir.core.interp.RunResult r = interp.run(placed, inputs, pool)) {
                    assertArrayEquals(expected.getFirst().toDoubleArray(), r.get(0).toDoubleArray(), 0.0);
                    assertEquals(0, provider.runtime.memory(TEST).lentBlocks());
                }
                assertEquals(0, pool.stats().lentBlocks(), pool::toString);
            }
            assertTrue(provider.runtime.memory(TEST).hits() > 0, "the second run reuses the device's blocks");
        }
    }

    @Test
    void onTheCpuAGraphOfCpuKernelsIsLeftAsItIs() {
        try (KernelIr ir = nativeWith(new TestDeviceProvider())) {
            Graph lowered = ir.lower(LlamaBuilder.tiny().build()).graph();
            assertSame(lowered, PlacementPass.place(lowered, Device.CPU, ir.devices(),
                    ir.passManager().config().catalog()));
            assertNotNull(lowered);
        }
    }
}
