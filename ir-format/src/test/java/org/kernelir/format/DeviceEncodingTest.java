package org.kernelir.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Target;

/** Devices are an open set (type and index); graphs written before that stay readable, byte for byte. */
class DeviceEncodingTest {

    /** x (cpu), y (cuda:3), z = x + x: the graph whose bytes and JSON the closed-enum code wrote. */
    private static Graph written(Device yDevice) {
        Graph.Builder b = Graph.builder("devices");
        Node x = b.placeholder("x", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(4))));
        Node y = b.placeholder("y", new TensorMeta(DType.BF16, List.of(Dim.of(4)), List.of(Dim.ONE), yDevice));
        Node z = b.call("z", Target.parse("prim::add"), List.of(x, x),
                TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(4))));
        return b.output(List.of(z, y));
    }

    /** What GraphBinary.write gave for {@code written(cuda:3)} when Device was a closed enum (commit ab52757). */
    private static final String OLD_BYTES = "S0lSRwEOZGV2aWNlcwQCeAAACwZmMzICCARzMA0EAAAAAAAAAA0EAAAAAAAAAA0BAAAAAAAAAAAAAnkAAA"
            + "sIYmYxNgENBAAAAAAAAAANAQAAAAAAAAABAwJ6ARJwcmltOjphZGQCAQABAAsGZjMyAggEczANBAAAAAAAAAANBAAAAAAAAAANAQAAAAAAAAAA"
            + "AAxvdXRwdXQCAgECAQEA";

    /** Its JSON then. */
    private static final String OLD_JSON = """
            {"format": "kernel-ir.graph", "version": 1, "name": "devices", "nodes": [
              {"name": "x", "op": "placeholder", "meta": {"dtype": "f32", "shape": ["s0", 4], "device": "cpu"}},
              {"name": "y", "op": "placeholder", "meta": {"dtype": "bf16", "shape": [4], "device": "cuda:3"}},
              {"name": "z", "op": "call", "target": "prim::add", "args": [{"node": "x"}, {"node": "x"}],
               "meta": {"dtype": "f32", "shape": ["s0", 4], "device": "cpu"}},
              {"name": "output", "op": "output", "args": [{"node": "z"}, {"node": "y"}]}]}
            """;

    @Test
    void cpuAndCudaKeepTheirBytesAndOldFilesRead() {
        byte[] old = Base64.getDecoder().decode(OLD_BYTES);
        Graph g = written(Device.cuda(3));
        assertArrayEquals(old, GraphBinary.write(g), "cpu and cuda devices are written as before");
        assertEquals(g, GraphBinary.read(old));
        assertEquals(g, GraphJson.read(OLD_JSON));
    }

    @Test
    void aProvidersDeviceRoundTripsInBothFormats() {
        for (Device d : List.of(new Device("test", 0), new Device("acme_npu", 7), Device.cuda(0), Device.CPU)) {
            Graph g = written(d);
            assertEquals(g, GraphBinary.read(GraphBinary.write(g)), d::toString);
            assertEquals(g, GraphBinary.read(GraphBinary.write(g, written(Device.CPU)), written(Device.CPU)));
            String json = GraphJson.write(g);
            assertEquals(g, GraphJson.read(json), json);
            assertTrue(json.contains("\"device\": \"" + d + "\""), json);
        }
    }

    @Test
    void aBadDeviceInJsonIsNamedWithItsPlace() {
        String bad = OLD_JSON.replace("cuda:3", "Cuda:x");
        Exception e = assertThrows(RuntimeException.class, () -> GraphJson.read(bad));
        assertTrue(e.getMessage().contains("Cuda:x"), e::getMessage);
    }

    @Test
    void devicesParseAndPrint() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.CPU, Device.parse("cpu:0"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(12), Device.parse("cuda:12"));
        assertEquals(new Device("test", 0), Device.parse("test:0"));
        assertEquals("test:0", new Device("test", 0).toString());
        assertEquals("cpu", Device.CPU.toString());
        for (String bad : List.of("cpu:1", "cuda:", "cuda:-1", "CUDA:0", "cuda:0x", "", ":0", "cuda:99999999999")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
            assertTrue(e.getMessage().contains("expected cpu, TYPE or TYPE:N"), e::getMessage);
        }
        assertThrows(IllegalArgumentException.class, () -> new Device("cpu", 1));
        assertThrows(IllegalArgumentException.class, () -> new Device("Bad", 0));
    }
}
