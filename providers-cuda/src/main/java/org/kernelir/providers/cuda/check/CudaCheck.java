package org.kernelir.providers.cuda.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.op.TensorPair;
import org.kernelir.core.op.Tolerance;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.providers.cuda.CudaAvailability;
import org.kernelir.providers.cuda.CudaOps;
import org.kernelir.providers.cuda.CudaProvider;
import org.kernelir.providers.cuda.runtime.CudaDevice;
import org.kernelir.providers.cuda.runtime.DeviceBuffer;

/**
 * The GPU check's Java part, for a machine with an NVIDIA GPU (run by {@code gpu-check/run-gpu-check.sh}):
 * <ol>
 *   <li>every cuda kernel op, every dtype, against the native implementation on the CPU (the kernels run on the
 *       GPU through host staging: inputs copied in, outputs copied back);</li>
 *   <li>a benchmark of rms_norm [8192 x 4096], fused_add_rms_norm [8192 x 4096] and silu_and_mul [8192 x 28672]
 *       in bf16 (plus rotary, the quant ops) against a device-to-device copy moving the same number of bytes, timed
 *       with CUDA events in the same run, printing each ratio (copy time / op time: the share of copy bandwidth).</li>
 * </ol>
 * Exit status 0 when every comparison passes; 1 otherwise; 2 when the provider is unavailable.
 */
public final class CudaCheck {

    private CudaCheck() {
    }

    private static int failures;

    /** Runs the check; {@code --no-bench} skips the benchmark. */
    public static void main(String[] args) throws Exception {
        CudaAvailability a = CudaProvider.probe();
        System.out.println("cuda provider: " + (a.availability().available() ? "available, " : "UNAVAILABLE: ")
                + a.availability().reason());
        if (!a.availability().available()) {
            System.exit(2);
        }
        CudaDevice dev = CudaProvider.device(0);
        System.out.println("device: " + dev.name() + ", " + dev.multiprocessors() + " SMs");
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            correctness(t);
        }
        System.out.println(failures == 0 ? "CORRECTNESS: all ops match native" : "CORRECTNESS: " + failures
                + " comparison(s) FAILED");
        if (!Arrays.asList(args).contains("--no-bench")) {
            bench(dev);
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    // ---- correctness ------------------------------------------------------------------------------------------

    private static CpuTensor random(DType t, long seed, double scale, long... shape) {
        Random r = new Random(seed);
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * scale;
        }
        return CpuTensor.of(t, v, shape);
    }

    private static Object run(String kernel, Object... args) throws Exception {
        java.lang.reflect.Field f = Class.forName("org.kernelir.providers.cuda.CudaKernelOps").getDeclaredField(kernel);
        f.setAccessible(true);
        KernelDef def = (KernelDef) f.get(null);
        return def.body().run(new ArrayList<>(Arrays.asList(args)));
    }

    private static void compare(String what, Tensor got, Tensor want) {
        CpuTensor g = (CpuTensor) got.contiguous();
        CpuTensor w = (CpuTensor) want.contiguous();
        if (!Arrays.equals(g.sizes(), w.sizes())) {
            fail(what, "shape " + Arrays.toString(g.sizes()) + " != native " + Arrays.toString(w.sizes()));
            return;
        }
        double[] gv = g.toDoubleArray();
        double[] wv = w.toDoubleArray();
        int bad = 0;
        double maxErr = 0;
        if (g.dtype().isFp8()) {
            // fp8: one code apart at most (a different rounding of x / scale in the last f32 bit).
            for (int i = 0; i < gv.length; i++) {
                int gc = g.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
                int wc = w.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
                boolean ok = gc == wc || (Double.isNaN(gv[i]) && Double.isNaN(wv[i])) || Math.abs(gc - wc) <= 1;
                bad += ok ? 0 : 1;
                maxErr = Math.max(maxErr, Math.abs(gv[i] - wv[i]));
            }
        } else {
            // The norms override f16's tolerance (the semantics page: rms_norm in f16 1e-2 / 2e-3).
            Tolerance tol = g.dtype() == DType.F16 && (what.startsWith("rms_norm") || what.startsWith("fused"))
                    ? new Tolerance(1e-2, 2e-3) : Tolerance.defaultFor(g.dtype());
            for (int i = 0; i < gv.length; i++) {
                boolean ok = tol.matches(gv[i], wv[i]);
                bad += ok ? 0 : 1;
                if (!Double.isNaN(gv[i]) && !Double.isNaN(wv[i])) {
                    maxErr = Math.max(maxErr, Math.abs(gv[i] - wv[i]));
                }
            }
        }
        if (bad > 0) {
            fail(what, bad + " of " + gv.length + " elements outside tolerance, max abs err " + maxErr);
        } else {
            System.out.printf("  ok   %-58s max abs err %.3g%n", what, maxErr);
        }
    }

    private static void fail(String what, String why) {
        failures++;
        System.out.printf("  FAIL %-58s %s%n", what, why);
    }

