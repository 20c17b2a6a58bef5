package org.kernelir.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Target;

/** {@link GraphJson} and {@link GraphBinary} round-trip every graph, however odd its literals and metadata. */
class GraphJsonRoundTripProperties {

    @Property(tries = 500)
    void readingWhatWasWrittenGivesTheSameGraph(@ForAll("graphs") Graph g) {
        String json = GraphJson.write(g);
        Graph back = GraphJson.read(json);
        assertEquals(g, back, json);
        assertEquals(json, GraphJson.write(back));
    }

    @Property(tries = 500)
    void theBinaryFormRoundTripsAndIsCanonical(@ForAll("graphs") Graph g) {
        byte[] bytes = GraphBinary.write(g);
        Graph back = GraphBinary.read(bytes);
        assertEquals(g, back, GraphJson.write(g));
        org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, GraphBinary.write(back));
        // Equal graphs built separately (here: through JSON) have equal bytes, so the bytes identify a graph.
        org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, GraphBinary.write(GraphJson.read(GraphJson.write(g))));
    }

    @Property(tries = 300)
    void equalBytesMeanEqualGraphs(@ForAll("graphs") Graph g, @ForAll("graphs") Graph other) {
        // The lowered-graph cache uses an entry only when its stored input bytes equal the input graph's bytes.
        byte[] mine = GraphBinary.write(g);
        byte[] theirs = GraphBinary.write(other);
        assertEquals(g.equals(other), java.util.Arrays.equals(mine, theirs));
        // An equal graph built anew (here: through JSON) has the same bytes.
        org.junit.jupiter.api.Assertions.assertArrayEquals(mine, GraphBinary.write(GraphJson.read(GraphJson.write(g))));
    }

    @Property(tries = 300)
    void theRelativeFormRoundTripsAgainstAnyBase(@ForAll("graphs") Graph g, @ForAll("graphs") Graph base) {
        for (Graph b : List.of(base, g)) {
            byte[] bytes = GraphBinary.write(g, b);
            Graph back = GraphBinary.read(bytes, b);
            assertEquals(g, back, GraphJson.write(g));
            org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, GraphBinary.write(back, b));
        }
        byte[] relative = GraphBinary.write(g, base);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GraphBinary.read(relative));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("relative to a base graph"), e.getMessage());
        // Plain bytes read the same with or without a base.
        assertEquals(g, GraphBinary.read(GraphBinary.write(g), base));
    }

    @Property(tries = 200)
    void truncatedBinaryGraphsAreRejectedWithThePosition(@ForAll("graphs") Graph g) {
        byte[] bytes = GraphBinary.write(g);
        for (int cut : new int[] {0, 3, bytes.length / 2, bytes.length - 1}) {
            byte[] partial = java.util.Arrays.copyOf(bytes, cut);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> GraphBinary.read(partial));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("binary graph"), e.getMessage());
        }
    }

    // ---- the generator: placeholders, then calls whose node arguments point at earlier nodes ----

    /** A node argument, resolved to the earlier node number {@code index % defined} when the graph is built. */
    record Ref(int index) {
    }

    record CallSpec(Target target, List<Object> args, NodeMeta meta) {
    }

    @Provide
    Arbitrary<Graph> graphs() {
        return Combinators.combine(
                Arbitraries.strings().all().ofMaxLength(8),
                tensorMetas().list().ofMaxSize(4),
                calls().list().ofMaxSize(8),
                refs().injectNull(0.2).list().ofMaxSize(3)
        ).as(GraphJsonRoundTripProperties::build);
    }

    private static Graph build(String name, List<TensorMeta> inputs, List<CallSpec> calls, List<Ref> outputs) {
        Graph.Builder b = Graph.builder(name);
        List<Node> defined = new ArrayList<>();
        for (TensorMeta m : inputs) {
            defined.add(b.placeholder(b.freshName("x"), m));
        }
        for (CallSpec c : calls) {
            defined.add(b.call(c.target(), resolve(c.args(), defined), c.meta()));
        }
        return b.output(resolve(outputs, defined));
    }

    @SuppressWarnings("unchecked")
    private static <T> T resolve(T value, List<Node> defined) {
        return (T) switch (value) {
            case Ref r -> defined.isEmpty() ? null : defined.get(r.index() % defined.size());
            case List<?> l -> l.stream().map(x -> resolve(x, defined)).toList();
            case null, default -> value;
        };
    }

    private static Arbitrary<CallSpec> calls() {
        return Combinators.combine(targets(), literals().list().ofMaxSize(4), nodeMetas()).as(CallSpec::new);
    }

    private static Arbitrary<Target> targets() {
        // "output" is the output node's name, and a call node is named after its target.
        return Combinators.combine(identifiers(), identifiers().filter(s -> !s.equals("output")),
                identifiers().injectNull(0.6)).as(Target::new);
    }

    private static Arbitrary<String> identifiers() {
        return Combinators.combine(Arbitraries.chars().with("abcdefghijklmnopqrstuvwxyz_".toCharArray()),
                        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz_0123456789").ofMaxLength(5))
                .as((first, rest) -> first + rest);
    }

    private static Arbitrary<Ref> refs() {
        return Arbitraries.integers().between(0, 1000).map(Ref::new);
    }

    /** Any literal, nested lists included; node references appear as {@link Ref}s. */
    private static Arbitrary<Object> literals() {
        return Arbitraries.lazyOf(
                GraphJsonRoundTripProperties::scalars,
                GraphJsonRoundTripProperties::scalars,
                GraphJsonRoundTripProperties::scalars,
                () -> literals().list().ofMaxSize(3).map(l -> (Object) l));
    }

    private static Arbitrary<Object> scalars() {
        return Arbitraries.<Object>oneOf(
                Arbitraries.of(true, false),
                Arbitraries.longs(),
                Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L),
                Arbitraries.doubles(),
                Arbitraries.longs().map(Double::longBitsToDouble), // every bit pattern: subnormals, NaN payloads
                Arbitraries.of(Double.NaN, -0.0, 0.0, 1e-300, 1.0, 0.1, 1e21, Double.MIN_VALUE, Double.MAX_VALUE,
                        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
                Arbitraries.strings().all().ofMaxLength(6), // lone surrogates and control characters too
                Arbitraries.of("", "\"", "\\", "\"quoted\"", "é中😀", "{\"node\": \"x\"}", "NaN", "1.0", "None"),
                Arbitraries.of(DType.class),
                dims(),
                refs()
        ).injectNull(0.1);
    }

    /** Constants and polynomials over s0..s2, small enough that row-major strides of 4 of them fit a long. */
    private static Arbitrary<Dim> dims() {
        Arbitrary<Dim> symbolic = Combinators.combine(
                Arbitraries.longs().between(-64, 64),
                Arbitraries.of("s0", "s1", "s2"),
                Arbitraries.of("s0", "s1", "s2").injectNull(0.6),
                Arbitraries.longs().between(-8, 4096)
        ).as((c, a, b, k) -> Dim.sym(a).times(b == null ? Dim.ONE : Dim.sym(b)).times(c).plus(k));
        return Arbitraries.oneOf(symbolic, Arbitraries.longs().between(0, 4096).map(Dim::of));
    }

    private static Arbitrary<TensorMeta> tensorMetas() {
        return dims().list().ofMaxSize(4).flatMap(shape -> Combinators.combine(
                Arbitraries.of(DType.class),
                Arbitraries.oneOf(Arbitraries.just(TensorMeta.contiguousStrides(shape)),
                        dims().list().ofSize(shape.size())),
                Arbitraries.of(Device.CPU, Device.cuda(0), Device.cuda(3))
        ).as((dtype, strides, device) -> new TensorMeta(dtype, shape, strides, device)));
    }

    private static Arbitrary<NodeMeta> nodeMetas() {
        Arbitrary<NodeMeta> tuples = tensorMetas().injectNull(0.2).list().ofMaxSize(3).map(TupleMeta::new);
        return Arbitraries.frequencyOf(Tuple.of(3, tensorMetas().map(m -> (NodeMeta) m)), Tuple.of(1, tuples));
    }
}
