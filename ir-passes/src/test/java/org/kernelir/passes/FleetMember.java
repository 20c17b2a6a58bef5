package org.kernelir.passes;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.kernelir.cache.CacheConfig;
import org.kernelir.cache.CacheStats;
import org.kernelir.cache.RemoteCacheConfig;
import org.kernelir.cache.RemoteStats;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.core.dispatch.Dispatcher;
import org.kernelir.core.graph.Graph;
import org.kernelir.passes.examples.ExampleModels;

/**
 * One process of a fleet, for {@link RemoteFleetTest}: lowers every piece of llama-70b-shaped with a cache on its
 * own disk folder and a shared Redis server, then prints its counters on one line.
 *
 * <p>{@code FleetMember <redis URI or "none"> <disk folder>}
 */
public final class FleetMember {

    private FleetMember() {
    }

    /** Prefix of the line with the counters. */
    static final String STATS = "FLEET-STATS";

    /** The dispatcher every member and the test's reference run use. */
    static Dispatcher dispatcher() {
        return Fixtures.dispatcher("default=test,native", new TestProvider());
    }

    /** Lowers every piece of the model with {@code cache}; how many pieces. */
    static int lowerAll(TieredReplacementCache cache) {
        PassManager pm = PassManager.standard(PassConfig.builder(dispatcher()).cache(cache).build());
        int n = 0;
        for (Graph piece : ExampleModels.llama70bShaped().graphs()) {
            pm.run(piece);
            n++;
        }
        return n;
    }

    public static void main(String[] args) {
        CacheConfig config = ReplacementCaches.builder().diskDirectory(Path.of(args[1])).noRemoteCache();
        if (!args[0].equals("none")) {
            config = config.remoteCache(RemoteCacheConfig.of(URI.create(args[0]))
                    .withTimeout(Duration.ofMillis(500)).withLockTimeout(Duration.ofSeconds(30)));
        }
        TieredReplacementCache cache = config.build();
        lowerAll(cache);
        cache.flushRemote(Duration.ofSeconds(10));
        CacheStats s = cache.stats();
        RemoteStats r = cache.remoteStats();
        System.out.println(STATS + " " + s.traces() + " " + s.graphMisses() + " " + s.remoteHits() + " "
                + r.errors() + " " + r.waits());
        System.out.flush();
        cache.closeRemote();
    }
}
