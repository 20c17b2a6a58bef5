package org.kernelir.cache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;

/** Random op arguments as the lowering pass sees them: tensor metadata over symbols s0..s5, and literals. */
final class ArgArbitraries {

    static final List<String> SYMBOLS = List.of("s0", "s1", "s2", "s3", "s4", "s5");
    private static final List<String> OTHER_NAMES = List.of("s0", "s1", "s2", "s3", "s4", "s5", "s7", "batch",
            "seq", "tokens", "n", "m");

    private ArgArbitraries() {
    }

    /**
     * A dimension with at most one symbol. (A dimension over several symbols seen for the first time, such as
     * {@code 2*s0 + s1}, is named by symbol order, so renaming may change the signature: a missed hit, never a
     * wrong one. Argument shapes hold single symbols; strides then only reuse them.)
     */
    static Arbitrary<Dim> dims() {
        Arbitrary<String> symbol = Arbitraries.of(SYMBOLS);
        return Arbitraries.oneOf(
                Arbitraries.longs().between(1, 4096).map(Dim::of),
                symbol.map(Dim::sym),
                Combinators.combine(symbol, Arbitraries.longs().between(2, 64)).as((s, k) -> Dim.sym(s).times(k)),
                Combinators.combine(symbol, Arbitraries.longs().between(1, 8)).as((s, k) -> Dim.sym(s).plus(k)));
    }

    /** Tensor metadata: any dtype, rank 0 to 3, row-major or transposed, on the CPU or a GPU. */
    static Arbitrary<TensorMeta> tensors() {
        return Combinators.combine(Arbitraries.of(DType.class), dims().list().ofMaxSize(3), Arbitraries.of(false, true),
                Arbitraries.of(Device.CPU, Device.cuda(0), Device.cuda(1))).as((dtype, shape, transposed, device) -> {
                    List<Dim> strides = TensorMeta.contiguousStrides(shape);
                    if (transposed) {
                        shape = shape.reversed();
                        strides = strides.reversed();
                    }
                    return new TensorMeta(dtype, shape, strides, device);
                });
    }

    static Arbitrary<Object> literals() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(Object.class::cast),
                Arbitraries.doubles().withSpecialValue(-0.0).withSpecialValue(Double.NaN)
                        .withSpecialValue(Double.NEGATIVE_INFINITY).map(Object.class::cast),
                Arbitraries.of(true, false).map(Object.class::cast),
                Arbitraries.strings().withChars("abs0;,()[]: N").ofMaxLength(6).map(Object.class::cast),
                Arbitraries.of(DType.class).map(Object.class::cast),
                dims().map(Object.class::cast));
    }

    /** One argument: a tensor, a literal, {@code null}, or a list of those (nested at most twice). */
    static Arbitrary<Object> args() {
        Arbitrary<Object> leaf = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, tensors().map(Object.class::cast)),
                net.jqwik.api.Tuple.of(2, literals())).injectNull(0.1);
        return Arbitraries.recursive(() -> leaf, inner -> inner.list().ofMaxSize(3).map(Object.class::cast), 0, 2);
    }

    static Arbitrary<List<Object>> argLists() {
        return args().list().ofMaxSize(5);
    }

    /** A bijection from s0..s5 onto six names, some of them s0..s5 again in another order. */
    static Arbitrary<Map<String, Dim>> renamings() {
        return Arbitraries.shuffle(OTHER_NAMES).map(names -> {
            Map<String, Dim> m = new HashMap<>();
            for (int i = 0; i < SYMBOLS.size(); i++) {
                m.put(SYMBOLS.get(i), Dim.sym(names.get(i)));
            }
            return m;
        });
    }

    /** {@code args} with their symbols renamed by {@code renaming} (simultaneously). */
    static List<Object> renameAll(List<Object> args, Map<String, Dim> renaming) {
        List<Object> out = new ArrayList<>();
        args.forEach(a -> out.add(rename(a, renaming)));
        return out;
    }

    /** {@code arg} with its symbols renamed by {@code renaming} (simultaneously). */
    static Object rename(Object arg, Map<String, Dim> renaming) {
        return switch (arg) {
            case TensorMeta m -> new TensorMeta(m.dtype(), m.shape().stream().map(d -> d.substitute(renaming)).toList(),
                    m.strides().stream().map(d -> d.substitute(renaming)).toList(), m.device());
            case Dim d -> d.substitute(renaming);
            case List<?> l -> {
                List<Object> out = new ArrayList<>();
                l.forEach(x -> out.add(rename(x, renaming)));
                yield out;
            }
            case null, default -> arg;
        };
    }
}
