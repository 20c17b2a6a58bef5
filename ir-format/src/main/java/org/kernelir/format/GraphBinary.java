package org.kernelir.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Target;

/**
 * A compact binary form of a {@link Graph}, for machines: caches store graphs in it, and its bytes identify a
 * graph (equal graphs have equal bytes, and {@link #read} of {@link #write} gives an equal graph). Reading and
 * writing cost a few operations per field, with no parser to warm up, which matters in a process that has just
 * started. People read {@link GraphJson} instead.
 *
 * <p>Layout: the magic {@code KIRG}, a format byte, the graph name, the node count, then per node its name, kind,
 * target (calls), arguments and metadata (dtypes by id, devices as a code (0 cpu, 1 cuda, 2 a named type followed by its name) and an index). Strings are Latin-1 bytes,
 * or their UTF-16 units; counts and node indices are unsigned LEB128; every argument value has a one-byte tag.
 *
 * <p>A graph can also be written <em>relative to a base graph</em> ({@link #write(Graph, Graph)}), format
 * {@value #RELATIVE_FORMAT}: a graph input equal to one of the base's is stored as the base node's index, and
 * metadata equal to a base node's as that node's index. A lowered graph is mostly its input graph's inputs and
 * shapes, so a cache that already holds the input graph stores the lowered one in a fraction of the bytes, and
 * reading it reuses the base's metadata objects instead of decoding them again. Such bytes are read only with the
 * same base ({@link #read(byte[], Graph)}), which the caller must have proved equal to the one they were written
 * against (for example by comparing the base's bytes with those stored beside them).
 */
public final class GraphBinary {

    /** The format of the bytes {@link #write(Graph)} produces. */
    public static final int FORMAT = 1;

    /** The format of the bytes {@link #write(Graph, Graph)} produces: relative to a base graph. */
    public static final int RELATIVE_FORMAT = 2;

    private static final byte[] MAGIC = {'K', 'I', 'R', 'G'};

    private static final int NULL = 0;
    private static final int NODE = 1;
    private static final int LONG = 2;
    private static final int DOUBLE = 3;
    private static final int TRUE = 4;
    private static final int FALSE = 5;
    private static final int STRING = 6;
    private static final int DTYPE = 7;
    private static final int DIM_SYMBOL = 8;
    private static final int DIM_EXPR = 9;
    private static final int LIST = 10;
    private static final int TENSOR_META = 11;
    private static final int TUPLE_META = 12;
    private static final int DIM_CONSTANT = 13;
    /** Metadata equal to that of the base graph's node whose index follows. */
    private static final int BASE_META = 14;

    private static final Node.Kind[] KINDS = Node.Kind.values();
    /** Device codes: the CPU and CUDA by a byte (as since the first format), any other type by its name. */
    private static final int DEVICE_CPU = 0;
    private static final int DEVICE_CUDA = 1;
    private static final int DEVICE_NAMED = 2;

    /** In place of a node kind: a graph input equal to the base graph's node whose index follows. */
    private static final int BASE_PLACEHOLDER = 3;

    private GraphBinary() {
    }

    /** The bytes of {@code graph}. */
    public static byte[] write(Graph graph) {
        Out out = new Out(64 * graph.nodes().size() + 32);
        writeTo(out, graph);
        return out.toArray();
    }

    /**
     * The bytes of {@code graph} relative to {@code base}: graph inputs and metadata that {@code base} has too are
     * stored as references to its nodes. Only {@link #read(byte[], Graph)} with an equal base reads them.
     */
    public static byte[] write(Graph graph, Graph base) {
        Objects.requireNonNull(base, "base");
        Out out = new Out(32 * graph.nodes().size() + 32);
        out.base = base;
        out.baseMetas = new HashMap<>();
        for (Node n : base.nodes()) {
            if (n.meta() != null) {
                out.baseMetas.putIfAbsent(n.meta(), n.index());
            }
        }
        writeTo(out, graph);
        return out.toArray();
    }

    private static void writeTo(Out out, Graph graph) {
        Graph base = out.base;
        out.bytes(MAGIC);
        out.u8(base == null ? FORMAT : RELATIVE_FORMAT);
        out.string(graph.name());
        out.uint(graph.nodes().size());
        if (base != null) {
            // Names the base, so that reading with another one fails plainly rather than building a wrong graph.
            out.string(base.name());
            out.uint(base.nodes().size());
        }
        for (Node n : graph.nodes()) {
            out.string(n.name());
            if (base != null && n.kind() == Node.Kind.PLACEHOLDER) {
                Node same = base.node(n.name());
                if (same != null && same.kind() == Node.Kind.PLACEHOLDER && same.meta().equals(n.meta())) {
                    out.u8(BASE_PLACEHOLDER);
                    out.uint(same.index());
                    continue;
                }
            }
            out.u8(n.kind().ordinal());
            if (n.kind() == Node.Kind.CALL) {
                out.string(n.target().toString());
            }
            out.uint(n.args().size());
            for (Object a : n.args()) {
                value(out, a);
            }
            meta(out, n.meta());
        }
    }

