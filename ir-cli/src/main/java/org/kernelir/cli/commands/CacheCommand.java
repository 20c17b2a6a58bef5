package org.kernelir.cli.commands;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kernelir.cache.CacheConfig;
import org.kernelir.cache.DiskEntry;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.base.KirCommand;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.options.CacheOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kir cache stats|clear}: the disk tier of the replacement cache. */
@Command(name = "cache", description = "Show or clear the replacement cache on disk.",
        subcommands = {CacheCommand.Stats.class, CacheCommand.Clear.class})
public final class CacheCommand extends KirCommand {

    @Spec
    CommandSpec spec;

    @Override
    protected int execute() {
        throw new ParameterException(spec.commandLine(), "kir cache needs a subcommand: stats or clear");
    }

    /** The options both subcommands share. */
    abstract static class Sub extends KirCommand {
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "The cache folder (default: "
                + "$XDG_CACHE_HOME/kernel-ir or ~/.cache/kernel-ir).")
        Path cacheDir;

        @Option(names = "--remote-cache", paramLabel = "URI", description = "The remote tier's Redis server: "
                + "redis://[:password@]host[:port][/db] or rediss://... (default: the kernelir.remoteCache property "
                + "or the KERNEL_IR_REMOTE_CACHE variable, else none).")
        String remoteCache;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        /** The per-call timeout of {@code kir cache} on the remote tier, at least. */
        static final java.time.Duration ADMIN_TIMEOUT = java.time.Duration.ofSeconds(2);

