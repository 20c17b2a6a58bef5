package org.kernelir.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.cache.redis.RedisServer;

/**
 * Separate JVM processes (each with its own empty disk folder) sharing one real {@code redis-server}: the second of
 * two traces nothing; eight at once trace each replacement key once in all; and a process without a remote cache
 * loads nothing of the remote tier.
 */
class RemoteFleetTest {

    @TempDir
    Path tmp;

    private RedisServer redis;

    @BeforeEach
    void startRedis() throws IOException {
        redis = RedisServer.start(Files.createDirectories(tmp.resolve("redis")));
    }

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    /** The counters a member printed: traces, graph misses, remote hits, remote errors, waits. */
    private record Counters(long traces, long graphMisses, long remoteHits, long errors, long waits) {
    }

    private Process member(String uri, String name, String... jvmArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xmx1g", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(Arrays.asList(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FleetMember.class.getName(), uri,
                tmp.resolve(name).toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".out").toFile()).start();
    }

    private String output(Process p, String name) throws IOException, InterruptedException {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), name + " did not finish");
        String out = Files.readString(tmp.resolve(name + ".out"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), name + " failed:\n" + out);
        return out;
    }

    private Counters counters(Process p, String name) throws IOException, InterruptedException {
        String out = output(p, name);
        String line = out.lines().filter(l -> l.startsWith(FleetMember.STATS)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " printed no counters:\n" + out));
        long[] v = Arrays.stream(line.split(" ")).skip(1).mapToLong(Long::parseLong).toArray();
        return new Counters(v[0], v[1], v[2], v[3], v[4]);
    }

    @Test
    void theSecondProcessTracesNothing() throws Exception {
        String uri = redis.uri().toString();
        Counters first = counters(member(uri, "first"), "first");
        Counters second = counters(member(uri, "second"), "second");

        assertTrue(first.traces() > 0 && first.graphMisses() > 0, first.toString());
        assertEquals(0, second.traces(), second.toString());
        assertEquals(0, second.graphMisses(), second.toString());
        assertEquals(first.graphMisses(), second.remoteHits(), "every piece came from the server: " + second);
        assertEquals(0, first.errors() + second.errors());
    }

    @Test
    void eightProcessesAtOnceTraceEachKeyOnceInAll() throws Exception {
        // The reference: how many distinct replacement keys and pieces lowering the model has.
        TieredReplacementCache alone = ReplacementCaches.builder().noDisk().noRemoteCache().build();
        FleetMember.lowerAll(alone);
        long keys = alone.stats().traces();
        long pieces = alone.stats().graphMisses();

        String uri = redis.uri().toString();
        List<Process> fleet = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            fleet.add(member(uri, "m" + i));
        }
        List<Counters> counters = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            counters.add(counters(fleet.get(i), "m" + i));
        }

        assertTrue(keys > 0);
        assertEquals(keys, counters.stream().mapToLong(Counters::traces).sum(), counters.toString());
        assertEquals(pieces, counters.stream().mapToLong(Counters::graphMisses).sum(), counters.toString());
        assertEquals(0, counters.stream().mapToLong(Counters::errors).sum(), counters.toString());
    }

    @Test
    void withoutAUriNothingOfTheRemoteTierLoads() throws Exception {
        String out = output(member("none", "local", "-Xlog:class+load=info"), "local");

        assertTrue(out.contains(FleetMember.STATS), out.lines().limit(5).toList().toString());
        assertTrue(out.contains("org.kernelir.cache.TieredReplacementCache"), "class loading is logged");
        assertFalse(out.contains("redis.clients."), "a Redis client class was loaded");
        assertFalse(out.contains("org.kernelir.cache.RemoteTier"), "the remote tier was loaded");
        assertFalse(out.contains("org.kernelir.cache.RedisStore"), "the Redis store was loaded");
    }
}
