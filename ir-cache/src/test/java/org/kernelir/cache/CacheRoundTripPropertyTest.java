package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.provider.ProviderIdentity;

/** A hit, from memory or from disk, returns exactly the graph a fresh trace gives (invariant 2). */
class CacheRoundTripPropertyTest {

    private static Path base;

    @BeforeContainer
    static void makeBase() throws IOException {
        base = Files.createTempDirectory("kernel-ir-cache-properties");
    }

    @AfterContainer
    static void deleteBase() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Property(tries = 200)
    void coldWarmMemoryAndWarmDiskAllReturnTheTrace(@ForAll("tensors") TensorMeta first,
            @ForAll("argLists") List<Object> rest) throws IOException {
        List<Object> args = new ArrayList<>();
        args.add(first);
        args.addAll(rest);
        ProviderIdentity provider = Fixtures.CPU;
        ReplacementKey key = Fixtures.key("scaled_sum", provider, args);
        Graph expected = Fixtures.trace(key);
        CacheConfig config = ReplacementCaches.builder().diskDirectory(Files.createTempDirectory(base, "try"));

        TieredReplacementCache cache = config.build();
        Graph cold = cache.getOrTrace(key, () -> Fixtures.trace(key));
        Graph warmMemory = cache.getOrTrace(key, () -> Fixtures.trace(key));
        TieredReplacementCache nextProcess = config.build();
        Graph warmDisk = nextProcess.getOrTrace(key, () -> Fixtures.trace(key));

        assertEquals(expected, cold);
        assertEquals(expected, warmMemory);
        assertEquals(expected, warmDisk);
        assertEquals(new CacheStats(1, 0, 1, 1, cache.stats().traceNanos(), 0, 0), cache.stats());
        assertEquals(new CacheStats(0, 1, 0, 0, 0, 0, 0), nextProcess.stats());
    }

    @Provide
    Arbitrary<TensorMeta> tensors() {
        return ArgArbitraries.tensors();
    }

    @Provide
    Arbitrary<List<Object>> argLists() {
        return ArgArbitraries.argLists();
    }
}