    /**
     * The graph of {@code bytes} (written by {@link #write(Graph)}).
     *
     * @throws IllegalArgumentException when the bytes are not a graph of this format, saying where they go wrong
     */
    public static Graph read(byte[] bytes) {
        return read(bytes, null);
    }

    /**
     * The graph of {@code bytes}, written by {@link #write(Graph)} or, relative to {@code base}, by
     * {@link #write(Graph, Graph)}. The graph shares {@code base}'s metadata objects where it was written as
     * references to them.
     *
     * @param base the graph the bytes were written against, or {@code null} for bytes written without a base
     * @throws IllegalArgumentException when the bytes are not a graph of these formats, or were written against a
     *                                  base of another name or size, saying where they go wrong
     */
    public static Graph read(byte[] bytes, Graph base) {
        In in = new In(bytes);
        try {
            if (bytes.length < MAGIC.length + 1 || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw bad("not a kernel-ir binary graph (no KIRG magic)");
            }
            in.pos = MAGIC.length;
            int format = in.u8();
            if (format != FORMAT && format != RELATIVE_FORMAT) {
                throw bad("binary graph format " + format + " is not supported (this kernel-ir "
                        + "reads formats " + FORMAT + " and " + RELATIVE_FORMAT + ")");
            }
            Graph.Builder b = Graph.builder(in.string());
            Map<String, Target> targets = new HashMap<>();
            int count = in.uint();
            if (format == RELATIVE_FORMAT) {
                if (base == null) {
                    throw bad("the graph was written relative to a base graph, and none was given");
                }
                String baseName = in.string();
                int baseCount = in.uint();
                if (!baseName.equals(base.name()) || baseCount != base.nodes().size()) {
                    throw bad("the graph was written relative to graph " + baseName + " of " + baseCount
                            + " nodes, not to " + base.name() + " of " + base.nodes().size());
                }
                in.base = base.nodes();
            }
            List<Node> nodes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = in.string();
                int kindTag = in.u8();
                if (kindTag == BASE_PLACEHOLDER && in.base != null) {
                    Node same = in.baseNode(in.uint());
                    if (same.kind() != Node.Kind.PLACEHOLDER || !same.name().equals(name)) {
                        throw bad("input " + name + " refers to base node " + same.name() + ", not an equal input");
                    }
                    nodes.add(b.placeholder(same.name(), (TensorMeta) same.meta()));
                    continue;
                }
                if (kindTag >= KINDS.length) {
                    throw bad("unknown node kind " + kindTag);
                }
                Node.Kind kind = KINDS[kindTag];
                Target target = kind == Node.Kind.CALL ? targets.computeIfAbsent(in.string(), Target::parse) : null;
                int argc = in.uint();
                List<Object> args = new ArrayList<>(argc);
                for (int k = 0; k < argc; k++) {
                    args.add(readValue(in, nodes));
                }
                NodeMeta meta = (NodeMeta) readValue(in, nodes);
                switch (kind) {
                    case PLACEHOLDER -> nodes.add(b.placeholder(name, (TensorMeta) meta));
                    case CALL -> nodes.add(b.call(name, target, args, meta));
                    case OUTPUT -> {
                        if (in.pos != bytes.length || i != count - 1) {
                            throw bad("bytes after the output node");
                        }
                        return b.output(args);
                    }
                }
            }
            throw bad("no output node");
        } catch (BadBinary e) {
            throw new IllegalArgumentException("malformed binary graph at byte " + in.pos + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed binary graph at byte " + in.pos + ": " + e, e);
        }
    }

    private static void meta(Out out, NodeMeta meta) {
        if (out.baseMetas == null) {
            if (meta instanceof TensorMeta m) {
                tensorMeta(out, m); // most metadata: skip the chain of value()
            } else {
                value(out, meta);
            }
            return;
        }
        if (meta != null) {
            Integer same = out.baseMetas.get(meta);
            if (same != null) {
                out.u8(BASE_META);
                out.uint(same);
                return;
            }
        }
        value(out, meta);
    }

