package org.kernelir.core.interp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kernelir.core.cpu.AllocationScope;
import org.kernelir.core.cpu.CpuPrims;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.device.DeviceBuffer;
import org.kernelir.core.device.DeviceCopy;
import org.kernelir.core.device.DeviceRuntimes;
import org.kernelir.core.device.DeviceTensor;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.KernelCatalog;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Prims;

/**
 * Runs a {@link Graph} node by node, in graph order: on CPU tensors, and on the devices its nodes' metadata name
 * when the interpreter has their {@link DeviceRuntimes} (a graph placed by the placement pass). Inputs and outputs
 * are CPU tensors; {@code device::copy} nodes move values between devices.
 *
 * <p>Every kernel's result is checked against the metadata its node declares (dtype, sizes, device): a mismatch
 * fails at that node, naming the provider, the op and the node. A node placed on a device runs only with a body of
 * that device's runtime: a kernel registered for one device type never runs on another.
 *
 * <p><b>Memory per device.</b> CPU memory is pooled in {@link #run(Graph, List, TensorPool)}; device memory comes
 * from each device's runtime, and a device buffer goes back to its runtime's pool right after the last node that
 * uses it (or a view of it), also when the run fails.
 *
 * <p>Symbolic dimensions are bound from the inputs: a placeholder dimension that is a plain symbol takes the
 * input's size; every other dimension (such as {@code 2*s0}) must then evaluate to the input's size, whichever
 * input bound its symbols. Two inputs that disagree on a symbol are an error naming both, and so is a symbol that
 * no input has as a whole dimension.
 */
public final class Interpreter {

    private final KernelCatalog catalog;
    private final DeviceRuntimes devices;

    /** An interpreter that resolves targets through {@code catalog} (primitives are always known), on the CPU. */
    public Interpreter(KernelCatalog catalog) {
        this(catalog, null);
    }

    /**
     * An interpreter that resolves targets through {@code catalog} and runs nodes placed on other devices than the
     * CPU through {@code devices}.
     *
     * @param devices the device runtimes; {@code null} runs CPU graphs only
     */
    public Interpreter(KernelCatalog catalog, DeviceRuntimes devices) {
        this.catalog = KernelCatalog.chain(KernelCatalog.of(Prims.all()), KernelCatalog.of(
                Map.of(DeviceCopy.TARGET, DeviceCopy.KERNEL)), catalog);
        this.devices = devices;
    }

    /** An interpreter that knows only the primitives. */
    public static Interpreter primitivesOnly() {
        return new Interpreter(t -> java.util.Optional.empty());
    }

