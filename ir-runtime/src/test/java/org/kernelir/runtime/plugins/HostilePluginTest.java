package org.kernelir.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernelir.runtime.plugins.Fixtures.assertGoodLoadedAndUsed;
import static org.kernelir.runtime.plugins.Fixtures.goodPlugin;
import static org.kernelir.runtime.plugins.Fixtures.kernelIr;
import static org.kernelir.runtime.plugins.Fixtures.statusOf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.interp.InterpreterException;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.provider.ProviderCalls;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.examples.IrOpCalls;
import org.kernelir.runtime.KernelIr;

/**
 * Hostile plugin JARs, built by the test: none of them can hang the host or take another's name. Deadlines are
 * shortened through their system properties so the test takes about a second.
 */
class HostilePluginTest {

    @TempDir
    Path dir;

    @AfterEach
    void restoreDeadlines() {
        for (ProviderCalls.Kind k : ProviderCalls.Kind.values()) {
            System.clearProperty(k.property());
        }
    }

    @Test
    void aLoopingSupportsIsSkippedWithOneWarningAndLoweringGoesOn() {
        System.setProperty(ProviderCalls.Kind.SUPPORTS.property(), "300");
        Path jar = FixtureJars.provider("supports_loops", "loopy").plugin("loopy-plugin", "1.0.0")
                .write(dir.resolve("loopy.jar"));
        goodPlugin(dir);
        Graph g = norms(20);
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=loopy,good,native")) {
            long t0 = System.nanoTime();
            LoweringResult r = ir.lower(g);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("rms_norm=good*20", r.report().summary());
            List<String> warnings = log.problems().stream().filter(m -> m.contains("loopy")).toList();
            assertEquals(1, warnings.size(), warnings::toString);
            String w = warnings.getFirst();
            assertTrue(w.contains("provider loopy (plugin loopy-plugin@1.0.0") && w.contains(jar.getFileName().toString())
                    && w.contains("checking supports() of op rms_norm") && w.contains("within 300 ms"), w);
            // A second lowering does not wait for it again: the hung rule is remembered.
            long t1 = System.nanoTime();
            assertEquals("rms_norm=good*20", ir.lower(norms(21)).report().summary().replace("21", "20"));
            long again = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("HostilePluginTest: looping supports: first lowering %d ms, second %d ms%n", ms, again);
            // One abandoned thread spins in the rule; nobody waited for it again (that would have left a second).
            long stuck = Thread.getAllStackTraces().values().stream().filter(st -> java.util.Arrays.stream(st)
                    .anyMatch(f -> f.getClassName().startsWith("fixtures.loops.LoopingSupportsProvider"))).count();
            assertEquals(1, stuck, "threads stuck in the looping supports rule");
        }
    }

    @Test
    void aSleepingStaticInitializerDelaysNothingBeyondItsDeadline() {
        System.setProperty(ProviderCalls.Kind.START.property(), "300");
        Path jar = FixtureJars.provider("static_sleeps", "sleepy").plugin("sleepy-plugin", "1.0.0")
                .write(dir.resolve("sleepy.jar"));
        goodPlugin(dir);
        long t0 = System.nanoTime();
        try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("HostilePluginTest: sleeping static initializer: start-up %d ms%n", ms);
            assertTrue(ms < 20_000, "start-up took " + ms + " ms");
            assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, jar);
            assertEquals(LoadState.FAILED, s.state(), s::toString);
            assertTrue(s.message().contains("plugin sleepy-plugin@1.0.0") && s.message().contains("did not finish "
                    + "starting") && s.message().contains("fixtures.sleeps.SleepingInitProvider"), s.message());
            assertEquals(1, log.problems().stream().filter(m -> m.contains("sleepy-plugin")).count(),
                    log.problems()::toString);
        }
    }

    @Test
    void aKernelLyingAboutItsDtypeFailsTheRunNamingProviderOpAndNode() {
        FixtureJars.provider("lies_dtype", "liar").plugin("liar-plugin", "1.0.0").write(dir.resolve("liar.jar"));
        try (KernelIr ir = kernelIr(dir, "rms_norm=liar,native")) {
            Graph g = norms(1);
            LoweringResult r = ir.lower(g);
            assertEquals("rms_norm=liar", r.report().summary());
            List<CpuTensor> in = List.of(CpuTensor.zeros(DType.F32, 3, 4), CpuTensor.zeros(DType.F32, 4));
            InterpreterException e = assertThrows(InterpreterException.class, () -> ir.run(r.graph(), in));
            String msg = e.getMessage();
            assertTrue(msg.contains("liar::rms_norm_quietly_bf16") && msg.contains("provider liar")
                    && msg.contains("has dtype bf16 but its metadata declares f32") && msg.contains("node "), msg);
        }
    }

    @Test
    void aThrowingConstructorFailsAloneAndTheOthersLoad() {
        Path jar = FixtureJars.provider("ctor_throws", "ctor").plugin("ctor-plugin", "1.0.0")
                .write(dir.resolve("ctor.jar"));
        goodPlugin(dir);
        try (KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            assertGoodLoadedAndUsed(ir);
            PluginStatus s = statusOf(ir, jar);
            assertEquals(LoadState.FAILED, s.state());
            assertTrue(s.message().contains("could not be constructed"), s.message());
        }
    }

    @Test
    void anImpostorOfCpuIsRejectedWhicheverJarIsReadFirst() {
        for (String impostorFile : List.of("aaa-impostor.jar", "zzz-impostor.jar")) {
            Path d = dir.resolve(impostorFile.substring(0, 3));
            Path own = FixtureJars.provider("builtin_cpu", "cpu").plugin("kernel-ir-cpu", "0.1.0")
                    .write(d.resolve("providers-cpu.jar"));
            Path impostor = FixtureJars.provider("impostor", "cpu").plugin("acme-fast", "2.0.0")
                    .write(d.resolve(impostorFile));
            try (LogCapture log = LogCapture.start(); KernelIr ir = kernelIr(d, "rms_norm=cpu,native")) {
                var cpu = ir.registry().find("cpu").orElseThrow().identity();
                assertEquals("kernel-ir-cpu", cpu.pluginId(), impostorFile);
                PluginStatus s = statusOf(ir, impostor);
                assertEquals(LoadState.FAILED, s.state(), s::toString);
                assertTrue(s.message().contains(impostor.toAbsolutePath().normalize().toString())
                        && s.message().contains(own.toAbsolutePath().normalize().toString())
                        && s.message().contains("reserved for kernel-ir's own provider cpu"), s.message());
                assertEquals(1, log.problems().stream().filter(m -> m.contains("acme-fast")).count());
            }
        }
    }

    @Test
    void aPluginProviderCannotBeCalledNative() {
        Path jar = FixtureJars.provider("good", "native").plugin("native-plugin", "1.0.0")
                .write(dir.resolve("native.jar"));
        try (KernelIr ir = kernelIr(dir, "rms_norm=native")) {
            PluginStatus s = statusOf(ir, jar);
            assertEquals(LoadState.FAILED, s.state());
            assertTrue(s.message().contains("'native' is reserved"), s.message());
        }
    }

    @Test
    void aPluginCallingSystemExitIsNamed() throws Exception {
        Path plugins = dir.resolve("plugins");
        FixtureJars.provider("exits", "exiting").plugin("exiting-plugin", "1.0.0").write(plugins.resolve("exit.jar"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExitingMain.class.getName(), plugins.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not end");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(7, p.exitValue(), out);
        assertTrue(out.contains("kernel-ir: plugin exiting-plugin@1.0.0 (" + plugins.resolve("exit.jar")
                .toAbsolutePath().normalize() + ") ended the process with System.exit, at fixtures.exits."
                + "ExitingProvider.availability"), out);
    }

    /** The child of {@link #aPluginCallingSystemExitIsNamed}: loads the plugins of its argument. */
    public static final class ExitingMain {
        public static void main(String[] args) throws IOException {
            try (KernelIr ir = kernelIr(Path.of(args[0]), "rms_norm=native")) {
                System.out.println("not reached: " + ir.plugins());
            }
        }
    }

    private static Graph norms(int n) {
        return Tracer.trace("norms" + n, List.of(
                Tracer.input("x", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(4)))),
                Tracer.input("w", TensorMeta.of(DType.F32, List.of(Dim.of(4))))),
                t -> {
                    Tensor x = t.get(0);
                    for (int i = 0; i < n; i++) {
                        x = IrOpCalls.standard().call(IrOps.RMS_NORM, x, t.get(1), 1e-6);
                    }
                    return x;
                });
    }
}