    // An instanceof chain rather than a switch on types: this runs for every field of every node, often in a
    // process that has just started, where a type switch is slow until compiled.
    private static void value(Out out, Object v) {
        if (v == null) {
            out.u8(NULL);
        } else if (v instanceof Node n) {
            out.u8(NODE);
            out.uint(n.index());
        } else if (v instanceof Long l) {
            out.u8(LONG);
            out.i64(l);
        } else if (v instanceof Double d) {
            out.u8(DOUBLE);
            out.i64(Double.doubleToLongBits(d)); // one NaN, as equality and JSON have it
        } else if (v instanceof Boolean b) {
            out.u8(b ? TRUE : FALSE);
        } else if (v instanceof String s) {
            out.u8(STRING);
            out.string(s);
        } else if (v instanceof DType d) {
            out.u8(DTYPE);
            out.string(d.id());
        } else if (v instanceof Dim d) {
            dim(out, d);
        } else if (v instanceof List<?> l) {
            out.u8(LIST);
            out.uint(l.size());
            for (Object x : l) {
                value(out, x);
            }
        } else if (v instanceof TensorMeta m) {
            tensorMeta(out, m);
        } else if (v instanceof TupleMeta t) {
            out.u8(TUPLE_META);
            out.uint(t.size());
            for (TensorMeta m : t.elements()) {
                value(out, m);
            }
        } else {
            throw new IllegalArgumentException("a graph cannot hold " + v + " (" + v.getClass().getName() + ")");
        }
    }

    private static void tensorMeta(Out out, TensorMeta m) {
        out.u8(TENSOR_META);
        out.string(m.dtype().id());
        List<Dim> shape = m.shape();
        List<Dim> strides = m.strides();
        int rank = shape.size();
        out.uint(rank);
        for (int i = 0; i < rank; i++) {
            dim(out, shape.get(i));
        }
        for (int i = 0; i < rank; i++) {
            dim(out, strides.get(i));
        }
        device(out, m.device());
    }

    private static void device(Out out, Device d) {
        switch (d.type()) {
            case Device.CPU_TYPE -> out.u8(DEVICE_CPU);
            case Device.CUDA_TYPE -> out.u8(DEVICE_CUDA);
            default -> {
                out.u8(DEVICE_NAMED);
                out.string(d.type());
            }
        }
        out.uint(d.index());
    }

    private static Device readDevice(In in) {
        int code = in.u8();
        String type = switch (code) {
            case DEVICE_CPU -> Device.CPU_TYPE;
            case DEVICE_CUDA -> Device.CUDA_TYPE;
            case DEVICE_NAMED -> in.string();
            default -> throw new IllegalArgumentException("unknown device code " + code);
        };
        return Device.of(type, in.uint());
    }

    private static void dim(Out out, Dim d) {
        if (d.isConstant()) {
            out.u8(DIM_CONSTANT);
            out.i64(d.constant());
        } else if (d.isSymbol()) {
            out.u8(DIM_SYMBOL);
            out.string(d.symbolName());
        } else {
            out.u8(DIM_EXPR);
            out.string(d.toString());
        }
    }