    @SuppressWarnings("unchecked")
    private static void correctness(DType t) throws Exception {
        System.out.println("correctness, " + t + ":");
        long rows = 37;
        int h = 4096;
        CpuTensor x = random(t, 1, 1.0, rows, h);
        CpuTensor res = random(t, 2, 1.0, rows, h);
        CpuTensor w = random(t, 3, 1.0, h);
        compare("rms_norm " + t, (Tensor) run("RMS_NORM", x, w, 1e-6), NativeOps.rmsNorm(x, w, 1e-6, null));
        compare("rms_norm no weight " + t, (Tensor) run("RMS_NORM", x, null, 1e-6),
                NativeOps.rmsNorm(x, null, 1e-6, null));
        CpuTensor huge = random(t, 4, t == DType.F16 ? 100 : 1e18, rows, h);
        compare("rms_norm rms 1e18 (overflow-safe) " + t, (Tensor) run("RMS_NORM", huge, w, 1e-6),
                NativeOps.rmsNorm(huge, w, 1e-6, null));
        TensorPair fn = NativeOps.fusedAddRmsNorm(x, res, w, 1e-5, null);
        List<Tensor> fo = (List<Tensor>) run("FUSED_ADD_RMS_NORM", x, res, w, 1e-5);
        compare("fused_add_rms_norm y " + t, fo.get(0), fn.first());
        compare("fused_add_rms_norm residual " + t, fo.get(1), fn.second());
        CpuTensor xi = (CpuTensor) x.cloneTensor();
        CpuTensor ri = (CpuTensor) res.cloneTensor();
        run("FUSED_ADD_RMS_NORM_", xi, ri, w, 1e-5);
        compare("fused_add_rms_norm_ (in place) y " + t, xi, fn.first());
        compare("fused_add_rms_norm_ (in place) residual " + t, ri, fn.second());
        CpuTensor g = random(t, 5, 3.0, rows, 2 * 1024);
        compare("silu_and_mul " + t, (Tensor) run("SILU_AND_MUL", g), NativeOps.siluAndMul(g));
        compare("gelu_and_mul none " + t, (Tensor) run("GELU_AND_MUL", g, "none"), NativeOps.geluAndMul(g, "none"));
        compare("gelu_and_mul tanh " + t, (Tensor) run("GELU_AND_MUL", g, "tanh"), NativeOps.geluAndMul(g, "tanh"));
        for (boolean neox : List.of(true, false)) {
            for (long rot : List.of(128L, 64L)) {
                long tokens = 19;
                CpuTensor pos = CpuTensor.ofLongs(DType.I64, new Random(6).longs(tokens, 0, 512).toArray(), tokens);
                CpuTensor q = random(t, 7, 1.0, tokens, 8 * 128);
                CpuTensor k = random(t, 8, 1.0, tokens, 2 * 128);
                CpuTensor cache = random(t, 9, 1.0, 512, rot);
                TensorPair want = NativeOps.rotaryEmbedding(pos, q, k, 128, rot, cache, neox);
                CpuTensor qi = (CpuTensor) q.cloneTensor();
                CpuTensor ki = (CpuTensor) k.cloneTensor();
                run("ROTARY_EMBEDDING_", pos, qi, ki, 128L, rot, cache, neox);
                String v = (neox ? "neox" : "gpt-j") + " rotary_dim " + rot + " " + t;
                compare("rotary_embedding_ query " + v, qi, want.first());
                compare("rotary_embedding_ key " + v, ki, want.second());
            }
        }
        CpuTensor scale = CpuTensor.of(DType.F32, new double[] {0.0125}, 1);
        compare("static_quant_fp8 " + t, (Tensor) run("STATIC_QUANT_FP8", x, scale),
                NativeOps.staticQuantFp8(x, scale, DType.F8E4M3FN));
        for (boolean perToken : List.of(true, false)) {
            for (Double ub : Arrays.asList(null, 1.5)) {
                TensorPair want = NativeOps.dynamicQuantFp8(x, perToken, DType.F8E4M3FN, ub);
                List<Tensor> got = (List<Tensor>) run("DYNAMIC_QUANT_FP8", x, perToken, ub);
                String v = (perToken ? "per token" : "per tensor") + (ub == null ? "" : " scale_ub " + ub) + " " + t;
                compare("dynamic_quant_fp8 q " + v, got.get(0), want.first());
                compare("dynamic_quant_fp8 scale " + v, got.get(1), want.second());
            }
        }
        for (long group : List.of(128L, 64L)) {
            for (boolean colMajor : List.of(false, true)) {
                for (boolean ue8m0 : List.of(false, true)) {
                    TensorPair want = NativeOps.dynamicGroupQuantFp8(x, List.of(1L, group), colMajor, ue8m0,
                            DType.F8E4M3FN);
                    List<Tensor> got = (List<Tensor>) run("DYNAMIC_GROUP_QUANT_FP8", x, group, colMajor, ue8m0);
                    String v = "g" + group + (colMajor ? " column-major" : "") + (ue8m0 ? " ue8m0" : "") + " " + t;
                    compare("dynamic_group_quant_fp8 q " + v, got.get(0), want.first());
                    compare("dynamic_group_quant_fp8 scales " + v, got.get(1), want.second());
                }
            }
        }
    }

