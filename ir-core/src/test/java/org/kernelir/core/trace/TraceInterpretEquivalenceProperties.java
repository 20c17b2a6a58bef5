package org.kernelir.core.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;

/**
 * A Java program over the Tensor API, traced and then interpreted, computes bit for bit what it computes when
 * run eagerly on CPU tensors.
 *
 * <p>Programs are random sequences of Tensor API calls over 1 to 3 inputs. They are planned while being traced:
 * each step looks at the metadata of the values so far (as any implementation would) to pick a call whose
 * operands fit, and records that call with its constant parameters. The eager run replays the recorded calls.
 * When the case asks for it, inputs whose first dimension is the batch dimension get the symbol {@code s0}
 * there, and the planner only makes calls that hold for any {@code s0}; sizes that depend on it are read from
 * the tensor ({@code x.size(0)}) when the call runs, so the graph keeps them symbolic.
 */
class TraceInterpretEquivalenceProperties {

    private static final List<DType> DTYPES = List.of(DType.F32, DType.F16, DType.BF16);
    private static final Dim S0 = Dim.sym("s0");

    /**
     * One generated case.
     *
     * @param baseShape sizes the inputs are cut from; {@code baseShape[0]} is the batch size ({@code s0})
     * @param dtypes    one per input
     * @param symbolic  whether inputs carry {@code s0} in their batch dimension
     * @param length    how many calls the program makes
     * @param choices   the decisions of the planner, consumed in order (0 once they run out)
     * @param seed      input shapes (which dimensions are dropped or 1) and values
     */
    record Case(List<Integer> baseShape, List<DType> dtypes, boolean symbolic, int length, List<Integer> choices,
                long seed) {

        long batch() {
            return baseShape.getFirst();
        }

        /** Input {@code i}: a suffix of the base shape with some dimensions set to 1; the first keeps all. */
        long[] shapeOf(int i) {
            SplittableRandom r = new SplittableRandom(seed + 31L * i);
            int rank = baseShape.size();
            int keep = i == 0 ? rank : r.nextInt(1, rank + 1);
            long[] shape = new long[keep];
            for (int d = 0; d < keep; d++) {
                int base = rank - keep + d;
                shape[d] = i > 0 && r.nextInt(4) == 0 ? 1 : baseShape.get(base);
            }
            return shape;
        }

        /** Whether input {@code i}'s first dimension is the batch dimension, and so gets {@code s0}. */
        boolean hasBatch(int i) {
            long[] s = shapeOf(i);
            return s.length == baseShape.size() && s[0] == batch();
        }

        TensorMeta tracedMeta(int i) {
            List<Dim> dims = new ArrayList<>();
            long[] s = shapeOf(i);
            for (int d = 0; d < s.length; d++) {
                dims.add(d == 0 && symbolic && hasBatch(i) ? S0 : Dim.of(s[d]));
            }
            return TensorMeta.of(dtypes.get(i), dims);
        }

        /** Fresh input tensors; every call gives equal values, so each run can write its own. */
        List<CpuTensor> inputs() {
            List<CpuTensor> out = new ArrayList<>();
            for (int i = 0; i < dtypes.size(); i++) {
                long[] shape = shapeOf(i);
                SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i + 1)));
                double[] v = new double[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
                double[] specials = {0.0, -0.0, 1.0, -1.0, 0.5, 1e4};
                for (int k = 0; k < v.length; k++) {
                    v[k] = r.nextInt(6) == 0 ? specials[r.nextInt(specials.length)] : r.nextDouble(-3, 3);
                }
                out.add(CpuTensor.of(dtypes.get(i), v, shape));
            }
            return out;
        }

        @Override
        public String toString() {
            return "inputs " + IntStream.range(0, dtypes.size()).mapToObj(i -> "v" + i + ": " + tracedMeta(i))
                    .collect(Collectors.joining(", ")) + " with s0 = " + batch() + ", seed " + seed;
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(
                Arbitraries.integers().between(1, 5).list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of(DTYPES).list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of(true, false),
                Arbitraries.integers().between(1, 30),
                Arbitraries.integers().between(0, 9999).list().ofSize(Planner.MAX_CHOICES),
                Arbitraries.longs()
        ).as(Case::new);
    }

    @Property(tries = 400)
    void aTracedProgramInterpretsBitForBitLikeItsEagerRun(@ForAll("cases") Case c) {
        List<Tracer.Input> tracerInputs = new ArrayList<>();
        for (int i = 0; i < c.dtypes().size(); i++) {
            tracerInputs.add(Tracer.input("v" + i, c.tracedMeta(i)));
        }
        Planner planner = new Planner(c);
        Graph graph = Tracer.trace("program", tracerInputs, planner::planAndRun);
        String listing = c + "\nprogram:\n" + planner.listing() + "graph:\n" + graph;
        Statistics.label("symbolic batch").collect(c.symbolic());
        Statistics.label("calls in the graph").collect(graph.calls().size() < 10 ? "< 10"
                : graph.calls().size() < 30 ? "10 - 29" : ">= 30");
        for (Step s : planner.steps) {
            Statistics.label("Tensor API calls").collect(s.text().replaceAll("^v\\d+ = (v\\d+\\.)?", "").replaceAll("[(\\[].*", ""));
        }

        List<Tensor> eager = planner.replay(c.inputs());
        List<CpuTensor> interpreted = Interpreter.primitivesOnly().run(graph, c.inputs());

        assertEquals(eager.size(), interpreted.size(), listing);
        Map<String, Long> binding = Map.of("s0", c.batch());
        for (int i = 0; i < eager.size(); i++) {
            CpuTensor e = (CpuTensor) eager.get(i);
            CpuTensor got = interpreted.get(i);
            String what = "v" + i + "\n" + listing;
            TensorMeta traced = (TensorMeta) ((Node) graph.outputs().get(i)).meta();
            assertEquals(e.dtype(), traced.dtype(), "traced dtype of " + what);
            assertArrayEquals(e.sizes(), traced.shape().stream().mapToLong(d -> d.evaluate(binding)).toArray(),
                    "traced shape " + traced + " of " + what);
            assertEquals(e.dtype(), got.dtype(), "interpreted dtype of " + what);
            assertArrayEquals(e.sizes(), got.sizes(), "interpreted shape of " + what);
            assertArrayEquals(bits(e), bits(got), "interpreted bits of " + what);
        }
    }

    /** The raw element bytes in row-major order (NaN payloads and signed zeros included). */
    private static byte[] bits(CpuTensor t) {
        CpuTensor packed = (CpuTensor) t.cloneTensor();
        return packed.segment().asSlice(0, packed.numel() * packed.dtype().byteSize()).toArray(ValueLayout.JAVA_BYTE);
    }

    // =============================================================================================================
    // The planner
    // =============================================================================================================

    /** One recorded call: it reads earlier values of the program and gives a new one. */
    record Step(String text, Function<List<Tensor>, Tensor> call) {
    }

    /**
     * A value of the program as the planner sees it. Values that may share memory are in one storage group;
     * {@code noWrite} marks values that must not be written (broadcast views, whose elements alias).
     */
    record Slot(Tensor tensor, int group, boolean noWrite) {
    }

    static final class Planner {
        static final int MAX_CHOICES = 300;
        private static final long MAX_ELEMENTS = 600;
        private static final double[] SCALARS = {0.5, -1.25, 3.0, 1e-3, 2.0};

        private final Case c;
        private final Map<String, Long> binding;
        private final List<Step> steps = new ArrayList<>();
        private final List<Slot> pool = new ArrayList<>();
        /** Storage groups that must not be written any more (see {@link #contiguous}). */
        private final Set<Integer> frozen = new HashSet<>();
        private int nextGroup;
        private int pos;

        Planner(Case c) {
            this.c = c;
            this.binding = Map.of("s0", c.batch());
        }

        /** Runs inside the trace: plans each step on the traced values and applies it; returns every value. */
        Object planAndRun(List<Tensor> inputs) {
            for (Tensor t : inputs) {
                pool.add(new Slot(t, nextGroup++, false));
            }
            while (steps.size() < c.length()) {
                int kind = next(19);
                Optional<Planned> p = plan(kind);
                Planned planned = p.isPresent() ? p.get() : unary(); // a unary call always fits
                Step step = new Step("v" + pool.size() + " = " + planned.text, planned.call);
                steps.add(step);
                Tensor result = step.call().apply(tensors());
                pool.add(new Slot(result, planned.group < 0 ? nextGroup++ : planned.group, planned.noWrite));
            }
            return tensors();
        }

        /** Runs the recorded program on real inputs. */
        List<Tensor> replay(List<CpuTensor> inputs) {
            List<Tensor> values = new ArrayList<>(inputs);
            for (Step s : steps) {
                values.add(s.call().apply(values));
            }
            return values;
        }

        String listing() {
            return steps.stream().map(s -> "    " + s.text() + "\n").collect(Collectors.joining());
        }

        private List<Tensor> tensors() {
            return pool.stream().map(Slot::tensor).toList();
        }

        // ---- choices and metadata helpers ---------------------------------------------------------------------

        private int next(int bound) {
            return pos < c.choices().size() ? c.choices().get(pos++) % bound : 0;
        }

        private <T> T pick(List<T> options) {
            return options.get(next(options.size()));
        }

        private TensorMeta meta(int i) {
            return pool.get(i).tensor().meta();
        }

        private long concrete(Dim d) {
            return d.evaluate(binding);
        }

        private long numel(List<Dim> shape) {
            return shape.stream().mapToLong(this::concrete).reduce(1, Math::multiplyExact);
        }

        private List<Integer> indices(java.util.function.IntPredicate p) {
            return IntStream.range(0, pool.size()).filter(p).boxed().toList();
        }

        private List<Integer> floats() {
            return indices(i -> meta(i).dtype().isFloatingPoint());
        }

        private static Optional<List<Dim>> broadcast(List<Dim> a, List<Dim> b) {
            int rank = Math.max(a.size(), b.size());
            List<Dim> out = new ArrayList<>();
            for (int i = 0; i < rank; i++) {
                Dim da = i < rank - a.size() ? Dim.ONE : a.get(i - rank + a.size());
                Dim db = i < rank - b.size() ? Dim.ONE : b.get(i - rank + b.size());
                if (!da.equals(db) && !da.equals(Dim.ONE) && !db.equals(Dim.ONE)) {
                    return Optional.empty();
                }
                out.add(da.equals(Dim.ONE) ? db : da);
            }
            return Optional.of(out);
        }

        /** A planned call; {@code group} -1 means fresh storage. */
        record Planned(String text, Function<List<Tensor>, Tensor> call, int group, boolean noWrite) {
            static Planned fresh(String text, Function<List<Tensor>, Tensor> call) {
                return new Planned(text, call, -1, false);
            }
        }

        private Planned viewOf(int i, String text, Function<List<Tensor>, Tensor> call) {
            return new Planned(text, call, pool.get(i).group(), pool.get(i).noWrite());
        }

        private Optional<Planned> plan(int kind) {
            return switch (kind) {
                case 0, 1 -> binary();
                case 2 -> Optional.of(scalar());
                case 3 -> Optional.of(unary());
                case 4 -> Optional.of(clamp());
                case 5 -> compare();
                case 6 -> where();
                case 7 -> Optional.of(cast());
                case 8 -> reduce();
                case 9 -> reshape();
                case 10 -> permute();
                case 11 -> narrow();
                case 12 -> chunkOrSplit();
                case 13 -> expand();
                case 14 -> cat();
                case 15 -> matmul();
                case 16 -> indexSelect();
                case 17 -> Optional.of(createOrCopy());
                default -> copyInto();
            };
        }

        // ---- elementwise --------------------------------------------------------------------------------------

        private Optional<Planned> binary() {
            int a = pick(floats());
            List<Integer> partners = floats().stream().filter(b -> broadcast(meta(a).shape(), meta(b).shape())
                    .map(s -> numel(s) <= 50 * MAX_ELEMENTS).orElse(false)).toList();
            if (partners.isEmpty()) {
                return Optional.empty();
            }
            int b = pick(partners);
            String[] names = {"add", "sub", "mul", "div", "maximum", "minimum", "pow"};
            int op = next(names.length);
            return Optional.of(Planned.fresh("v" + a + "." + names[op] + "(v" + b + ")", v -> {
                Tensor x = v.get(a);
                Tensor y = v.get(b);
                return switch (op) {
                    case 0 -> x.add(y);
                    case 1 -> x.sub(y);
                    case 2 -> x.mul(y);
                    case 3 -> x.div(y);
                    case 4 -> x.maximum(y);
                    case 5 -> x.minimum(y);
                    default -> x.abs().pow(y);
                };
            }));
        }

        private Planned scalar() {
            int a = pick(floats());
            double s = SCALARS[next(SCALARS.length)];
            String[] names = {"add", "sub", "rsub", "mul", "div", "rdiv", "pow", "rpow", "maximum", "minimum"};
            int op = next(names.length);
            return Planned.fresh("v" + a + "." + names[op] + "(" + s + ")", v -> {
                Tensor x = v.get(a);
                return switch (op) {
                    case 0 -> x.add(s);
                    case 1 -> x.sub(s);
                    case 2 -> x.rsub(s);
                    case 3 -> x.mul(s);
                    case 4 -> x.div(s);
                    case 5 -> x.rdiv(s);
                    case 6 -> x.pow(s);
                    case 7 -> x.rpow(s);
                    case 8 -> x.maximum(s);
                    default -> x.minimum(s);
                };
            });
        }

        private Planned unary() {
            int a = pick(floats());
            String[] names = {"exp", "log", "log2", "sqrt", "rsqrt", "sigmoid", "tanh", "erf", "abs", "neg", "ceil",
                    "floor"};
            int op = next(names.length);
            return Planned.fresh("v" + a + "." + names[op] + "()", v -> {
                Tensor x = v.get(a);
                return switch (op) {
                    case 0 -> x.exp();
                    case 1 -> x.log();
                    case 2 -> x.log2();
                    case 3 -> x.sqrt();
                    case 4 -> x.rsqrt();
                    case 5 -> x.sigmoid();
                    case 6 -> x.tanh();
                    case 7 -> x.erf();
                    case 8 -> x.abs();
                    case 9 -> x.neg();
                    case 10 -> x.ceil();
                    default -> x.floor();
                };
            });
        }

        private Planned clamp() {
            int a = pick(floats());
            Double[] lows = {null, -1.0, 0.0};
            Double[] highs = {null, 0.5, 2.0};
            Double lo = lows[next(lows.length)];
            Double hi = highs[next(highs.length)];
            return Planned.fresh("v" + a + ".clamp(" + lo + ", " + hi + ")", v -> v.get(a).clamp(lo, hi));
        }

        private Optional<Planned> compare() {
            int a = pick(floats());
            List<Integer> partners = floats().stream()
                    .filter(b -> broadcast(meta(a).shape(), meta(b).shape()).isPresent()).toList();
            String[] names = {"eq", "ne", "lt", "le", "gt", "ge"};
            int op = next(names.length);
            if (next(2) == 0 && op != 1) {
                double s = SCALARS[next(SCALARS.length)];
                return Optional.of(Planned.fresh("v" + a + "." + names[op] + "(" + s + ")", v -> {
                    Tensor x = v.get(a);
                    return switch (op) {
                        case 0 -> x.eq(s);
                        case 2 -> x.lt(s);
                        case 3 -> x.le(s);
                        case 4 -> x.gt(s);
                        default -> x.ge(s);
                    };
                }));
            }
            int b = pick(partners);
            return Optional.of(Planned.fresh("v" + a + "." + names[op] + "(v" + b + ")", v -> {
                Tensor x = v.get(a);
                Tensor y = v.get(b);
                return switch (op) {
                    case 0 -> x.eq(y);
                    case 1 -> x.ne(y);
                    case 2 -> x.lt(y);
                    case 3 -> x.le(y);
                    case 4 -> x.gt(y);
                    default -> x.ge(y);
                };
            }));
        }

        private Optional<Planned> where() {
            List<Integer> conds = indices(i -> meta(i).dtype() == DType.BOOL);
            if (conds.isEmpty()) {
                return Optional.empty();
            }
            int cond = pick(conds);
            List<Dim> cs = meta(cond).shape();
            List<Integer> as = floats().stream().filter(a -> broadcast(cs, meta(a).shape()).isPresent()).toList();
            int form = next(3);
            if (form == 0 || as.isEmpty()) {
                return Optional.of(Planned.fresh("v" + cond + ".where(1.5, -0.25)", v -> v.get(cond).where(1.5, -0.25)));
            }
            int a = pick(as);
            List<Dim> ca = broadcast(cs, meta(a).shape()).orElseThrow();
            if (form == 1) {
                return Optional.of(Planned.fresh("v" + cond + ".where(v" + a + ", 0.0)",
                        v -> v.get(cond).where(v.get(a), 0.0)));
            }
            int b = pick(floats().stream().filter(x -> broadcast(ca, meta(x).shape()).isPresent()).toList());
            return Optional.of(Planned.fresh("v" + cond + ".where(v" + a + ", v" + b + ")",
                    v -> v.get(cond).where(v.get(a), v.get(b))));
        }

        private Planned cast() {
            int a = pick(indices(i -> meta(i).dtype().isFloatingPoint() || meta(i).dtype() == DType.BOOL));
            DType to = pick(DTYPES);
            Function<List<Tensor>, Tensor> call = v -> v.get(a).to(to);
            String text = "v" + a + ".to(" + to + ")";
            // A cast to the same dtype is the tensor itself, in both worlds.
            return meta(a).dtype() == to ? viewOf(a, text, call) : Planned.fresh(text, call);
        }

        // ---- reductions and products ------------------------------------------------------------------------

        private Optional<Planned> reduce() {
            List<Integer> candidates = floats().stream().filter(i -> meta(i).rank() >= 1).toList();
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int a = pick(candidates);
            int rank = meta(a).rank();
            List<Integer> dims = new ArrayList<>();
            for (int d = 0; d < rank; d++) {
                if (next(2) == 0) {
                    dims.add(next(2) == 0 ? d : d - rank); // negative indices count from the end
                }
            }
            if (dims.isEmpty()) {
                dims.add(next(rank));
            }
            int[] ds = dims.stream().mapToInt(Integer::intValue).toArray();
            boolean keepdim = next(2) == 0;
            String[] names = {"sum", "mean", "amax"};
            int op = next(names.length);
            return Optional.of(Planned.fresh("v" + a + "." + names[op] + "(" + Arrays.toString(ds) + ", " + keepdim + ")",
                    v -> switch (op) {
                        case 0 -> v.get(a).sum(ds, keepdim);
                        case 1 -> v.get(a).mean(ds, keepdim);
                        default -> v.get(a).amax(ds, keepdim);
                    }));
        }

        private Optional<Planned> matmul() {
            List<Integer> mats = floats().stream().filter(i -> meta(i).rank() >= 2).toList();
            if (mats.isEmpty()) {
                return Optional.empty();
            }
            int a = pick(mats);
            TensorMeta ma = meta(a);
            boolean transposeLeft = next(2) == 0;
            // a @ b^T needs equal last dims; a^T @ b needs equal second-to-last dims. a itself always fits.
            int inner = transposeLeft ? -2 : -1;
            List<Integer> partners = mats.stream().filter(b -> {
                TensorMeta mb = meta(b);
                Optional<List<Dim>> batch = broadcast(ma.shape().subList(0, ma.rank() - 2),
                        mb.shape().subList(0, mb.rank() - 2));
                return mb.size(inner).equals(ma.size(inner)) && batch.isPresent()
                        && numel(batch.get()) * concrete(ma.size(inner == -1 ? -2 : -1))
                                * concrete(mb.size(inner == -1 ? -2 : -1)) <= MAX_ELEMENTS;
            }).toList();
            if (partners.isEmpty()) {
                return Optional.empty();
            }
            int b = pick(partners);
            if (transposeLeft) {
                return Optional.of(Planned.fresh("v" + a + ".transpose(-1, -2).matmul(v" + b + ")",
                        v -> v.get(a).transpose(-1, -2).matmul(v.get(b))));
            }
            return Optional.of(Planned.fresh("v" + a + ".matmul(v" + b + ".transpose(-2, -1))",
                    v -> v.get(a).matmul(v.get(b).transpose(-2, -1))));
        }

        // ---- shapes and views ---------------------------------------------------------------------------------

        private Optional<Planned> reshape() {
            List<Integer> candidates = indices(i -> meta(i).rank() >= 1);
            int a = pick(candidates);
            TensorMeta m = meta(a);
            int rank = m.rank();
            int form = next(5);
            boolean asView = next(2) == 0;
            String verb = asView ? ".view(" : ".reshape(";
            // Sizes are read from the tensor when the call runs, so symbolic ones stay symbolic in the graph.
            Function<Tensor, Object[]> sizes;
            String text;
            switch (form) {
                case 0 -> {
                    sizes = t -> new Object[] {-1};
                    text = "-1";
                }
                case 1 -> {
                    if (rank < 2) {
                        return Optional.empty();
                    }
                    sizes = t -> new Object[] {t.size(0), -1};
                    text = "size(0), -1";
                }
                case 2 -> {
                    int at = next(rank + 1);
                    sizes = t -> {
                        List<Object> s = new ArrayList<>(t.shape());
                        s.add(at, 1);
                        return s.toArray();
                    };
                    text = "a 1 inserted at " + at;
                }
                case 3 -> {
                    List<Integer> even = IntStream.range(0, rank).filter(d -> m.size(d).isConstant()
                            && m.size(d).constant() % 2 == 0).boxed().toList();
                    if (even.isEmpty()) {
                        return Optional.empty();
                    }
                    int d = pick(even);
                    sizes = t -> {
                        List<Object> s = new ArrayList<>(t.shape());
                        s.set(d, 2);
                        s.add(d + 1, -1);
                        return s.toArray();
                    };
                    text = "dimension " + d + " split into 2 and -1";
                }
                default -> {
                    if (rank < 2) {
                        return Optional.empty();
                    }
                    sizes = t -> {
                        List<Object> s = new ArrayList<>(t.shape().subList(0, rank - 2));
                        s.add(-1);
                        return s.toArray();
                    };
                    text = "the last two dimensions merged";
                }
            }
            return Optional.of(viewOf(a, "v" + a + verb + text + ")", v -> asView ? v.get(a).view(sizes.apply(v.get(a)))
                    : v.get(a).reshape(sizes.apply(v.get(a)))));
        }

        private Optional<Planned> permute() {
            List<Integer> candidates = indices(i -> meta(i).rank() >= 2);
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int a = pick(candidates);
            int rank = meta(a).rank();
            if (next(2) == 0) {
                int x = next(rank);
                int y = next(rank) - rank;
                return Optional.of(viewOf(a, "v" + a + ".transpose(" + x + ", " + y + ")",
                        v -> v.get(a).transpose(x, y)));
            }
            List<Integer> order = new ArrayList<>(IntStream.range(0, rank).boxed().toList());
            for (int i = rank - 1; i > 0; i--) {
                java.util.Collections.swap(order, i, next(i + 1));
            }
            int[] dims = order.stream().mapToInt(Integer::intValue).toArray();
            return Optional.of(viewOf(a, "v" + a + ".permute" + Arrays.toString(dims), v -> v.get(a).permute(dims)));
        }

        private Optional<Planned> narrow() {
            List<Integer> candidates = indices(i -> meta(i).rank() >= 1);
            int a = pick(candidates);
            TensorMeta m = meta(a);
            int d = next(m.rank());
            int dim = next(2) == 0 ? d : d - m.rank();
            Dim size = m.size(d);
            long n = concrete(size);
            if (n < 2) {
                return Optional.empty();
            }
            long start = next((int) n - 1) + 1 - (next(2) == 0 ? 1 : 0);
            if (!size.isConstant() || next(3) == 0) {
                // slice to the end: symbolic sizes stay symbolic (s0 - start)
                return Optional.of(viewOf(a, "v" + a + ".slice(" + dim + ", " + start + ", end)",
                        v -> v.get(a).slice(dim, start, Long.MAX_VALUE)));
            }
            long length = 1 + next((int) (n - start));
            return Optional.of(viewOf(a, "v" + a + ".narrow(" + dim + ", " + start + ", " + length + ")",
                    v -> v.get(a).narrow(dim, start, length)));
        }

        private Optional<Planned> chunkOrSplit() {
            int a = pick(indices(i -> meta(i).rank() >= 1));
            TensorMeta m = meta(a);
            int d = next(m.rank());
            if (!m.size(d).isConstant() || m.size(d).constant() < 2) {
                return Optional.empty();
            }
            long n = m.size(d).constant();
            if (next(2) == 0) {
                List<Long> divisors = java.util.stream.LongStream.rangeClosed(2, n).filter(k -> n % k == 0).boxed()
                        .toList();
                int chunks = (int) (long) pick(divisors);
                int part = next(chunks);
                return Optional.of(viewOf(a, "v" + a + ".chunk(" + chunks + ", " + d + ")[" + part + "]",
                        v -> v.get(a).chunk(chunks, d).get(part)));
            }
            long first = 1 + next((int) n - 1);
            long[] sizes = {first, n - first};
            int part = next(2);
            return Optional.of(viewOf(a, "v" + a + ".split(" + Arrays.toString(sizes) + ", " + d + ")[" + part + "]",
                    v -> v.get(a).split(sizes, d).get(part)));
        }

        private Optional<Planned> expand() {
            int a = pick(indices(i -> true));
            TensorMeta m = meta(a);
            long size = 2 + next(2);
            if (numel(m.shape()) * size > MAX_ELEMENTS) {
                return Optional.empty();
            }
            List<Integer> ones = IntStream.range(0, m.rank()).filter(d -> m.size(d).equals(Dim.ONE)).boxed().toList();
            Object[] sizes;
            String text;
            if (ones.isEmpty() || next(3) == 0) {
                sizes = new Object[m.rank() + 1];
                Arrays.fill(sizes, -1);
                sizes[0] = size; // a new leading dimension
                text = "a new leading dimension of " + size;
            } else {
                int d = pick(ones);
                sizes = new Object[m.rank()];
                Arrays.fill(sizes, -1);
                sizes[d] = size;
                text = "dimension " + d + " to " + size;
            }
            return Optional.of(new Planned("v" + a + ".expand(" + text + ")", v -> v.get(a).expand(sizes),
                    pool.get(a).group(), true));
        }

        private Optional<Planned> cat() {
            int a = pick(floats());
            TensorMeta m = meta(a);
            if (m.rank() == 0 || 3 * numel(m.shape()) > MAX_ELEMENTS) {
                return Optional.empty();
            }
            int d = next(m.rank());
            List<Integer> partners = floats().stream().filter(b -> {
                TensorMeta mb = meta(b);
                if (mb.rank() != m.rank()) {
                    return false;
                }
                for (int i = 0; i < m.rank(); i++) {
                    if (i != d && !mb.size(i).equals(m.size(i))) {
                        return false;
                    }
                }
                return 3 * numel(mb.shape()) <= MAX_ELEMENTS;
            }).toList();
            int b = pick(partners);
            int dim = next(2) == 0 ? d : d - m.rank();
            return Optional.of(Planned.fresh("cat([v" + b + ", v" + a + ", v" + b + "], " + dim + ")",
                    v -> Tensor.cat(List.of(v.get(b), v.get(a), v.get(b)), dim)));
        }

        private Optional<Planned> indexSelect() {
            int a = pick(indices(i -> meta(i).rank() >= 1));
            TensorMeta m = meta(a);
            int d = next(m.rank());
            long n = concrete(m.size(d));
            if (n == 0) {
                return Optional.empty();
            }
            if (next(2) == 0) {
                // all of dimension d, in order: arange of a (possibly symbolic) size
                return Optional.of(Planned.fresh("v" + a + ".indexSelect(" + d + ", arange(size(" + d + ")))",
                        v -> v.get(a).indexSelect(d, v.get(a).newArange(v.get(a).size(d)))));
            }
            // two runs of indices, e.g. [3, 4, 0, 1, 2]
            long s1 = next((int) n);
            long k1 = 1 + next((int) (n - s1));
            long s2 = next((int) n);
            long k2 = 1 + next((int) (n - s2));
            return Optional.of(Planned.fresh("v" + a + ".indexSelect(" + d + ", [" + s1 + "..+" + k1 + ", " + s2 + "..+"
                    + k2 + "])", v -> {
                        Tensor x = v.get(a);
                        Tensor idx = Tensor.cat(List.of(x.newArange(n).narrow(0, s1, k1),
                                x.newArange(x.size(d)).narrow(0, s2, k2)), 0);
                        return x.indexSelect(d, idx);
                    }));
        }

        // ---- creation and copies ------------------------------------------------------------------------------

        private Planned createOrCopy() {
            int a = pick(indices(i -> true));
            int form = next(5);
            DType dtype = pick(DTYPES);
            return switch (form) {
                case 0 -> Planned.fresh("v" + a + ".newFull(shape, 0.75, " + dtype + ")",
                        v -> v.get(a).newFull(v.get(a).shape(), 0.75, dtype));
                case 1 -> Planned.fresh("v" + a + ".zerosLike()", v -> v.get(a).zerosLike());
                case 2 -> Planned.fresh("v" + a + ".newZeros([size(-1)], " + dtype + ")",
                        v -> v.get(a).newZeros(v.get(a).rank() == 0 ? List.of() : List.of(v.get(a).size(-1)), dtype));
                case 3 -> Planned.fresh("v" + a + ".cloneTensor()", v -> v.get(a).cloneTensor());
                default -> contiguous(a);
            };
        }

        /**
         * {@code contiguous()} returns the tensor itself or a copy, decided on metadata; with a symbolic size the
         * traced decision may differ from the eager one (say for {@code s0 = 1}). Both results hold the same
         * values, but writes into the source would then show in one world only, so the source's storage is
         * frozen from here on.
         */
        private Planned contiguous(int a) {
            frozen.add(pool.get(a).group());
            return viewOf(a, "v" + a + ".contiguous()", v -> v.get(a).contiguous());
        }

        private Optional<Planned> copyInto() {
            List<Integer> targets = indices(i -> !pool.get(i).noWrite() && !frozen.contains(pool.get(i).group()));
            if (targets.isEmpty()) {
                return Optional.empty();
            }
            int dst = pick(targets);
            List<Dim> shape = meta(dst).shape();
            List<Integer> sources = indices(i -> broadcast(shape, meta(i).shape()).map(shape::equals).orElse(false));
            int src = pick(sources); // dst itself always fits
            return Optional.of(viewOf(dst, "v" + dst + ".copy_(v" + src + ")", v -> v.get(dst).copy_(v.get(src))));
        }
    }
}
