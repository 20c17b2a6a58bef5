package org.kernelir.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.cache.redis.RedisServer;
import org.kernelir.core.graph.Graph;
import org.kernelir.passes.examples.LlamaBuilder;

/** {@code KernelIr.builder().remoteCache(uri)} against a real redis-server. */
class KernelIrRemoteCacheTest {

    @TempDir
    Path dir;

    @Test
    void twoInstancesShareLoweredGraphsThroughTheServer() throws IOException {
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Graph model = LlamaBuilder.tiny().build();
            java.net.URI uri = java.net.URI.create(redis.uri() + "?timeout=1000"); // loaded machines are slow
            try (KernelIr first = KernelIr.builder().plugins(false).remoteCache(uri).build()) {
                assertTrue(first.lower(model).report().cacheStats().graphMisses() == 1);
            } // closing sends what is queued
            try (KernelIr second = KernelIr.builder().plugins(false).remoteCache(uri).build()) {
                var stats = second.lower(LlamaBuilder.tiny().build()).report().cacheStats();
                assertEquals(1, stats.remoteHits(), stats.toString());
                assertEquals(0, stats.traces(), stats.toString());
                TieredReplacementCache cache = (TieredReplacementCache) second.cache();
                assertTrue(cache.remoteEntries() > 0);
            }
        }
    }

    @Test
    void aCacheAndARemoteUriTogetherAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelIr.builder()
                .plugins(false).cache(ReplacementCaches.builder().noDisk().build())
                .remoteCache(java.net.URI.create("redis://127.0.0.1:1")).build());
        assertTrue(e.getMessage().contains("CacheConfig.remoteCache"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelIr.builder()
                .remoteCache(java.net.URI.create("http://127.0.0.1:1")));
    }
}
