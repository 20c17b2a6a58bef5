package org.kernelir.core.interp;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.device.DeviceTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Prims;

/**
 * Checks what a kernel returned against the metadata its node declares (invariant 9): dtype, every size (symbols
 * evaluated) and device. A kernel that lies is named with its provider, op and node at the node that ran it,
 * before anything downstream reads a wrong value. It costs a few comparisons per output; strides are not checked
 * (a kernel may return a view with other strides than its meta function predicted).
 */
final class OutputCheck {

    private OutputCheck() {
    }

    static void check(Graph graph, Node n, Object result, Map<String, Long> symbols, Device device) {
        NodeMeta declared = n.meta();
        switch (declared) {
            case TensorMeta m -> checkOne(graph, n, -1, m, result, symbols, device);
            case TupleMeta t -> {
                if (!(result instanceof List<?> list) || list.size() != t.size()) {
                    throw mismatch(graph, n, "returned " + describe(result) + " where its metadata declares a tuple of "
                            + t.size() + " tensors " + t);
                }
                for (int i = 0; i < t.size(); i++) {
                    checkOne(graph, n, i, t.get(i), list.get(i), symbols, device);
                }
            }
            case null, default -> {
                // no declared metadata: nothing to hold the kernel to
            }
        }
    }

    private static void checkOne(Graph graph, Node n, int element, TensorMeta m, Object value,
            Map<String, Long> symbols, Device device) {
        DType dtype;
        Device actualDevice;
        long[] sizes;
        switch (value) {
            case null -> {
                return; // an absent optional output
            }
            case CpuTensor t -> {
                dtype = t.dtype();
                actualDevice = Device.CPU;
                if (dtype == m.dtype() && t.sizes().length == m.rank() && sameSizes(t, m, symbols)
                        && m.device().equals(device)) {
                    return; // the common case, without building a description
                }
                sizes = t.sizes();
            }
            case DeviceTensor t -> {
                dtype = t.dtype();
                actualDevice = t.buffer().device();
                sizes = t.sizes();
            }
            default -> throw mismatch(graph, n, (element < 0 ? "" : "output " + element + ": ") + "returned "
                    + describe(value) + " where its metadata declares the tensor " + m);
        }
        String what = element < 0 ? "" : "output " + element + " ";
        if (dtype != m.dtype()) {
            throw mismatch(graph, n, what + "has dtype " + dtype.id() + " but its metadata declares " + m.dtype().id()
                    + " (" + m + ")");
        }
        if (sizes.length != m.rank() || !sameSizes(sizes, m, symbols)) {
            throw mismatch(graph, n, what + "has shape " + Arrays.toString(sizes) + " but its metadata declares "
                    + m.shape() + (symbols.isEmpty() ? "" : " with " + symbols));
        }
        if (!actualDevice.equals(device) || !m.device().equals(device)) {
            throw mismatch(graph, n, what + "is on " + actualDevice + " but the node is placed on " + device
                    + " (metadata " + m + ")");
        }
    }

    private static boolean sameSizes(CpuTensor t, TensorMeta m, Map<String, Long> symbols) {
        List<Dim> shape = m.shape();
        for (int d = 0; d < shape.size(); d++) {
            Dim dim = shape.get(d);
            long expected = dim.isConstant() ? dim.constant() : evaluate(dim, symbols, t.sizeAt(d));
            if (expected != t.sizeAt(d)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameSizes(long[] sizes, TensorMeta m, Map<String, Long> symbols) {
        List<Dim> shape = m.shape();
        for (int d = 0; d < shape.size(); d++) {
            Dim dim = shape.get(d);
            long expected = dim.isConstant() ? dim.constant() : evaluate(dim, symbols, sizes[d]);
            if (expected != sizes[d]) {
                return false;
            }
        }
        return true;
    }

    /** The dimension's value; a symbol no input binds (none does today) accepts whatever the kernel returned. */
    private static long evaluate(Dim dim, Map<String, Long> symbols, long actual) {
        for (String s : dim.symbols()) {
            if (!symbols.containsKey(s)) {
                return actual;
            }
        }
        return dim.evaluate(symbols);
    }

    private static String describe(Object v) {
        return switch (v) {
            case null -> "None";
            case CpuTensor t -> t.meta().toString();
            case DeviceTensor t -> t.meta().toString();
            case List<?> l -> "a list of " + l.size();
            default -> "a " + v.getClass().getSimpleName();
        };
    }

    private static InterpreterException mismatch(Graph graph, Node n, String problem) {
        String ns = n.target().namespace();
        String who = switch (ns) {
            case Prims.NAMESPACE -> "primitive " + n.target() + " (a device runtime's own body)";
            case "ir" -> "IR op " + n.target() + " (dispatched eagerly)";
            default -> "kernel op " + n.target() + " of provider " + ns;
        };
        return new InterpreterException("node " + n.name() + " of graph " + graph.name() + ": " + who + " " + problem
                + "; the kernel's output contradicts the metadata it declared, so its result is not used"
                + (ns.equals(Prims.NAMESPACE) || ns.equals("ir") ? "" : ": fix provider " + ns + "'s kernel or "
                + "its meta function, or lower without it (--priority OP=native)"), null);
    }
}