    // ---- benchmark ----------------------------------------------------------------------------------------------

    private interface Body {
        void run();
    }

    private static float time(CudaDevice d, int iters, Body body) {
        var drv = d.driver();
        return d.call(() -> {
            for (int i = 0; i < 3; i++) {
                body.run();
            }
            var start = drv.eventCreate(0);
            var end = drv.eventCreate(0);
            drv.eventRecord(start, d.stream());
            for (int i = 0; i < iters; i++) {
                body.run();
            }
            drv.eventRecord(end, d.stream());
            drv.eventSynchronize(end);
            float ms = drv.eventElapsedMillis(start, end) / iters;
            drv.eventDestroy(start);
            drv.eventDestroy(end);
            return ms;
        });
    }

    private static void report(CudaDevice d, String what, long trafficBytes, Body op) {
        long copyBytes = trafficBytes / 2;
        DeviceBuffer src = d.allocate(copyBytes);
        DeviceBuffer dst = d.allocate(copyBytes);
        float copy = time(d, 20, () -> d.copyDeviceToDevice(src, dst, copyBytes));
        float t = time(d, 20, op);
        d.free(src);
        d.free(dst);
        System.out.printf("  %-46s %8.3f ms  %7.1f GB/s   copy %8.3f ms  %7.1f GB/s   ratio %.2f%n", what, t,
                trafficBytes / (t * 1e6), copy, trafficBytes / (copy * 1e6), copy / t);
    }

    private static void bench(CudaDevice d) {
        System.out.println("benchmark, bf16, CUDA events, mean of 20 launches after 3 warm-ups (ratio = copy time / op "
                + "time for a device-to-device copy moving the same bytes):");
        DType t = DType.BF16;
        long rows = 8192;
        int h = 4096;
        long n = rows * h * 2;
        DeviceBuffer x = d.allocate(n);
        DeviceBuffer r = d.allocate(n);
        DeviceBuffer y = d.allocate(n);
        DeviceBuffer w = d.allocate(h * 2L);
        d.fill32(x, 0x3f803f80, n / 4);
        d.fill32(r, 0x3f803f80, n / 4);
        d.fill32(w, 0x3f803f80, h / 2);
        report(d, "rms_norm [8192 x 4096]", 2 * n, () -> CudaOps.rmsNorm(d, t, y.pointer(), x.pointer(), h,
                w.pointer(), rows, h, 1e-6f));
        report(d, "fused_add_rms_norm in place [8192 x 4096]", 4 * n, () -> CudaOps.fusedAddRmsNorm(d, t,
                x.pointer(), h, r.pointer(), h, x.pointer(), h, r.pointer(), h, w.pointer(), rows, h, 1e-6f));
        DeviceBuffer q8 = d.allocate(rows * h);
        DeviceBuffer sc = d.allocate(4 * rows * (h / 128));
        report(d, "dynamic_quant_fp8 per token [8192 x 4096]", n + rows * h, () -> CudaOps.perTokenQuant(d, t,
                q8.pointer(), sc.pointer(), x.pointer(), h, rows, h, null));
        report(d, "dynamic_quant_fp8 per tensor [8192 x 4096]", 2 * n + rows * h, () -> CudaOps.perTensorQuant(d,
                t, q8.pointer(), sc.pointer(), x.pointer(), h, rows, h, null));
        report(d, "dynamic_group_quant_fp8 g128 [8192 x 4096]", n + rows * h, () -> CudaOps.groupQuant(d, t,
                q8.pointer(), sc.pointer(), x.pointer(), h, rows, h, 128, false, false));
        report(d, "static_quant_fp8 [8192 x 4096]", n + rows * h, () -> CudaOps.quantFp8(d, t, q8.pointer(),
                x.pointer(), h, rows, h, sc.pointer()));
        // Rotary: 8192 tokens, 32 query heads and 8 key heads of 128, full rotary dim; in place.
        DeviceBuffer pos = d.allocate(8 * rows);
        d.fill32(pos, 0, 2 * rows);
        DeviceBuffer cache = d.allocate(2L * 128);
        d.fill32(cache, 0x3f803f80, 64);
        report(d, "rotary_embedding neox [8192 x (32+8) x 128]", 2 * rows * 40 * 128 * 2, () -> CudaOps.rotary(d,
                t, pos.pointer(), x.pointer(), 32 * 128, 32, r.pointer(), 8 * 128, 8, 128, 128, cache.pointer(), 1,
                true, rows));
        int half = 14336;
        long gn = rows * 2L * half * 2;
        DeviceBuffer g = d.allocate(gn);
        DeviceBuffer go = d.allocate(gn / 2);
        d.fill32(g, 0x3f803f80, gn / 4);
        report(d, "silu_and_mul [8192 x 28672]", gn + gn / 2, () -> CudaOps.actAndMul(d, t, go.pointer(),
                g.pointer(), 2L * half, rows, half, 0));
        d.synchronize();
        for (DeviceBuffer b : List.of(x, r, y, w, q8, sc, pos, cache, g, go)) {
            d.free(b);
        }
    }
}
