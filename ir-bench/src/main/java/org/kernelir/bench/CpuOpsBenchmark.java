package org.kernelir.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;
import org.kernelir.core.dispatch.ImplementationTracer;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.interp.Interpreter;
import org.kernelir.core.interp.RunResult;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.op.Samples;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.providers.cpu.CpuProvider;
import org.kernelir.providers.cpu.kernels.ActivationKernels;
import org.kernelir.providers.cpu.kernels.ElemType;
import org.kernelir.providers.cpu.kernels.RmsNormKernels;
import org.kernelir.providers.cpu.kernels.RowScheduler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cpu provider against its baselines, all in one run so that ratios are meaningful:
 * <ul>
 *   <li>{@code nativeGraph}: the op's native implementation, traced and run by the interpreter;</li>
 *   <li>{@code cpuGraph}: the cpu provider's implementation, traced (the functional overload) and run by the
 *       interpreter with a {@link TensorPool}, closing the result each call as {@code onnxRuntime} does: outputs
 *       reuse the previous call's memory;</li>
 *   <li>{@code cpuGraphUnpooled}: the same graph run without a pool, fresh outputs every call (for the record);</li>
 *   <li>{@code cpuKernel}: the cpu kernel alone, writing into preallocated outputs;</li>
 *   <li>{@code onnxRuntime}: ONNX Runtime running the same op's peer model at the same thread count;</li>
 *   <li>{@code copy}: a plain copy moving as many bytes (read + written) as the kernel, split across the same
 *       threads: the machine's bandwidth limit.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx14g"})
public class CpuOpsBenchmark {

    /** {@code op:tokens x hidden} (for silu_and_mul, hidden is the input width 2d). */
    @Param({"rms_norm:8192x4096", "rms_norm:1x4096", "fused_add_rms_norm:8192x4096", "fused_add_rms_norm:1x4096",
            "silu_and_mul:8192x22016"})
    public String opCase;

    private String op;
    private int rows;
    private int cols;
    private List<CpuTensor> inputs;
    private Graph nativeGraph;
    private Graph cpuGraph;
    private Interpreter interpreter;
    private TensorPool pool;
    private CpuTensor out;
    private CpuTensor out2;
    private MemorySegment copySrc;
    private MemorySegment copyDst;
    private OrtEnvironment env;
    private OrtSession session;
    private Map<String, OnnxTensor> ortInputs;

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        String[] parts = opCase.split("[:x]");
        op = parts[0];
        rows = Integer.parseInt(parts[1]);
        cols = Integer.parseInt(parts[2]);
        ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
        RegisteredProvider cpu = registry.register(new CpuProvider());
        interpreter = new Interpreter(registry.kernels());
        pool = new TensorPool(2L << 30);
        CpuTensor x = nativeCopy(Samples.randn(1, DType.F32, 1.0, rows, cols));
        CpuTensor w = nativeCopy(Samples.randn(2, DType.F32, 0.5, cols));
        List<Object> args;
        switch (op) {
            case "rms_norm" -> {
                inputs = List.of(x, w);
                args = java.util.Arrays.asList(x.meta(), w.meta(), 1e-6, null);
                out = CpuTensor.zerosNative(DType.F32, rows, cols);
            }
            case "fused_add_rms_norm" -> {
                CpuTensor r = nativeCopy(Samples.randn(3, DType.F32, 1.0, rows, cols));
                inputs = List.of(x, r, w);
                args = java.util.Arrays.asList(x.meta(), r.meta(), w.meta(), 1e-6, null);
                out = CpuTensor.zerosNative(DType.F32, rows, cols);
                out2 = CpuTensor.zerosNative(DType.F32, rows, cols);
            }
            case "silu_and_mul" -> {
                inputs = List.of(x);
                args = List.of(x.meta());
                out = CpuTensor.zerosNative(DType.F32, rows, cols / 2);
            }
            default -> throw new IllegalArgumentException(op);
        }
        OpDef<?> def = OpRegistry.standard().require(op);
        nativeGraph = ImplementationTracer.trace(nativeImpl(def), args, true);
        cpuGraph = ImplementationTracer.trace(cpu.implementations().get(op), args, true);

