package org.kernelir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.cache.redis.RedisServer;

/** {@code kir lower --remote-cache}, {@code kir cache stats} and {@code kir cache clear --remote} on a real server. */
class RemoteCacheCommandTest {

    @TempDir
    Path dir;

    @Test
    void aSecondMachineGetsEverythingFromTheServerAndStatsAndClearShowIt() throws IOException {
        KirRunner kir = new KirRunner(dir);
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            String uri = redis.uri() + "?timeout=1000"; // a loaded test machine can take longer than 50 ms
            KirRunner.Result firstRun = kir.run("lower", "--example", "tiny", "--cache-dir",
                    dir.resolve("a").toString(), "--remote-cache", uri, "--json");
            assertEquals(0, firstRun.code(), firstRun.toString());
            JsonNode first = firstRun.json();
            assertTrue(first.get("cache").get("traces").asInt() > 0);

            // Another machine: an empty disk folder, the same server.
            JsonNode second = kir.run("lower", "--example", "tiny", "--cache-dir", dir.resolve("b").toString(),
                    "--remote-cache", uri, "--json").json();
            assertEquals(0, second.get("cache").get("traces").asInt(), second.toString());
            assertEquals(1, second.get("cache").get("remote_hits").asInt(), "the lowered graph: " + second);

            KirRunner.Result statsRun = kir.run("cache", "stats", "--cache-dir", dir.resolve("b").toString(),
                    "--remote-cache", uri, "--json");
            assertEquals(0, statsRun.code(), statsRun.toString());
            JsonNode stats = statsRun.json();
            assertEquals(1, stats.get("lowered_graphs").asInt(), "the remote hit was written to disk: " + stats);
            JsonNode remote = stats.get("remote");
            int entries = remote.get("entries").asInt();
            assertEquals(first.get("cache").get("traces").asInt() + 1, entries, remote.toString());
            assertEquals(1, remote.get("hits").asInt(), remote.toString());
            assertTrue(remote.get("misses").asInt() > 0, remote.toString());
            assertEquals(0, remote.get("errors").asInt(), remote.toString());
            assertTrue(remote.get("probe_us").asDouble() > 0, remote.toString());
            KirRunner.Result text = kir.run("cache", "stats", "--cache-dir", dir.resolve("b").toString(),
                    "--remote-cache", uri);
            assertTrue(text.out().contains("remote cache " + uri + System.lineSeparator() + "  " + entries
                    + " entries; fleet: 1 hits"),
                    text.toString());

            KirRunner.Result clear = kir.run("cache", "clear", "--remote", "--remote-cache", uri);
            assertEquals(0, clear.code(), clear.toString());
            assertTrue(clear.out().contains("cleared remote cache " + uri), clear.toString());
            assertEquals(0, kir.run("cache", "stats", "--cache-dir", dir.resolve("b").toString(), "--remote-cache",
                    uri, "--json").json().get("remote").get("entries").asInt());
            assertEquals(1, kir.run("cache", "stats", "--cache-dir", dir.resolve("b").toString(), "--json").json()
                    .get("lowered_graphs").asInt(), "clear --remote leaves the disk alone");
        }
        KirRunner.Result none = kir.run("cache", "clear", "--remote");
        assertEquals(1, none.code(), none.toString());
        assertTrue(none.err().contains("needs a remote cache: give --remote-cache URI"), none.toString());
        KirRunner.Result bad = kir.run("lower", "--example", "tiny", "--cache-dir", dir.resolve("c").toString(),
                "--remote-cache", "http://x");
        assertTrue(bad.code() != 0 && bad.err().contains("--remote-cache: remote cache URI http://x must start with "
                + "redis://"), bad.toString());
    }
}
