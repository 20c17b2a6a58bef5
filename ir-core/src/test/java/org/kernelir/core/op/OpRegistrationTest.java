package org.kernelir.core.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.core.tensor.ParamType.FLOAT;
import static org.kernelir.core.tensor.ParamType.INT;
import static org.kernelir.core.tensor.ParamType.OPTIONAL_TENSOR;
import static org.kernelir.core.tensor.ParamType.TENSOR;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.NodeMeta;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.meta.TupleMeta;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;
import org.kernelir.core.provider.ProviderRegistrationException;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;

/** Op definitions: names, schemas, activations, defaults, and metadata derived by tracing native. */
class OpRegistrationTest {

    /** A toy op shaped like vLLM's test op: {@code scale_add(x, y, factor) -> x * factor + y}. */
    @FunctionalInterface
    interface ScaleAdd {
        Tensor apply(Tensor x, Tensor y, double factor);
    }

    private static OpDef.Builder<ScaleAdd> scaleAdd(String name) {
        return OpDef.builder(name, ScaleAdd.class)
                .param("x", TENSOR).param("y", TENSOR).param("factor", FLOAT)
                .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.f64(2)))
                .nativeImpl((x, y, factor) -> x.mul(factor).add(y));
    }

    // ---- names ------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"RmsNorm", "rms-norm", "9lives", "rms norm", ""})
    void opNamesOutsideTheRuleAreRejectedWithTheRule(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> scaleAdd(name));
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("[a-z_][a-z_0-9]*"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"scale_add", "_private", "op2"})
    void opNamesInsideTheRuleAreAccepted(String name) {
        assertEquals(name, scaleAdd(name).build().name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"MyKernels", "my-kernels", "1st"})
    void providerNamesOutsideTheRuleAreRejectedWithTheRule(String name) {
        ProviderRegistry providers = new ProviderRegistry(OpRegistry.standard());
        KernelProvider p = new KernelProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void register(ProviderContext context) {
            }
        };
        var e = assertThrows(ProviderRegistrationException.class, () -> providers.register(p));
        assertTrue(e.getMessage().contains("provider " + name), e.getMessage());
        assertTrue(e.getMessage().contains("[a-z_][a-z_0-9]*"), e.getMessage());
        assertTrue(providers.find(name).isEmpty());
    }

    @Test
    void registeringAnOpNameTwiceIsAnError() {
        OpRegistry ops = new OpRegistry();
        ops.register(scaleAdd("scale_add").build());
        OpDef<ScaleAdd> again = scaleAdd("scale_add").build();
        var e = assertThrows(IllegalArgumentException.class, () -> ops.register(again));
        assertTrue(e.getMessage().contains("op scale_add is already registered"), e.getMessage());
        assertEquals(List.of("scale_add"), ops.names());
        assertTrue(!ops.contains(again), "the rejected definition must not replace the first");
    }

    @Test
    void theStandardRegistryHoldsEveryOpOnceAndIsFreshEachTime() {
        OpRegistry a = OpRegistry.standard();
        assertEquals(List.of("rms_norm", "fused_add_rms_norm", "silu_and_mul", "gelu_and_mul", "rotary_embedding",
                "static_quant_fp8", "dynamic_quant_fp8", "dynamic_group_quant_fp8"), a.names());
        a.register(scaleAdd("scale_add").build());
        assertTrue(OpRegistry.standard().find("scale_add").isEmpty(), "registries must not share state");
        var e = assertThrows(IllegalArgumentException.class, () -> a.require("rms_nrom"));
        assertTrue(e.getMessage().contains("unknown op 'rms_nrom'") && e.getMessage().contains("rms_norm"),
                e.getMessage());
    }

    // ---- schemas and activations ------------------------------------------------------------------------------

    @Test
    void aRequiredParameterAfterADefaultedOneIsRejected() {
        var b = OpDef.builder("bad_order", ScaleAdd.class)
                .param("x", TENSOR).param("factor", FLOAT, 1.0).param("y", TENSOR)
                .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(2), a.f64(1)))
                .nativeImpl((x, y, factor) -> x.mul(factor).add(y));
        var e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("bad_order"), "names the op: " + e.getMessage());
        assertTrue(e.getMessage().contains("parameter y has no default but follows a parameter with one"),
                e.getMessage());
        assertTrue(e.getMessage().contains("put parameters with defaults last"), e.getMessage());
    }

    @Test
    void anInplaceOpNeedsAsManyResultsAsActivations() {
        // x and x_residual are activations by name, but the op returns one tensor
        var b = OpDef.builder("add_inplace", ScaleAdd.class)
                .param("x", TENSOR).param("x_residual", TENSOR).param("factor", FLOAT)
                .allowInplace()
                .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.f64(2)))
                .nativeImpl((x, y, factor) -> x.mul(factor).add(y));
        var e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals("op add_inplace allows inplace, so it needs exactly as many tensor results as activations: "
                + "2 activations [x, x_residual], 1 results", e.getMessage());

        // the same schema without allow_inplace is fine: the rule only concerns the maybe_inplace overload
        var functional = OpDef.builder("add_functional", ScaleAdd.class)
                .param("x", TENSOR).param("x_residual", TENSOR).param("factor", FLOAT)
                .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.f64(2)))
                .nativeImpl((x, y, factor) -> x.mul(factor).add(y))
                .build();
        assertEquals(List.of(0, 1), functional.activations());
    }

    @Test
    void anActivationMustBeATensorParameter() {
        var notTensor = scaleAdd("scale_add").activations("factor");
        var e = assertThrows(IllegalArgumentException.class, notTensor::build);
        assertTrue(e.getMessage().startsWith("op scale_add: activation factor is not a tensor parameter of "),
                e.getMessage());

        var unknown = scaleAdd("scale_add").activations("z");
        e = assertThrows(IllegalArgumentException.class, unknown::build);
        assertTrue(e.getMessage().contains("activation z is not a tensor parameter"), e.getMessage());
    }

    @Test
    void activationsDefaultToTensorsNamedXAndCanBeNamed() {
        assertEquals(List.of(0), IrOps.RMS_NORM.activations());
        assertEquals(List.of(0, 1), IrOps.FUSED_ADD_RMS_NORM.activations());
        assertEquals(List.of(1, 2), IrOps.ROTARY_EMBEDDING.activations(), "query and key");
        assertTrue(IrOps.FUSED_ADD_RMS_NORM.allowInplace() && IrOps.ROTARY_EMBEDDING.allowInplace());
        assertTrue(!IrOps.RMS_NORM.allowInplace() && !IrOps.SILU_AND_MUL.allowInplace());
        assertEquals("ir::fused_add_rms_norm.maybe_inplace", IrOps.FUSED_ADD_RMS_NORM.inplaceTarget().toString());
    }

    @Test
    void anOpNeedsANativeImplementation() {
        var b = OpDef.builder("no_native", ScaleAdd.class)
                .param("x", TENSOR).param("y", TENSOR).param("factor", FLOAT)
                .invoker((f, a) -> f.apply(a.tensor(0), a.tensor(1), a.f64(2)));
        var e = assertThrows(NullPointerException.class, b::build);
        assertEquals("op no_native needs a native implementation", e.getMessage());
    }

    // ---- defaults ---------------------------------------------------------------------------------------------

    @Test
    void omittedTrailingArgumentsGetTheirDefaults() {
        List<Object> seenVarianceSize = new ArrayList<>();
        List<String> seenApproximate = new ArrayList<>();
        ProviderRegistry providers = new ProviderRegistry(OpRegistry.standard());
        providers.register(new KernelProvider() {
            @Override
            public String name() {
                return "spy";
            }

            @Override
            public void register(ProviderContext ctx) {
                ctx.implement(Implementation.of(IrOps.RMS_NORM, (x, w, eps, vs) -> {
                    seenVarianceSize.add(vs == null ? "None" : vs);
                    return NativeOps.rmsNorm(x, w, eps, vs);
                }));
                ctx.implement(Implementation.of(IrOps.GELU_AND_MUL, (x, approximate) -> {
                    seenApproximate.add(approximate);
                    return NativeOps.geluAndMul(x, approximate);
                }));
            }
        });
        Dispatcher dispatcher = new Dispatcher(providers, Priority.ofDefault("spy"));
        CpuTensor x = CpuTensor.of(DType.F32, new double[] {1, -2, 3, -4, 0.5, 0.25, -1, 2}, 2, 4);

        Tensor y = dispatcher.call1(IrOps.RMS_NORM, x, null, 1e-6);
        assertEquals(List.of("None"), seenVarianceSize);
        assertEquals(values(NativeOps.rmsNorm(x, null, 1e-6, null)), values(y));

        Tensor g = dispatcher.call1(IrOps.GELU_AND_MUL, x);
        assertEquals(List.of("none"), seenApproximate);
        assertEquals(values(NativeOps.geluAndMul(x, "none")), values(g));

        var tooFew = assertThrows(IllegalArgumentException.class, () -> dispatcher.call1(IrOps.RMS_NORM, x, null));
        assertTrue(tooFew.getMessage().contains("op rms_norm: expected 3 to 4 arguments"), tooFew.getMessage());
    }

    @Test
    void schemaDefaultsAreVisibleInTheSchema() {
        assertEquals("(x: Tensor, weight: Tensor?, epsilon: float, variance_size: int? = None) -> Tensor",
                IrOps.RMS_NORM.schema().toString());
        assertEquals("(x: Tensor, approximate: str = \"none\") -> Tensor", IrOps.GELU_AND_MUL.schema().toString());
    }

    // ---- metadata derived by tracing native -------------------------------------------------------------------

    private static final Dim S0 = Dim.sym("s0");

    private static TensorMeta tokens(DType dtype, long hidden) {
        return TensorMeta.of(dtype, List.of(S0, Dim.of(hidden)));
    }

    private static NodeMeta derive(OpDef<?> op, Object... args) {
        return ImplementationTracer.deriveMeta(op, op.schema().bind(op.name(), Arrays.asList(args)));
    }

    @Test
    void rmsNormMetaKeepsTheSymbolicShape() {
        NodeMeta m = derive(IrOps.RMS_NORM, tokens(DType.F16, 4096), TensorMeta.of(DType.F16, 4096), 1e-6);
        assertEquals(tokens(DType.F16, 4096), m);
        assertEquals("f16[s0, 4096]", m.toString());
        assertEquals(tokens(DType.BF16, 4096),
                derive(IrOps.RMS_NORM, tokens(DType.BF16, 4096), null, 1e-6, 1024L), "variance_size, no weight");
    }

    @Test
    void fusedAddRmsNormMetaIsATuple() {
        NodeMeta m = derive(IrOps.FUSED_ADD_RMS_NORM, tokens(DType.BF16, 4096), tokens(DType.BF16, 4096),
                TensorMeta.of(DType.BF16, 4096), 1e-6);
        assertEquals(new TupleMeta(List.of(tokens(DType.BF16, 4096), tokens(DType.BF16, 4096))), m);
    }

    @Test
    void activationMetaHalvesTheLastDimension() {
        assertEquals(tokens(DType.F16, 2048), derive(IrOps.SILU_AND_MUL, tokens(DType.F16, 4096)));
        assertEquals(tokens(DType.F32, 2048), derive(IrOps.GELU_AND_MUL, tokens(DType.F32, 4096), "tanh"));
    }

    @Test
    void dynamicQuantPerTokenGivesOneF32ScalePerRow() {
        NodeMeta m = derive(IrOps.DYNAMIC_QUANT_FP8, tokens(DType.F16, 4096), true);
        assertEquals(new TupleMeta(List.of(tokens(DType.F8E4M3FN, 4096), tokens(DType.F32, 1))), m);
        assertEquals("[f8e4m3fn[s0, 4096], f32[s0, 1]]", m.toString());

        NodeMeta perTensor = derive(IrOps.DYNAMIC_QUANT_FP8, tokens(DType.F16, 4096), false, DType.F8E5M2, null);
        assertEquals(new TupleMeta(List.of(tokens(DType.F8E5M2, 4096), TensorMeta.of(DType.F32, 1))), perTensor);
    }

    @Test
    void groupQuantColumnMajorScalesAreTransposedInStorage() {
        TupleMeta rowMajor = (TupleMeta) derive(IrOps.DYNAMIC_GROUP_QUANT_FP8, tokens(DType.BF16, 4096),
                List.of(1L, 128L));
        assertEquals(tokens(DType.F8E4M3FN, 4096), rowMajor.get(0));
        assertEquals(tokens(DType.F32, 32), rowMajor.get(1));

        TupleMeta colMajor = (TupleMeta) derive(IrOps.DYNAMIC_GROUP_QUANT_FP8, tokens(DType.BF16, 4096),
                List.of(1L, 128L), true);
        TensorMeta scales = colMajor.get(1);
        assertEquals(List.of(S0, Dim.of(32)), scales.shape());
        assertEquals(List.of(Dim.ONE, S0), scales.strides());
        assertEquals(new TensorMeta(DType.F32, List.of(S0, Dim.of(32)), List.of(Dim.ONE, S0), Device.CPU), scales);
    }

    @Test
    void rotaryMetaWithoutKeyHasAnAbsentSecondResult() {
        TensorMeta q = tokens(DType.F16, 4 * 64);
        TupleMeta m = (TupleMeta) derive(IrOps.ROTARY_EMBEDDING, TensorMeta.of(DType.I64, List.of(S0)), q, null,
                64L, 64L, TensorMeta.of(DType.F16, 512, 64), true);
        assertEquals(q, m.get(0));
        assertNull(m.get(1));
    }

    @Test
    void metaDerivationReportsInvalidArguments() {
        var e = assertThrows(IllegalArgumentException.class, () -> derive(IrOps.DYNAMIC_GROUP_QUANT_FP8,
                tokens(DType.F16, 100), List.of(1L, 128L)));
        assertTrue(e.getMessage().contains("hidden size 100 is not a multiple of the group size 128"), e.getMessage());
    }

    private static List<Double> values(Tensor t) {
        return Arrays.stream(((CpuTensor) t).toDoubleArray()).boxed().toList();
    }
}
