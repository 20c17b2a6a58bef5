package org.kernelir.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.op.OpRegistry;
import org.kernelir.core.provider.ProviderRegistry;
import org.kernelir.runtime.KernelIrVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs how long discovering and starting two plugins takes (the target is under 300 ms; ir-bench measures it
 * properly). No timing assertion: a unit test is no benchmark.
 */
class PluginLoadTimingTest {

    private static final Logger LOG = LoggerFactory.getLogger(PluginLoadTimingTest.class);

    @Test
    void loadingTwoPluginsFromAFolder(@TempDir Path dir) {
        FixtureJars.provider("good", "first").plugin("first-plugin", "1.0.0").write(dir.resolve("first.jar"));
        FixtureJars.provider("good", "second").plugin("second-plugin", "1.0.0").write(dir.resolve("second.jar"));
        for (int run = 1; run <= 3; run++) {
            ProviderRegistry registry = new ProviderRegistry(OpRegistry.standard());
            long t0 = System.nanoTime();
            List<PluginStatus> loaded;
            try (PluginHost host = new PluginHost(registry, dir, KernelIrVersion.current())) {
                loaded = host.loadAll();
                long t1 = System.nanoTime();
                LOG.info("run {}: discovered and started 2 plugins ({} providers) in {} ms", run,
                        registry.all().size() - 1, String.format("%.1f", (t1 - t0) / 1e6));
                assertEquals(List.of(LoadState.LOADED, LoadState.LOADED), loaded.stream().map(PluginStatus::state)
                        .toList());
            }
        }
    }
}
