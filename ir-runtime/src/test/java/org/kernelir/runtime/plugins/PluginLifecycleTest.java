package org.kernelir.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.kernelir.runtime.plugins.Fixtures.GOOD;
import static org.kernelir.runtime.plugins.Fixtures.GOOD_ID;
import static org.kernelir.runtime.plugins.Fixtures.goodPlugin;
import static org.kernelir.runtime.plugins.Fixtures.kernelIr;
import static org.kernelir.runtime.plugins.Fixtures.rmsNormProvider;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.ReplacementCache;
import org.kernelir.cache.ReplacementKey;
import org.kernelir.core.dispatch.OpHandle;
import org.kernelir.core.dispatch.Priority;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.op.CallArgs;
import org.kernelir.core.op.IrOps;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.core.provider.RegisteredProvider;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.examples.LlamaBuilder;
import org.kernelir.runtime.KernelIr;

/** Plugins come and go while kernel-ir runs; nothing keeps an unloaded plugin's classes alive. */
class PluginLifecycleTest {

    @TempDir
    Path dir;

    /** Records what a registry tells its listeners. */
    static final class Recorder implements ProviderRegistry.Listener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void registered(RegisteredProvider provider) {
            events.add("+" + provider.name());
        }

        @Override
        public void unregistered(RegisteredProvider provider) {
            events.add("-" + provider.name());
        }
    }

    /** A cache that traces every time and records which providers it was told to forget. */
    static final class ForgetfulCache implements ReplacementCache {
        final List<String> invalidated = new CopyOnWriteArrayList<>();

        @Override
        public Graph getOrTrace(ReplacementKey key, Supplier<Graph> trace) {
            return trace.get();
        }

        @Override
        public CacheStats stats() {
            return CacheStats.EMPTY;
        }

        @Override
        public void invalidateProvider(String providerName) {
            invalidated.add(providerName);
        }

        @Override
        public void clear() {
        }
    }

    @Test
    void unloadAndReloadTellTheRegistrysListenersAndTheCache() {
        Path jar = goodPlugin(dir);
        ForgetfulCache cache = new ForgetfulCache();
        try (LogCapture log = LogCapture.start();
                KernelIr ir = KernelIr.builder().pluginsDirectory(dir).classpathProviders(false)
                        .priority(Priority.parse("rms_norm=good,native")).cache(cache).build()) {
            Recorder recorder = new Recorder();
            ir.registry().addListener(recorder);
            assertEquals(GOOD, rmsNormProvider(ir));
            String fingerprint = ir.registry().find(GOOD).orElseThrow().identity().fingerprint();

            assertTrue(ir.unloadPlugin(GOOD_ID));
            assertEquals(List.of("-good"), recorder.events);
            assertEquals(List.of(GOOD), cache.invalidated);
            assertFalse(ir.registry().find(GOOD).isPresent());
            assertEquals(List.of(), ir.plugins());
            assertEquals("native", rmsNormProvider(ir)); // dispatch goes on without it
            assertFalse(ir.unloadPlugin(GOOD_ID));

            PluginStatus again = ir.loadPlugin(jar);
            assertEquals(LoadState.LOADED, again.state());
            assertEquals(List.of("-good", "+good"), recorder.events);
            assertEquals(GOOD, rmsNormProvider(ir)); // the priority takes it in again
            assertEquals(fingerprint, ir.registry().find(GOOD).orElseThrow().identity().fingerprint());

            assertThrows(IllegalStateException.class, () -> ir.loadPlugin(jar));

            PluginStatus reloaded = ir.reloadPlugin(GOOD_ID);
            assertEquals(LoadState.LOADED, reloaded.state());
            assertEquals(List.of("-good", "+good", "-good", "+good"), recorder.events);
            assertEquals(GOOD, rmsNormProvider(ir));
            Fixtures.assertRmsNormMatchesNative(ir);
            assertEquals(List.of(), log.problems());
        }
    }

    @Test
    void reloadPicksUpAReplacedJarWithItsNewFingerprint() throws Exception {
        Path jar = goodPlugin(dir);
        Path v2 = FixtureJars.provider("good", GOOD).plugin(GOOD_ID, "2.0.0").write(dir.resolveSibling(
                dir.getFileName() + "-v2.jar"));
        try (KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            ClassLoader before = loaderOf(ir);
            String fp1 = ir.registry().find(GOOD).orElseThrow().identity().fingerprint();
            Files.copy(v2, jar, StandardCopyOption.REPLACE_EXISTING);
            PluginStatus s = ir.reloadPlugin(GOOD_ID);
            assertEquals("2.0.0", s.version());
            var id = ir.registry().find(GOOD).orElseThrow().identity();
            assertEquals("2.0.0", id.pluginVersion());
            assertNotEquals(fp1, id.fingerprint());
            assertNotSame(before, loaderOf(ir));
            assertEquals(GOOD, rmsNormProvider(ir));
        } finally {
            Files.deleteIfExists(v2);
        }
    }

    @Test
    void closeUnloadsEveryPlugin() {
        goodPlugin(dir);
        Recorder recorder = new Recorder();
        KernelIr ir = kernelIr(dir, "rms_norm=good,native");
        ir.registry().addListener(recorder);
        ir.close();
        assertEquals(List.of("-good"), recorder.events);
        assertEquals(List.of(ProviderRegistry.NATIVE), ir.registry().all().stream().map(RegisteredProvider::name).toList());
        ir.close(); // idempotent
    }

    @Test
    void afterUnloadThePluginsClassLoaderIsCollected() {
        goodPlugin(dir);
        try (KernelIr ir = kernelIr(dir, "rms_norm=good,native")) {
            // An application keeps its dispatch handles; one that is never called again must not pin the plugin.
            OpHandle<IrOps.RmsNorm> handle = ir.dispatcher().handle(IrOps.RMS_NORM);
            WeakReference<ClassLoader> loader = useThenUnload(ir, handle);
            awaitCollected(loader);
            assertEquals("native", handle.select(new CallArgs(Arrays.asList(Fixtures.x(), Fixtures.w(), 1e-6, null)))
                    .provider());
        }
    }

    /**
     * Dispatches to the plugin through {@code handle} and lowers a model with it (its traced graph goes into the
     * replacement cache), then unloads it; returns only a weak reference to its class loader.
     */
    private static WeakReference<ClassLoader> useThenUnload(KernelIr ir, OpHandle<IrOps.RmsNorm> handle) {
        handle.call(Fixtures.x(), Fixtures.w(), 1e-6);
        assertEquals(GOOD, handle.candidates().getFirst().provider());
        LoweringResult lowered = ir.lower(LlamaBuilder.tiny().build());
        assertEquals(GOOD, lowered.report().nodes().values().stream()
                .filter(sel -> sel.op().equals("rms_norm")).findFirst().orElseThrow().provider());
        WeakReference<ClassLoader> ref = new WeakReference<>(loaderOf(ir));
        assertTrue(ir.unloadPlugin(GOOD_ID));
        return ref;
    }

    private static ClassLoader loaderOf(KernelIr ir) {
        return ir.registry().implementation(IrOps.RMS_NORM, GOOD).orElseThrow().fn().getClass().getClassLoader();
    }

    static void awaitCollected(WeakReference<?> ref) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        List<byte[]> pressure = new ArrayList<>();
        while (ref.get() != null) {
            if (System.nanoTime() > deadline) {
                fail("the unloaded plugin's class loader is still reachable after 20 s of garbage collection");
            }
            System.gc();
            pressure.add(new byte[1 << 20]);
            if (pressure.size() > 64) {
                pressure.clear();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
        }
    }
}
