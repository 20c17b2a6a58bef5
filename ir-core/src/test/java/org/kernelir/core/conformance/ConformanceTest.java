package org.kernelir.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.SampleInput;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.op.Tolerance;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.tensor.Literals;
import org.kernelir.core.tensor.Tensor;

/**
 * Conformance runs: correct implementations pass (also when written differently from native), planted bugs fail
 * with a message that pinpoints them, and samples an implementation declines are reported, not failed.
 */
class ConformanceTest {

    private final ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());

    /** Registers a provider and returns its (bound) implementation of {@code op}. */
    private <F> Implementation<F> register(String name, OpDef<F> op, Consumer<ProviderContext> declarations) {
        registry.register(new KernelProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void register(ProviderContext context) {
                declarations.accept(context);
            }
        });
        return registry.implementation(op, name).orElseThrow();
    }

    private <F> Implementation<F> register(String name, Implementation<F> impl) {
        return register(name, impl.op(), ctx -> ctx.implement(impl));
    }

    private static <F> Implementation<F> nativeAsProvider(OpDef<F> op) {
        return Implementation.of(op, op.nativeImpl());
    }

    private static SampleResult sample(ConformanceResult r, String description) {
        return r.samples().stream().filter(s -> s.description().equals(description)).findFirst()
                .orElseThrow(() -> new AssertionError("no sample '" + description + "' in " + r.summary()));
    }

    private static List<String> descriptions(ConformanceResult r, SampleResult.Status status) {
        return r.samples().stream().filter(s -> s.status() == status).map(SampleResult::description).toList();
    }

    // ---- correct implementations pass ---------------------------------------------------------------------

    static Stream<OpDef<?>> ops() {
        return IrOps.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void nativeRegisteredAsAProviderPasses(OpDef<?> op) {
        registry.register(new KernelProvider() {
            @Override
            public String name() {
                return "reference";
            }

            @Override
            public void register(ProviderContext ctx) {
                IrOps.all().forEach(o -> ctx.implement(nativeAsProvider(o)));
            }
        });
        ConformanceResult r = Conformance.check(registry.implementation(op, "reference").orElseThrow());
        assertTrue(r.passed(), r.failures());
        assertEquals(op.sampleInputs().size(), r.count(SampleResult.Status.PASSED), r.summary());
        assertFalse(r.samples().isEmpty());
        assertEquals(op.name() + "@reference: " + r.samples().size() + " passed, 0 failed, 0 errors, 0 unsupported",
                r.summary());
    }

    /** rms_norm written another way: {@code x / sqrt(mean(x[..., :vs]^2) + eps) * w}, in f32. */
    static Tensor rmsNormByDivision(Tensor x, Tensor weight, double epsilon, Long varianceSize) {
        Tensor xf = x.to(DType.F32);
        Tensor part = varianceSize == null ? xf : xf.narrow(-1, 0, varianceSize);
        Tensor y = xf.div(part.mul(part).mean(-1, true).add(epsilon).sqrt());
        return (weight == null ? y : y.mul(weight.to(DType.F32))).to(x.dtype());
    }

    /** silu_and_mul written another way: {@code a * 1 / (1 + exp(-a)) * b} on explicit halves. */
    static Tensor siluAndMulByExp(Tensor x) {
        long d = x.size(-1).constant() / 2;
        Tensor xf = x.to(DType.F32);
        Tensor a = xf.narrow(-1, 0, d);
        Tensor b = xf.narrow(-1, d, d);
        return a.mul(a.neg().exp().add(1.0).rdiv(1.0)).mul(b).to(x.dtype());
    }

    @Test
    void aDifferentButCorrectRmsNormPasses() {
        ConformanceResult r = Conformance.check(register("alt", Implementation.of(IrOps.RMS_NORM,
                ConformanceTest::rmsNormByDivision)));
        assertTrue(r.passed(), r.failures());
        assertEquals(IrOps.RMS_NORM.sampleInputs().size(), r.count(SampleResult.Status.PASSED));
    }

    @Test
    void aDifferentButCorrectSiluAndMulPasses() {
        ConformanceResult r = Conformance.check(register("alt", Implementation.of(IrOps.SILU_AND_MUL,
                ConformanceTest::siluAndMulByExp)));
        assertTrue(r.passed(), r.failures());
        assertEquals(IrOps.SILU_AND_MUL.sampleInputs().size(), r.count(SampleResult.Status.PASSED));
    }

    @Test
    void anInplaceImplementationIsComparedThroughTheFunctionalOverload() {
        ConformanceResult r = Conformance.check(register("alt", Implementation.inplace(IrOps.FUSED_ADD_RMS_NORM,
                (x, residual, w, eps, vs) -> {
                    Tensor sum = x.to(DType.F32).add(residual.to(DType.F32));
                    Tensor y = rmsNormByDivision(sum, w, eps, vs).to(x.dtype());
                    Tensor r2 = residual.copy_(sum);
                    return new TensorPair(x.copy_(y), r2);
                })));
        assertTrue(r.passed(), r.failures());
        assertEquals(IrOps.FUSED_ADD_RMS_NORM.sampleInputs().size(), r.count(SampleResult.Status.PASSED));
    }

    // ---- planted bugs fail, and say where -----------------------------------------------------------------

    @Test
    void anRmsNormWhoseF32SumOfSquaresOverflowsFailsOnTheLargeEdgeRowNamingIt() {
        // The squares are finite f32 values, their f32 sum is not: a naive f32 reduction returns a zero row.
        ConformanceResult r = Conformance.check(register("f32_sum", Implementation.of(IrOps.RMS_NORM,
                (x, w, eps, vs) -> {
                    Tensor xf = x.to(DType.F32);
                    Tensor sum = xf.mul(xf).sum(-1, true);
                    Tensor y = xf.mul(sum.div((double) x.size(-1).constant()).add(eps).rsqrt());
                    return (w == null ? y : y.mul(w.to(DType.F32))).to(x.dtype());
                })));
        assertFalse(r.passed(), r.summary());
        List<String> failed = descriptions(r, SampleResult.Status.FAILED);
        assertTrue(failed.stream().allMatch(d -> d.contains(" edge rows") || d.contains("variance_size")), failed.toString());
        assertTrue(failed.contains("f32 [6, 33] edge rows"), failed.toString());
        String m = sample(r, "f32 [6, 33] edge rows").message();
        assertTrue(m.startsWith("op rms_norm, provider f32_sum, sample f32 [6, 33] edge rows: output 0 (f32[6, 33]) "
                + "row 1 (all large, f32 sum of squares overflows), element [1, "), m);
        assertTrue(m.contains(" = 0.0 but native gives ") || m.contains(" = -0.0 but native gives "), m);
    }

    @Test
    void aNanWhereNativeIsFiniteIsReportedAsNan() {
        ConformanceResult r = Conformance.check(register("nan_tail", Implementation.of(IrOps.SILU_AND_MUL, x -> {
            CpuTensor y = (CpuTensor) NativeOps.siluAndMul(x);
            long[] sizes = y.sizes();
            double[] v = y.toDoubleArray();
            v[0] = Double.NaN;
            return CpuTensor.of(y.dtype(), v, sizes);
        })));
        String m = sample(r, "f32 [7, 66] edge rows").message();
        assertTrue(m.contains("row 0 (magnitudes 1e-30..1e19), element [0, 0] = NaN but native gives "), m);
        assertFalse(m.contains("|diff|"), m);
    }

    @Test
    void anRmsNormThatIgnoresEpsilonFailsOnTheLargeEpsilonSample() {
        Implementation<IrOps.RmsNorm> noEps = register("no_eps", Implementation.of(IrOps.RMS_NORM,
                (x, w, eps, vs) -> NativeOps.rmsNorm(x, w, 0.0, vs)));
        ConformanceResult r = Conformance.check(noEps);
        assertFalse(r.passed(), r.summary());
        List<String> failed = descriptions(r, SampleResult.Status.FAILED);
        assertTrue(failed.containsAll(List.of("f32 [3, 48] epsilon=0.1", "f16 [3, 48] epsilon=0.1",
                "bf16 [3, 48] epsilon=0.1")), failed.toString());
        assertTrue(r.summary().startsWith("rms_norm@no_eps: "), r.summary());

        SampleResult f32 = sample(r, "f32 [3, 48] epsilon=0.1");
        String m = f32.message();
        long[] worst = worstElement(IrOps.RMS_NORM, noEps, "f32 [3, 48] epsilon=0.1");
        assertTrue(m.startsWith("op rms_norm, provider no_eps, sample f32 [3, 48] epsilon=0.1: output 0 (f32[3, 48]) "
                + "element " + Arrays.toString(worst) + " = "), m);
        assertTrue(m.contains(" but native gives "), m);
        assertTrue(m.contains(" > atol 1.0E-5 + rtol 1.3E-6 * |expected|); "), m);
        assertTrue(m.endsWith(" of 144 elements differ"), m);
        assertTrue(r.failures().contains(m), r.failures());
    }

    @Test
    void aSiluAndMulWithTheHalvesSwappedFails() {
        Implementation<IrOps.SiluAndMul> swapped = register("swapped", Implementation.of(IrOps.SILU_AND_MUL, x -> {
            List<Tensor> halves = x.chunk(2, -1);
            return NativeOps.siluAndMul(Tensor.cat(List.of(halves.get(1), halves.get(0)), -1));
        }));
        ConformanceResult r = Conformance.check(swapped);
        assertEquals(0, r.count(SampleResult.Status.PASSED), r.summary());
        assertEquals(r.samples().size(), r.count(SampleResult.Status.FAILED), r.summary());
        String m = sample(r, "bf16 [5, 194]").message();
        long[] worst = worstElement(IrOps.SILU_AND_MUL, swapped, "bf16 [5, 194]");
        assertTrue(m.startsWith("op silu_and_mul, provider swapped, sample bf16 [5, 194]: output 0 (bf16[5, 97]) "
                + "element " + Arrays.toString(worst) + " = "), m);
    }

    @Test
    void aRotaryEmbeddingWithTheSinSignFlippedFails() {
        Implementation<IrOps.RotaryEmbedding> flipped = register("flipped", Implementation.of(IrOps.ROTARY_EMBEDDING,
                (positions, q, k, headSize, rotaryDim, cache, neox) -> {
                    long half = rotaryDim / 2;
                    Tensor negSin = Tensor.cat(List.of(cache.narrow(-1, 0, half), cache.narrow(-1, half, half).neg()), -1);
                    return NativeOps.rotaryEmbedding(positions, q, k, headSize, rotaryDim, negSin, neox);
                }));
        ConformanceResult r = Conformance.check(flipped);
        assertEquals(0, r.count(SampleResult.Status.PASSED), r.summary());
        String description = "f32 tokens=9 heads=4/1 head_size=32 rotary_dim=16 gptj";
        String m = sample(r, description).message();
        assertTrue(m.startsWith("op rotary_embedding, provider flipped, sample " + description
                + ": output 0 (f32[9, 128]) element ["), m);
        assertTrue(m.matches(".*element \\[\\d, \\d+] = \\S+ but native gives \\S+ \\(\\|diff\\| .*"), m);
    }

    @Test
    void aFunctionalImplementationThatWritesIntoItsInputIsReported() {
        ConformanceResult r = Conformance.check(register("sloppy", Implementation.of(IrOps.SILU_AND_MUL, x -> {
            Tensor y = NativeOps.siluAndMul(x);
            x.copy_(x.mul(0.5)); // scratch space reused: the caller's x is gone
            return y;
        })));
        assertFalse(r.passed());
        assertEquals(r.samples().size(), r.count(SampleResult.Status.FAILED), r.summary());
        assertEquals("op silu_and_mul, provider sloppy, sample f16 [1, 128]: modified its input x although called "
                + "through the functional overload", sample(r, "f16 [1, 128]").message());
    }

    @Test
    void anImplementationThatThrowsIsAnErrorNamingTheSample() {
        ConformanceResult r = Conformance.check(register("partial", Implementation.of(IrOps.SILU_AND_MUL, x -> {
            if (x.dtype() == DType.BF16) {
                throw new UnsupportedOperationException("no bf16 kernel");
            }
            return NativeOps.siluAndMul(x);
        })));
        assertFalse(r.passed());
        List<String> errors = descriptions(r, SampleResult.Status.ERROR);
        assertEquals(List.of("bf16 [1, 128]", "bf16 [5, 194]", "bf16 [16, 2048]", "bf16 [300, 1030]"),
                errors.subList(0, 4));
        assertTrue(errors.stream().allMatch(d -> d.startsWith("bf16 ")), errors.toString());
        assertEquals(4 + 32, errors.size(), "the ordinary samples and one edge sample per width from 33 to 64");
        assertEquals(r.samples().size() - errors.size(), r.count(SampleResult.Status.PASSED), r.summary());
        assertEquals("op silu_and_mul, provider partial, sample bf16 [5, 194]: threw "
                + "java.lang.UnsupportedOperationException: no bf16 kernel", sample(r, "bf16 [5, 194]").message());
    }

    // ---- declined samples are reported, not failed --------------------------------------------------------

    @Test
    void samplesRejectedBySupportsAreUnsupportedAndTheRunStillPasses() {
        ConformanceResult r = Conformance.check(register("no_f16", Implementation.of(IrOps.RMS_NORM,
                ConformanceTest::rmsNormByDivision).supports(a -> a.meta(0).dtype() != DType.F16)));
        assertTrue(r.passed(), r.failures());
        List<String> unsupported = descriptions(r, SampleResult.Status.UNSUPPORTED);
        assertFalse(unsupported.isEmpty());
        assertTrue(unsupported.stream().allMatch(d -> d.startsWith("f16 ")), unsupported.toString());
        long f16Samples = IrOps.RMS_NORM.sampleInputs().stream().filter(s -> s.description().startsWith("f16 ")).count();
        assertEquals(f16Samples, unsupported.size());
        assertEquals(r.samples().size() - f16Samples, r.count(SampleResult.Status.PASSED));
        assertEquals("", r.failures());
        assertTrue(r.summary().endsWith(" 0 failed, 0 errors, " + f16Samples + " unsupported"), r.summary());
    }

    @Test
    void aThrowingSupportsIsAnErrorNotAPass() {
        ConformanceResult r = Conformance.check(register("broken_rule", Implementation.of(IrOps.RMS_NORM,
                NativeOps::rmsNorm).supports(a -> a.optI64(3) < 100)));
        assertFalse(r.passed());
        SampleResult s = sample(r, "f32 [1, 64]");
        assertEquals(SampleResult.Status.ERROR, s.status());
        assertTrue(s.message().startsWith("op rms_norm, provider broken_rule, sample f32 [1, 64]: supports() threw "
                + "java.lang.NullPointerException"), s.message());
        assertEquals(SampleResult.Status.PASSED, sample(r, "f32 [4, 96] variance_size=64").status());
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** Recomputes which element of output 0 exceeds the tolerance most, independently of Conformance. */
    private static <F> long[] worstElement(OpDef<F> op, Implementation<F> impl, String description) {
        SampleInput s = op.sampleInputs().stream().filter(x -> x.description().equals(description)).findFirst()
                .orElseThrow();
        List<Object> args = new ArrayList<>();
        s.args().forEach(a -> args.add(a instanceof Tensor ? a : Literals.normalize(a)));
        CallArgs bound = new CallArgs(op.schema().bind(op.name(), args));
        CpuTensor expected = first(op.invoker().invoke(op.nativeImpl(), bound));
        CpuTensor actual = first(op.invoker().invoke(impl.fn(), bound));
        Tolerance tol = op.tolerance(expected.dtype());
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        int worst = 0;
        for (int i = 1; i < e.length; i++) {
            if (excess(tol, a[i], e[i]) > excess(tol, a[worst], e[worst])) {
                worst = i;
            }
        }
        long cols = expected.sizes()[1];
        return new long[] {worst / cols, worst % cols};
    }

    private static double excess(Tolerance tol, double actual, double expected) {
        return Math.abs(actual - expected) - (tol.atol() + tol.rtol() * Math.abs(expected));
    }

    private static CpuTensor first(Object result) {
        return (CpuTensor) (result instanceof TensorPair p ? p.first() : result);
    }
}