        TieredReplacementCache cache() {
            Path dir = cacheDir == null ? ReplacementCaches.defaultDiskDirectory() : cacheDir.toAbsolutePath().normalize();
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new CliException("cache folder " + dir + " is not a folder; give another with --cache-dir");
            }
            CacheConfig config = CacheOptions.remote(ReplacementCaches.builder().diskDirectory(dir), remoteCache);
            // An inspection waits longer than a lowering would: it is here to tell whether the server answers.
            return config.remoteCache().map(r -> r.timeout().compareTo(ADMIN_TIMEOUT) < 0
                    ? config.remoteCache(r.withTimeout(ADMIN_TIMEOUT)) : config).orElse(config).build();
        }

        /** The remote tier's server, for messages; fails when none is configured or it cannot be used. */
        static String requireRemote(TieredReplacementCache cache, String what) {
            if (!cache.hasRemoteTier()) {
                throw new CliException(cache.config().remoteCache().map(r -> "remote cache " + r.displayUri()
                        + " cannot be used (see the warning above)").orElse(what + " needs a remote cache: give "
                        + "--remote-cache URI or set KERNEL_IR_REMOTE_CACHE"));
            }
            return cache.config().remoteCache().orElseThrow().displayUri();
        }

        static long bytes(List<DiskEntry> entries) {
            return entries.stream().mapToLong(DiskEntry::bytes).sum();
        }

        static long count(List<DiskEntry> entries, DiskEntry.Kind kind) {
            return entries.stream().filter(e -> e.kind() == kind).count();
        }

        void print(Output out, Map<String, Object> doc, String text) {
            if (json) {
                out.json(doc);
            } else {
                out.out().println(text);
                out.out().flush();
            }
        }
    }

    /** {@code kir cache stats}. */
    @Command(name = "stats", description = "Show where the replacement cache is and how much it holds; with a remote "
            + "cache, the fleet's remote hits, misses, errors and latency.")
    static final class Stats extends Sub {
        @Override
        protected int execute() {
            TieredReplacementCache cache = cache();
            Path folder = cache.diskFolder().orElseThrow();
            List<DiskEntry> entries = cache.diskEntries();
            long bytes = bytes(entries);
            long lowered = count(entries, DiskEntry.Kind.LOWERED_GRAPH);
            long replacements = count(entries, DiskEntry.Kind.REPLACEMENT);
            CacheConfig cfg = cache.config();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dir", folder.toString());
            doc.put("entries", entries.size());
            doc.put("replacements", replacements);
            doc.put("lowered_graphs", lowered);
            doc.put("bytes", bytes);
            doc.put("max_bytes", cfg.maximumDiskBytes());
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                    "replacement cache %s%n  %d entries (%d replacements, %d lowered graphs), %.1f KiB of %.0f MiB "
                            + "allowed", folder, entries.size(), replacements, lowered, bytes / 1024.0,
                    cfg.maximumDiskBytes() / (1024.0 * 1024.0)));
            if (cfg.remoteCache().isPresent()) {
                text.append(System.lineSeparator()).append(remote(cache, doc));
            }
            print(output(), doc, text.toString());
            return 0;
        }

        /** The remote tier's part: server, entries, the fleet's counters, and a latency probe from here. */
        private String remote(TieredReplacementCache cache, Map<String, Object> doc) {
            String server = requireRemote(cache, "kir cache stats");
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("uri", server);
            long remoteEntries;
            Map<String, String> fleet;
            long probeNanos;
            try {
                probeNanos = cache.probeRemote(21);
                remoteEntries = cache.remoteEntries();
                fleet = cache.remoteFleetStats();
            } catch (RuntimeException e) {
                throw new CliException("remote cache " + server + " does not answer: " + e.getMessage(), e);
            }
            long hits = number(fleet, "hits");
            long misses = number(fleet, "misses");
            long errors = number(fleet, "errors");
            long reads = number(fleet, "reads");
            double meanMicros = reads == 0 ? 0 : number(fleet, "read_nanos") / 1e3 / reads;
            r.put("entries", remoteEntries);
            r.put("hits", hits);
            r.put("misses", misses);
            r.put("errors", errors);
            r.put("writes", number(fleet, "writes"));
            r.put("waits", number(fleet, "waits"));
            r.put("mean_read_us", Math.round(meanMicros * 10) / 10.0);
            r.put("probe_us", Math.round(probeNanos / 100.0) / 10.0);
            doc.put("remote", r);
            return String.format(Locale.ROOT, "remote cache %s%n  %d entries; fleet: %d hits, %d misses, %d errors, "
                    + "%d writes, mean lookup %.1f us; a lookup from here: %.1f us", server, remoteEntries, hits,
                    misses, errors, number(fleet, "writes"), meanMicros, probeNanos / 1e3);
        }

        private static long number(Map<String, String> fleet, String name) {
            try {
                return Long.parseLong(fleet.getOrDefault(name, "0"));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    /** {@code kir cache clear}. */
    @Command(name = "clear", description = "Delete every entry of the replacement cache on disk; with --remote, the "
            + "remote cache's namespace on its server instead.")
    static final class Clear extends Sub {
        @Option(names = "--remote", description = "Clear the remote cache's namespace (keys kernel-ir:...) on its "
                + "Redis server, not the disk folder; other data on the server is left alone.")
        boolean remote;

        @Override
        protected int execute() {
            TieredReplacementCache cache = cache();
            if (remote) {
                String server = requireRemote(cache, "kir cache clear --remote");
                long deleted;
                try {
                    deleted = cache.clearRemote();
                } catch (RuntimeException e) {
                    throw new CliException("remote cache " + server + " does not answer: " + e.getMessage(), e);
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("remote", server);
                doc.put("deleted", deleted);
                print(output(), doc, "cleared remote cache " + server + ": " + deleted + " keys deleted");
                return 0;
            }
            Path folder = cache.diskFolder().orElseThrow();
            List<DiskEntry> before = cache.diskEntries();
            long bytes = bytes(before);
            cache.clear();
            int left = cache.diskEntries().size();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dir", folder.toString());
            doc.put("deleted", before.size() - left);
            doc.put("bytes_freed", bytes);
            print(output(), doc, "cleared replacement cache " + folder + ": " + (before.size() - left) + " entries, "
                    + String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0) + " freed");
            if (left > 0) {
                output().err().println("kir cache clear: " + left + " entries of " + folder + " could not be deleted; "
                        + "check the folder's permissions");
                return 1;
            }
            return 0;
        }
    }
}
