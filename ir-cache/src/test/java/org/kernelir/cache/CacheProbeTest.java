package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.provider.ProviderIdentity;

/** {@link ReplacementCache#probe}: hits by tier, and misses that say which part of the key differs. */
class CacheProbeTest {

    @TempDir
    Path dir;

    @Test
    void aHitInMemoryAndOnDiskAndAMissWithNoEntry() {
        ReplacementKey key = Fixtures.key(Fixtures.CPU, 64);
        TieredReplacementCache cache = ReplacementCaches.builder().diskDirectory(dir).build();
        CacheProbe before = cache.probe(key);
        assertEquals(CacheProbe.Status.MISS, before.status());
        assertTrue(before.reason().startsWith("no entry for op fused_add by provider cpu"), before.reason());
        cache.getOrTrace(key, () -> Fixtures.trace(key));
        assertEquals(CacheProbe.Status.MEMORY_HIT, cache.probe(key).status());
        TieredReplacementCache fresh = ReplacementCaches.builder().diskDirectory(dir).build();
        assertEquals(CacheProbe.Status.DISK_HIT, fresh.probe(key).status(), "a new process finds it on disk");
        assertEquals(0, fresh.stats().hits() + fresh.stats().diskHits() + fresh.stats().misses(), "probing counts nothing");
    }

    @Test
    void aMissNamesTheArgumentThatDiffers() {
        ReplacementKey stored = Fixtures.key(Fixtures.CPU, 64);
        TieredReplacementCache cache = ReplacementCaches.builder().diskDirectory(dir).build();
        cache.getOrTrace(stored, () -> Fixtures.trace(stored));
        TieredReplacementCache fresh = ReplacementCaches.builder().diskDirectory(dir).build();
        CacheProbe p = fresh.probe(Fixtures.key(Fixtures.CPU, 128));
        assertEquals(CacheProbe.Status.MISS, p.status());
        assertEquals(List.of(0, 1), p.argsDiffer(), p.reason());
        assertTrue(p.reason().contains("argument 0 (entry X(f32,[s0,64]"), p.reason());
    }

    @Test
    void aMissNamesTheProvidersFingerprintOrVersion() {
        ReplacementKey stored = Fixtures.key(Fixtures.CPU, 64);
        ProviderIdentity rebuilt = Fixtures.provider("cpu", "beef00");
        CacheProbe fp = CacheProbe.miss(Fixtures.key(rebuilt, 64), List.of(stored.text()));
        assertEquals("the provider's fingerprint differs (entry sha256:c0ffee, now sha256:beef00)", fp.reason());

        ProviderIdentity v1 = new ProviderIdentity("acme", ProviderIdentity.Source.PLUGIN, "acme-kernels", "1.0.0",
                "/p/a.jar", "aa");
        ProviderIdentity v2 = new ProviderIdentity("acme", ProviderIdentity.Source.PLUGIN, "acme-kernels", "1.0.1",
                "/p/a.jar", "aa");
        CacheProbe version = CacheProbe.miss(Fixtures.key(v2, 64), List.of(Fixtures.key(v1, 64).text()));
        assertEquals("the provider's version differs (entry 1.0.0, now 1.0.1)", version.reason());

        CacheProbe other = CacheProbe.miss(Fixtures.key(Fixtures.CUDA, 64), List.of(stored.text()));
        assertTrue(other.reason().startsWith("no entry for op fused_add by provider cuda"), "another provider's "
                + "entry is not a near miss: " + other.reason());
    }

    @Test
    void aMissByTheCodeIdentityNamesThePipeline() {
        ReplacementKey stored = Fixtures.key(Fixtures.CPU, 64);
        String older = stored.text().replaceFirst("\ncode [^\n]*\n", "\ncode 0123456789abcdef\n");
        CacheProbe p = CacheProbe.miss(stored, List.of(older));
        assertTrue(p.reason().startsWith("the pipeline's identity differs (kernel-ir code 0123456789ab made the "
                + "entry"), p.reason());
    }

    @Test
    void aDisabledCacheSaysItIsOff() {
        assertEquals(CacheProbe.Status.OFF, ReplacementCache.disabled().probe(Fixtures.key(Fixtures.CPU, 64)).status());
    }
}