    /**
     * Runs {@code graph}.
     *
     * @param inputs one tensor per placeholder, in order
     * @return the graph's outputs, in order ({@code null} for absent outputs)
     * @throws IllegalArgumentException for inputs that do not fit the placeholders, naming the input
     * @throws InterpreterException     when a node fails, naming the node and its target
     */
    public List<CpuTensor> run(Graph graph, List<CpuTensor> inputs) {
        List<Node> placeholders = graph.placeholders();
        if (inputs.size() != placeholders.size()) {
            throw new IllegalArgumentException("graph " + graph.name() + " takes " + placeholders.size() + " inputs "
                    + placeholders.stream().map(Node::name).toList() + ", got " + inputs.size());
        }
        Map<String, Long> symbols = bindSymbols(placeholders, inputs);
        if (onDevices(graph)) {
            return runPooled(graph, inputs, symbols, liveness(graph), null).outputs();
        }
        Map<Node, Object> values = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(placeholders.get(i), inputs.get(i));
        }
        for (Node n : graph.nodes()) {
            if (!n.isCall()) {
                continue;
            }
            try {
                values.put(n, evaluate(graph, n, values, symbols, null));
            } catch (InterpreterException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InterpreterException("node " + n.name() + " (" + n.target() + ") of graph " + graph.name()
                        + " failed: " + e.getMessage(), e);
            }
        }
        List<CpuTensor> out = new ArrayList<>();
        for (Object o : graph.outputs()) {
            out.add(o == null ? null : hostOutput(graph, (Node) o, values.get((Node) o)));
        }
        return out;
    }

    private static CpuTensor hostOutput(Graph graph, Node n, Object v) {
        if (v instanceof CpuTensor t) {
            return t;
        }
        throw new InterpreterException("output " + n.name() + " of graph " + graph.name() + " is " + v + ", not a CPU "
                + "tensor; place the graph (PlacementPass) so that its outputs are copied back to the cpu", null);
    }

    /**
     * Runs {@code graph} with pooled memory: tensors the kernels allocate take blocks of {@code pool}, an
     * intermediate's block goes back to the pool after the last node that uses it (or a view of it), and the
     * outputs' blocks go back when the returned result is closed. A second run after the first result is closed
     * allocates nothing new when the shapes are the same.
     *
     * <p>Graph inputs are never released; a block is released only when no live value and no output uses it.
     * Memory that kernels allocate and drop within one node is released right after that node.
     *
     * @param inputs one tensor per placeholder, in order
     * @param pool   where the run's memory comes from
     * @return the outputs, to be closed (see {@link RunResult} for what happens to outputs after that)
     * @throws IllegalArgumentException for inputs that do not fit the placeholders, naming the input
     * @throws InterpreterException     when a node fails, naming the node and its target; every block of the run
     *                                  has been released then
     */
    public RunResult run(Graph graph, List<CpuTensor> inputs, TensorPool pool) {
        Objects.requireNonNull(pool, "pool");
        List<Node> placeholders = graph.placeholders();
        if (inputs.size() != placeholders.size()) {
            throw new IllegalArgumentException("graph " + graph.name() + " takes " + placeholders.size() + " inputs "
                    + placeholders.stream().map(Node::name).toList() + ", got " + inputs.size());
        }
        Map<String, Long> symbols = bindSymbols(placeholders, inputs);
        Liveness live = liveness(graph);
        AllocationScope scope = new AllocationScope(pool);
        try {
            return scope.call(() -> runPooled(graph, inputs, symbols, live, scope));
        } catch (RuntimeException e) {
            scope.unreleased().forEach(scope::release);
            throw e;
        }
    }

    /**
     * The pooled loop; with {@code scope == null} CPU memory is not pooled (device memory always is). Device
     * buffers are counted per live value holding them and freed through their runtime when the count drops to 0;
     * if the run fails, every device buffer it holds is freed before the exception leaves.
     */
    private RunResult runPooled(Graph graph, List<CpuTensor> inputs, Map<String, Long> symbols, Liveness live,
            AllocationScope scope) {
        DeviceMemory deviceMemory = live.onDevices() ? new DeviceMemory() : null;
        try {
            return runPooled(graph, inputs, symbols, live, scope, deviceMemory);
        } catch (RuntimeException e) {
            if (deviceMemory != null) {
                deviceMemory.freeAll();
            }
            throw e;
        }
    }

    private RunResult runPooled(Graph graph, List<CpuTensor> inputs, Map<String, Long> symbols, Liveness live,
            AllocationScope scope, DeviceMemory deviceMemory) {
        List<Node> nodes = graph.nodes();
        Map<Node, Object> values = new IdentityHashMap<>();
        List<Node> placeholders = graph.placeholders();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(placeholders.get(i), inputs.get(i));
        }
        // How many live values hold each lease (a value counts once per tensor it holds).
        Map<AllocationScope.Lease, int[]> holders = new IdentityHashMap<>();
        Map<Node, List<AllocationScope.Lease>> held = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!n.isCall()) {
                continue;
            }
            int mark = scope == null ? 0 : scope.mark();
            Object v;
            try {
                v = evaluate(graph, n, values, symbols, live.deviceAt(i));
            } catch (InterpreterException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InterpreterException("node " + n.name() + " (" + n.target() + ") of graph " + graph.name()
                        + " failed: " + e.getMessage(), e);
            }
            values.put(n, v);
            if (deviceMemory != null) {
                deviceMemory.hold(n, v);
            }
            if (scope != null) {
                List<AllocationScope.Lease> leases = leasesOf(v, scope);
                for (AllocationScope.Lease l : leases) {
                    holders.computeIfAbsent(l, k -> new int[1])[0]++;
                }
                held.put(n, leases);
                // Memory the node allocated but does not hold (kernel temporaries) is free again.
                for (AllocationScope.Lease l : scope.leasesSince(mark)) {
                    if (!l.released() && !holders.containsKey(l)) {
                        scope.release(l);
                    }
                }
            }
            for (Node dead : live.dyingAt(i)) {
                values.remove(dead);
                if (deviceMemory != null) {
                    deviceMemory.drop(dead);
                }
                if (scope == null) {
                    continue;
                }
                for (AllocationScope.Lease l : held.remove(dead)) {
                    if (--holders.get(l)[0] == 0) {
                        holders.remove(l);
                        scope.release(l);
                    }
                }
            }
        }
        List<CpuTensor> out = new ArrayList<>();
        List<java.lang.foreign.MemorySegment> blocks = new ArrayList<>();
        for (Object o : graph.outputs()) {
            CpuTensor t = o == null ? null : hostOutput(graph, (Node) o, values.get((Node) o));
            out.add(t);
            AllocationScope.Lease l = t == null || scope == null ? null : scope.leaseOf(t);
            if (l != null) {
                scope.detach(l); // now the result's; a second output on the same block finds it detached
                blocks.add(l.segment());
            }
        }
        if (scope == null) {
            return new RunResult(graph.name(), out, blocks, null);
        }
        scope.unreleased().forEach(scope::release);
        return new RunResult(graph.name(), out, blocks, scope.pool());
    }

    /** Device buffers held by live values, counted per value, freed through their runtime at count 0. */
    private final class DeviceMemory {
        private final Map<DeviceBuffer, int[]> holders = new IdentityHashMap<>();
        private final Map<Node, List<DeviceBuffer>> held = new IdentityHashMap<>();

        void hold(Node n, Object v) {
            List<DeviceBuffer> bufs = new ArrayList<>(1);
            buffersOf(v, bufs);
            if (bufs.isEmpty()) {
                return;
            }
            for (DeviceBuffer b : bufs) {
                holders.computeIfAbsent(b, k -> new int[1])[0]++;
            }
            held.put(n, bufs);
        }

        void drop(Node n) {
            List<DeviceBuffer> bufs = held.remove(n);
            if (bufs == null) {
                return;
            }
            for (DeviceBuffer b : bufs) {
                int[] c = holders.get(b);
                if (--c[0] == 0) {
                    holders.remove(b);
                    devices.runtime(b.device()).free(b);
                }
            }
        }

        void freeAll() {
            for (DeviceBuffer b : holders.keySet()) {
                devices.runtime(b.device()).free(b);
            }
            holders.clear();
            held.clear();
        }

        private static void buffersOf(Object v, List<DeviceBuffer> out) {
            if (v instanceof DeviceTensor t) {
                out.add(t.buffer());
            } else if (v instanceof List<?> l) {
                for (Object o : l) {
                    buffersOf(o, out);
                }
            }
        }
    }

    /** The unreleased leases holding the tensors of a node's value. */
    private static List<AllocationScope.Lease> leasesOf(Object value, AllocationScope scope) {
        List<AllocationScope.Lease> out = new ArrayList<>(1);
        if (value instanceof CpuTensor t) {
            AllocationScope.Lease l = scope.leaseOf(t);
            if (l != null) {
                out.add(l);
            }
        } else if (value instanceof List<?> list) {
            for (Object o : list) {
                out.addAll(leasesOf(o, scope));
            }
        }
        return out;
    }

    /**
     * For each node position, the call nodes whose value is dead after it (neither used later nor an output), and
     * the device each call node runs on (from its metadata).
     */
    private record Liveness(Graph graph, List<List<Node>> dying, Device[] placed, boolean onDevices) {
        List<Node> dyingAt(int i) {
            return dying.get(i);
        }

        Device deviceAt(int i) {
            return placed[i];
        }
    }

    /** The liveness of the graph run last (graphs are immutable, so it is reused while the graph is the same). */
    private volatile Liveness lastLiveness;

    private Liveness liveness(Graph graph) {
        Liveness l = lastLiveness;
        if (l != null && l.graph() == graph) {
            return l;
        }
        List<Node> nodes = graph.nodes();
        Map<Node, Integer> lastUse = new IdentityHashMap<>();
        for (Node n : nodes) {
            if (n.isCall()) {
                lastUse.put(n, n.index());
            }
        }
        Node output = graph.outputNode();
        for (Node n : nodes) {
            for (Node used : Graph.inputNodes(n)) {
                if (used.isCall()) {
                    lastUse.put(used, n == output ? Integer.MAX_VALUE : n.index());
                }
            }
        }
        List<List<Node>> dying = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            dying.add(new ArrayList<>(1));
        }
        lastUse.forEach((n, at) -> {
            if (at != Integer.MAX_VALUE) {
                dying.get(at).add(n);
            }
        });
        Device[] placed = new Device[nodes.size()];
        boolean onDevices = false;
        for (Node n : nodes) {
            Device d = n.isCall() ? deviceOf(n.meta()) : Device.CPU;
            placed[n.index()] = d;
            onDevices |= !d.isCpu() || n.calls(DeviceCopy.TARGET);
        }
        l = new Liveness(graph, dying, placed, onDevices);
        lastLiveness = l;
        return l;
    }

    /** Whether a node of {@code graph} runs off the CPU or copies between devices (a scan, no allocation). */
    private boolean onDevices(Graph graph) {
        Liveness l = lastLiveness;
        if (l != null && l.graph() == graph) {
            return l.onDevices();
        }
        for (Node n : graph.nodes()) {
            if (n.isCall() && (!deviceOf(n.meta()).isCpu() || n.calls(DeviceCopy.TARGET))) {
                return true;
            }
        }
        return false;
    }

    /** The device a node's value lives on: its metadata's (the first element's for a tuple), else the CPU. */
    private static Device deviceOf(NodeMeta meta) {
        return switch (meta) {
            case TensorMeta m -> m.device();
            case TupleMeta t when t.size() > 0 -> t.get(0).device();
            case null, default -> Device.CPU;
        };
    }

    /**
     * Evaluates one call node.
     *
     * @param device where the node is placed; {@code null} in the unpooled CPU-only loop, which means the CPU
     */
    private Object evaluate(Graph graph, Node n, Map<Node, Object> values, Map<String, Long> symbols,
            Device device) {
        if (n.calls(Prims.GETITEM.target())) {
            List<?> tuple = (List<?>) values.get((Node) n.arg(0));
            return tuple.get((int) (long) (Long) n.arg(1));
        }
        if (n.calls(DeviceCopy.TARGET)) {
            return Transfers.copy(requireDevices(n), values.get((Node) n.arg(0)), Device.parse((String) n.arg(1)));
        }
        Device on = device == null ? Device.CPU : device;
        KernelDef k = catalog.require(n.target());
        KernelBody body = on.isCpu() ? CpuPrims.require(k) : requireDevices(n).require(on).bodyOf(k);
        List<Object> args = new ArrayList<>(n.args().size());
        for (Object a : n.args()) {
            args.add(resolve(a, values, symbols));
        }
        Object result = body.run(k.schema().bind("node " + n.name() + " (" + n.target() + ")", args));
        OutputCheck.check(graph, n, result, symbols, on);
        return result;
    }

    private DeviceRuntimes requireDevices(Node n) {
        if (devices == null) {
            throw new IllegalStateException("node " + n.name() + " is placed on " + deviceOf(n.meta()) + " (or copies "
                    + "between devices), but this interpreter runs CPU graphs only; create it with the device "
                    + "runtimes (KernelIr.run with a device does)");
        }
        return devices;
    }

    private static Object resolve(Object a, Map<Node, Object> values, Map<String, Long> symbols) {
        return switch (a) {
            case Node n -> values.get(n);
            case Dim d -> d.evaluate(symbols);
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object x : l) {
                    out.add(resolve(x, values, symbols));
                }
                yield out;
            }
            case null, default -> a;
        };
    }

    /** Binds each symbol from the first input that has it as a whole dimension, then checks every input. */
    static Map<String, Long> bindSymbols(List<Node> placeholders, List<CpuTensor> inputs) {
        Map<String, Long> symbols = new HashMap<>();
        Map<String, String> boundBy = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Node p = placeholders.get(i);
            CpuTensor t = inputs.get(i);
            TensorMeta m = (TensorMeta) p.meta();
            if (t == null) {
                throw new IllegalArgumentException("input " + p.name() + " is missing (null)");
            }
            if (t.dtype() != m.dtype() || t.sizes().length != m.rank()) {
                throw new IllegalArgumentException("input " + p.name() + " is " + t.meta() + " but the graph expects "
                        + m);
            }
            for (int d = 0; d < m.rank(); d++) {
                Dim dim = m.shape().get(d);
                if (dim.isSymbol()) {
                    String s = dim.symbolName();
                    Long prev = symbols.putIfAbsent(s, t.sizeAt(d));
                    if (prev == null) {
                        boundBy.put(s, p.name() + " dimension " + d);
                    } else if (prev != t.sizeAt(d)) {
                        throw new IllegalArgumentException("inputs disagree on symbol " + s + ": " + boundBy.get(s)
                                + " is " + prev + " but " + p.name() + " dimension " + d + " is " + t.sizeAt(d));
                    }
                }
            }
        }
        for (int i = 0; i < inputs.size(); i++) {
            Node p = placeholders.get(i);
            TensorMeta m = (TensorMeta) p.meta();
            for (int d = 0; d < m.rank(); d++) {
                Dim dim = m.shape().get(d);
                List<String> unbound = dim.symbols().stream().filter(s -> !symbols.containsKey(s)).toList();
                if (!unbound.isEmpty()) {
                    throw new IllegalArgumentException("input " + p.name() + " dimension " + d + " is " + dim
                            + ", but no input has " + String.join(", ", unbound) + " as a whole dimension, so its "
                            + "value is unknown; give the graph an input whose dimension is exactly the symbol");
                }
                long expected = dim.evaluate(symbols);
                if (expected != inputs.get(i).sizeAt(d)) {
                    throw new IllegalArgumentException("input " + p.name() + " has size " + inputs.get(i).sizeAt(d)
                            + " at dimension " + d + " but the graph expects " + m.shape().get(d) + " = " + expected
                            + " (symbols " + symbols + ")");
                }
            }
        }
        return symbols;
    }
}
