package org.kernelir.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;
import org.kernelir.passes.examples.IrOpCalls;
import org.kernelir.runtime.plugins.FixtureJars;

/**
 * Invariant 7 under churn: threads lower through one {@link KernelIr} with a disk cache while another unloads and
 * reloads the plugin whose provider the priority names. Once the churn stops with the plugin loaded, every lowering
 * served from memory or from disk must select that provider for every node: a result computed while the provider
 * set changed must never be kept under a key that names another set. Bounded to about two seconds.
 */
class CacheChurnTest {

    private static final String PLUGIN = "churn-plugin";
    private static final int NODES = 60;

    @TempDir
    Path dir;

    @Test
    void noLoweringThatRacedAPluginUnloadIsKept() throws Exception {
        Path jar = FixtureJars.provider("good", "good").plugin(PLUGIN, "1.0.0").write(dir.resolve("plugins/churn.jar"));
        Path cacheDir = dir.resolve("cache");
        List<Graph> graphs = new ArrayList<>();
        for (int g = 0; g < 6; g++) {
            graphs.add(chain("chain" + g, 8 + g));
        }
        String expected = "rms_norm=good*" + NODES;
        Priority priority = Priority.parse("rms_norm=good,native");
        List<String> wrong = new CopyOnWriteArrayList<>();
        AtomicInteger lowerings = new AtomicInteger();
        AtomicInteger reloads = new AtomicInteger();
        try (KernelIr ir = KernelIr.builder().pluginsDirectory(dir.resolve("plugins")).priority(priority)
                .cache(ReplacementCaches.builder().diskDirectory(cacheDir).build()).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    int i = first;
                    while (!stop.get()) {
                        try {
                            ir.lower(graphs.get(i++ % graphs.size()));
                            lowerings.incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            Thread churn = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    ir.reloadPlugin(PLUGIN);
                    reloads.incrementAndGet();
                    Thread.onSpinWait();
                }
            });
            Thread.sleep(2_000);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            churn.join();
            assertEquals(List.of(), errors);
            assertTrue(ir.registry().find("good").isPresent(), "the churn ends with the plugin loaded");
            for (Graph g : graphs) {
                String summary = ir.lower(g).report().summary();
                if (!summary.equals(expected)) {
                    wrong.add("memory " + g.name() + ": " + summary);
                }
            }
        }
        // A new process over the same cache folder: what the disk tier serves must be right as well.
        try (KernelIr ir = KernelIr.builder().pluginsDirectory(dir.resolve("plugins")).priority(priority)
                .cache(ReplacementCaches.builder().diskDirectory(cacheDir).build()).build()) {
            for (Graph g : graphs) {
                String summary = ir.lower(g).report().summary();
                if (!summary.equals(expected)) {
                    wrong.add("disk " + g.name() + ": " + summary);
                }
            }
        }
        System.out.printf("CacheChurnTest: %d lowerings, %d reloads of %s (%s), %d wrong results served%n",
                lowerings.get(), reloads.get(), PLUGIN, jar.getFileName(), wrong.size());
        assertTrue(reloads.get() > 0 && lowerings.get() > 0, "the churn ran");
        assertEquals(List.of(), wrong, "graphs served with another provider set than their key names");
    }

    /** {@value #NODES} rms_norm nodes in a chain, over rows of {@code width}. */
    private static Graph chain(String name, int width) {
        return Tracer.trace(name, List.of(
                Tracer.input("x", TensorMeta.of(DType.F32, List.of(Dim.sym("s0"), Dim.of(width)))),
                Tracer.input("w", TensorMeta.of(DType.F32, List.of(Dim.of(width))))),
                t -> {
                    Tensor x = t.get(0);
                    for (int i = 0; i < NODES; i++) {
                        x = IrOpCalls.standard().call(IrOps.RMS_NORM, x, t.get(1), 1e-6);
                    }
                    return x;
                });
    }
}