        long bytes = trafficBytes();
        copySrc = java.lang.foreign.Arena.ofAuto().allocate(bytes / 2, 64);
        copyDst = java.lang.foreign.Arena.ofAuto().allocate(bytes / 2, 64);

        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(RowScheduler.threads());
        options.setInterOpNumThreads(1);
        try (InputStream in = CpuOpsBenchmark.class.getResourceAsStream("/onnx/" + op + "_f32.onnx")) {
            session = env.createSession(in.readAllBytes(), options);
        }
        ortInputs = new HashMap<>();
        List<String> names = switch (op) {
            case "rms_norm" -> List.of("x", "weight");
            case "fused_add_rms_norm" -> List.of("x", "residual", "weight");
            default -> List.of("x");
        };
        for (int i = 0; i < names.size(); i++) {
            CpuTensor t = inputs.get(i);
            ortInputs.put(names.get(i), OnnxTensor.createTensor(env,
                    t.segment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), t.sizes()));
        }
    }

    /** Inputs live in native memory, where ONNX Runtime reads them without a copy. */
    private static CpuTensor nativeCopy(CpuTensor t) {
        CpuTensor n = CpuTensor.zerosNative(t.dtype(), t.sizes());
        n.copy_(t);
        return n;
    }

    private static <F> Implementation<F> nativeImpl(OpDef<F> op) {
        return Implementation.of(op, op.nativeImpl());
    }

    /** Bytes the fused kernel reads and writes (weights aside). */
    private long trafficBytes() {
        long n = (long) rows * cols * Float.BYTES;
        return switch (op) {
            case "rms_norm" -> 2 * n;
            case "fused_add_rms_norm" -> 4 * n;
            default -> n + n / 2;
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        for (OnnxTensor t : ortInputs.values()) {
            t.close();
        }
        session.close();
        pool.close();
    }

    @Benchmark
    public Object nativeGraph() {
        return interpreter.run(nativeGraph, inputs);
    }

    @Benchmark
    public Object cpuGraph() {
        try (RunResult r = interpreter.run(cpuGraph, inputs, pool)) {
            return r.size();
        }
    }

    @Benchmark
    public Object cpuGraphUnpooled() {
        return interpreter.run(cpuGraph, inputs);
    }

    @Benchmark
    public Object cpuKernel() {
        CpuTensor x = inputs.get(0);
        switch (op) {
            case "rms_norm" -> RmsNormKernels.rmsNorm(ElemType.F32, x.segment(), 0, cols, inputs.get(1).segment(), 0,
                    out.segment(), 0, cols, rows, cols, 1e-6f);
            case "fused_add_rms_norm" -> RmsNormKernels.fusedAddRmsNorm(ElemType.F32, x.segment(), 0, cols,
                    inputs.get(1).segment(), 0, cols, inputs.get(2).segment(), 0, out.segment(), 0, cols,
                    out2.segment(), 0, cols, rows, cols, 1e-6f);
            default -> ActivationKernels.siluAndMul(ElemType.F32, x.segment(), 0, cols, out.segment(), 0, cols / 2, rows,
                    cols / 2);
        }
        return out;
    }

    @Benchmark
    public Object onnxRuntime() throws OrtException {
        try (OrtSession.Result r = session.run(ortInputs)) {
            return r.size();
        }
    }

    @Benchmark
    public Object copy() {
        long half = copySrc.byteSize();
        int chunks = 1024;
        long chunk = (half + chunks - 1) / chunks;
        RowScheduler.forRows(chunks, chunk, (c0, c1) -> {
            long from = c0 * chunk;
            long to = Math.min(half, c1 * chunk);
            if (to > from) {
                MemorySegment.copy(copySrc, from, copyDst, from, to - from);
            }
        });
        return copyDst;
    }

}