    private static Object readValue(In in, List<Node> nodes) {
        int tag = in.u8();
        return switch (tag) {
            case NULL -> null;
            case NODE -> {
                int i = in.uint();
                if (i >= nodes.size()) {
                    throw bad("argument refers to node " + i + ", which is not defined before it");
                }
                yield nodes.get(i);
            }
            case LONG -> in.i64();
            case DOUBLE -> Double.longBitsToDouble(in.i64());
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case STRING -> in.string();
            case DTYPE -> DType.of(in.string());
            case DIM_CONSTANT, DIM_SYMBOL, DIM_EXPR -> readDim(in, tag);
            case BASE_META -> {
                if (in.base == null) {
                    throw bad("a reference to base metadata in a graph written without a base");
                }
                NodeMeta meta = in.baseNode(in.uint()).meta();
                if (meta == null) {
                    throw bad("a reference to the metadata of the base's output node");
                }
                yield meta;
            }
            case LIST -> {
                int n = in.uint();
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(readValue(in, nodes));
                }
                yield l;
            }
            case TENSOR_META -> {
                DType dtype = DType.of(in.string());
                int rank = in.uint();
                Dim[] shape = new Dim[rank];
                Dim[] strides = new Dim[rank];
                for (int i = 0; i < rank; i++) {
                    shape[i] = readDim(in, in.u8());
                }
                for (int i = 0; i < rank; i++) {
                    strides[i] = readDim(in, in.u8());
                }
                yield new TensorMeta(dtype, List.of(shape), List.of(strides), readDevice(in));
            }
            case TUPLE_META -> {
                int n = in.uint();
                List<TensorMeta> elements = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    elements.add((TensorMeta) readValue(in, nodes));
                }
                yield new TupleMeta(elements);
            }
            default -> throw bad("unknown value tag " + tag + " at byte " + (in.pos - 1));
        };
    }

    private static Dim readDim(In in, int tag) {
        return switch (tag) {
            case DIM_CONSTANT -> in.constant(in.i64());
            case DIM_SYMBOL -> in.symbols.computeIfAbsent(in.string(), Dim::sym);
            case DIM_EXPR -> Dim.parse(in.string());
            default -> throw bad("expected a dimension at byte " + (in.pos - 1) + ", found tag "
                    + tag);
        };
    }

    private static BadBinary bad(String problem) {
        return new BadBinary(problem);
    }

    /** What is wrong with the bytes; {@link #read} adds the position. */
    private static final class BadBinary extends RuntimeException {
        BadBinary(String problem) {
            super(problem, null, false, false);
        }
    }

    /** A growable byte buffer. */
    private static final class Out {
        private byte[] buf;
        private int size;
        /** The base graph of a relative write, and the index of the first base node with each metadata. */
        private Graph base;
        private Map<NodeMeta, Integer> baseMetas;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[size++] = (byte) v;
        }

        void bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
        }

        void uint(int v) {
            ensure(5);
            while ((v & ~0x7F) != 0) {
                buf[size++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[size++] = (byte) v;
        }

        void i64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) {
                buf[size++] = (byte) (v >>> (8 * i));
            }
        }

        /**
         * {@code length << 1}, then for a Latin-1 string its bytes (converted and copied in bulk, which is fast even
         * before the JIT compiler has seen this code), else {@code length << 1 | 1} and each UTF-16 unit as an
         * unsigned LEB128: any string, lone surrogates included.
         */
        void string(String s) {
            int n = s.length();
            byte[] latin1 = s.getBytes(StandardCharsets.ISO_8859_1);
            // Characters beyond Latin-1 became '?': the round trip tells, in bulk operations too.
            if (new String(latin1, StandardCharsets.ISO_8859_1).equals(s)) {
                uint(n << 1);
                bytes(latin1);
                return;
            }
            uint(n << 1 | 1);
            ensure(3 * n);
            for (int i = 0; i < n; i++) {
                uint(s.charAt(i));
            }
        }

        byte[] toArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    /** A reader over a byte array; running past the end throws. */
    private static final class In {
        private final byte[] buf;
        private final Map<String, Dim> symbols = new HashMap<>();
        private Dim lastConstant = Dim.ONE;
        private int pos;
        /** The base graph's nodes, when the bytes are relative to one. */
        private List<Node> base;

        Node baseNode(int index) {
            if (index >= base.size()) {
                throw bad("a reference to base node " + index + " of " + base.size());
            }
            return base.get(index);
        }

        /** The constant {@code value}, reusing the previous one when equal (sizes and strides repeat). */
        Dim constant(long value) {
            Dim d = lastConstant;
            if (!d.isConstant() || d.constant() != value) {
                d = Dim.of(value);
                lastConstant = d;
            }
            return d;
        }

        In(byte[] buf) {
            this.buf = buf;
        }

        int u8() {
            if (pos >= buf.length) {
                throw bad("truncated binary graph");
            }
            return buf[pos++] & 0xFF;
        }

        int uint() {
            int v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = u8();
                v |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    if (v < 0) {
                        break;
                    }
                    return v;
                }
            }
            throw bad("bad count at byte " + pos);
        }

        long i64() {
            if (pos + 8 > buf.length) {
                throw bad("truncated binary graph");
            }
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (buf[pos++] & 0xFFL) << (8 * i);
            }
            return v;
        }

        String string() {
            int head = uint();
            int n = head >>> 1;
            if (n > buf.length - pos) {
                throw bad("truncated binary graph");
            }
            if ((head & 1) == 0) {
                String s = new String(buf, pos, n, StandardCharsets.ISO_8859_1);
                pos += n;
                return s;
            }
            char[] chars = new char[n];
            for (int i = 0; i < n; i++) {
                int c = uint();
                if (c > Character.MAX_VALUE) {
                    throw bad("bad character " + c);
                }
                chars[i] = (char) c;
            }
            return new String(chars);
        }
    }
}
