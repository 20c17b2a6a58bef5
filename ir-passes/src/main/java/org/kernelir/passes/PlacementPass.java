package org.kernelir.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kernelir.core.device.DeviceCopy;
import org.kernelir.core.device.DeviceRuntime;
import org.kernelir.core.device.DeviceRuntimes;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Prims;

/**
 * Places every node of a lowered graph on a device and inserts a {@code device::copy} node wherever a value is
 * used on another device than the one it lives on, and only there. It runs after lowering (the lowered graph and
 * its cache entries stay device-free) and before execution.
 *
 * <p>Rules, for a run on device {@code D}:
 * <ul>
 *   <li>graph inputs are on the CPU (the caller's host tensors) and outputs are copied back to the CPU;</li>
 *   <li>a primitive runs on {@code D} when {@code D}'s runtime has a body for it, else on the CPU;</li>
 *   <li>a kernel op runs on the device type it declares: on {@code D} when that is {@code D}'s type, else on the
 *       first device of its type (a kernel registered for one device type never runs on another);</li>
 *   <li>an op without a device of its own (an IR op dispatched eagerly on {@code Tensor}s) runs on the CPU;</li>
 *   <li>{@code getitem} follows its tuple.</li>
 * </ul>
 * Every node's metadata is rewritten to name its device; a value is copied to a device at most once. On the CPU,
 * a graph of CPU kernels comes back unchanged (the same object).
 */
public final class PlacementPass {

    private PlacementPass() {
    }

    /**
     * {@code graph} placed on {@code device}.
     *
     * @param catalog what the graph's targets mean (primitives are always known)
     * @throws IllegalArgumentException naming the device and listing the devices there are, when no runtime
     *                                  provides {@code device} or a kernel's device type
     */
    public static Graph place(Graph graph, Device device, DeviceRuntimes devices, KernelCatalog catalog) {
        Objects.requireNonNull(device, "device");
        DeviceRuntime target = devices.require(device);
        KernelCatalog all = KernelCatalog.chain(KernelCatalog.of(Prims.all()), catalog);
        Map<Node, Device> placed = new IdentityHashMap<>();
        Map<Node, Map<Device, Node>> copies = new IdentityHashMap<>();
        boolean[] changed = {false};
        Graph result = GraphRewrite.transform(graph, new GraphRewrite.CallEdit() {
            @Override
            public void apply(GraphRewrite rw, Node n) {
                Device on = n.calls(Prims.GETITEM.target()) ? placed.getOrDefault((Node) n.arg(0), Device.CPU)
                        : deviceFor(all.require(n.target()), device, target, devices, n);
                List<Object> args = new ArrayList<>(n.args().size());
                for (Object a : n.args()) {
                    args.add(moved(rw, a, on));
                }
                NodeMeta meta = onDevice(n.meta(), on);
                changed[0] |= meta != n.meta();
                Node copy = rw.call(n.name(), n.target(), args, meta);
                rw.replace(n, copy);
                placed.put(copy, on);
            }

            /** {@code a} mapped into the new graph, with a copy to {@code on} for a value living elsewhere. */
            private Object moved(GraphRewrite rw, Object a, Device on) {
                return switch (a) {
                    case Node old -> {
                        Node v = rw.mapped(old);
                        Device at = placed.getOrDefault(v, Device.CPU);
                        if (at.equals(on)) {
                            yield v;
                        }
                        changed[0] = true;
                        yield copies.computeIfAbsent(v, k -> new HashMap<>()).computeIfAbsent(on, d -> {
                            Node c = rw.call(rw.freshName(v.name() + "_to_" + d.type() + d.index()),
                                    DeviceCopy.TARGET, List.of(v, d.toString()), DeviceCopy.KERNEL.meta().infer(
                                            List.of(v.meta(), d.toString())));
                            placed.put(c, d);
                            return c;
                        });
                    }
                    case List<?> l -> {
                        List<Object> out = new ArrayList<>(l.size());
                        for (Object x : l) {
                            out.add(moved(rw, x, on));
                        }
                        yield java.util.Collections.unmodifiableList(out);
                    }
                    case null, default -> a;
                };
            }
        }, (rw, outputNode) -> {
            List<Object> results = new ArrayList<>();
            for (Object a : outputNode.args()) {
                results.add(a instanceof Node old ? movedToHost(rw, old, placed, copies, changed) : rw.map(a));
            }
            return rw.output(results);
        });
        return changed[0] ? result : graph;
    }

    private static Object movedToHost(GraphRewrite rw, Node old, Map<Node, Device> placed,
            Map<Node, Map<Device, Node>> copies, boolean[] changed) {
        Node v = rw.mapped(old);
        if (placed.getOrDefault(v, Device.CPU).isCpu()) {
            return v;
        }
        changed[0] = true;
        return copies.computeIfAbsent(v, k -> new HashMap<>()).computeIfAbsent(Device.CPU, d -> rw.call(
                rw.freshName(v.name() + "_to_cpu"), DeviceCopy.TARGET, List.of(v, d.toString()),
                DeviceCopy.KERNEL.meta().infer(List.of(v.meta(), d.toString()))));
    }

    /** The device a call of {@code k} runs on in a run on {@code device}. */
    private static Device deviceFor(KernelDef k, Device device, DeviceRuntime target, DeviceRuntimes devices,
            Node n) {
        if (k.target().equals(DeviceCopy.TARGET)) {
            throw new IllegalArgumentException("node " + n.name() + " is a device copy: the graph is already placed");
        }
        if (k.body() == null) {
            return target.primitive(k.target()).isPresent() ? device : Device.CPU;
        }
        if (k.device() == null) {
            return Device.CPU;
        }
        if (k.device().equals(device.type())) {
            return device;
        }
        DeviceRuntime own = devices.find(k.device()).orElseThrow(() -> new IllegalArgumentException("node " + n.name()
                + " calls " + k.target() + ", which runs on " + k.device() + " devices, but no loaded device runtime "
                + "provides one; the devices here are: " + devices.devices()));
        if (own.devices().isEmpty()) {
            throw new IllegalArgumentException("node " + n.name() + " calls " + k.target() + ", which runs on "
                    + k.device() + " devices, but there is none here; the devices here are: " + devices.devices());
        }
        return own.devices().getFirst();
    }

    /** {@code meta} naming {@code device} (the same object when it already does). */
    static NodeMeta onDevice(NodeMeta meta, Device device) {
        return switch (meta) {
            case TensorMeta m when m.device().equals(device) -> m;
            case TensorMeta m -> new TensorMeta(m.dtype(), m.shape(), m.strides(), device);
            case TupleMeta t -> {
                List<TensorMeta> el = new ArrayList<>(t.size());
                boolean same = true;
                for (TensorMeta m : t.elements()) {
                    TensorMeta p = (TensorMeta) onDevice(m, device);
                    same &= p == m;
                    el.add(p);
                }
                yield same ? t : new TupleMeta(el);
            }
            case null, default -> meta;
        };
    }
}
