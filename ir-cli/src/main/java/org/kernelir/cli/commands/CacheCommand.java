package org.kernelir.cli.commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kernelir.cache.CacheConfig;
import org.kernelir.cache.ReplacementCaches;
import org.kernelir.cache.TieredReplacementCache;
import org.kernelir.cli.CliException;
import org.kernelir.cli.KirCommand;
import org.kernelir.cli.Output;
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

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        TieredReplacementCache cache() {
            Path dir = cacheDir == null ? ReplacementCaches.defaultDiskDirectory() : cacheDir.toAbsolutePath().normalize();
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new CliException("cache folder " + dir + " is not a folder; give another with --cache-dir");
            }
            return ReplacementCaches.builder().diskDirectory(dir).build();
        }

        /** The entries of the disk tier: each traced replacement and each lowered graph is one file there. */
        static List<Path> entries(Path folder) {
            if (!Files.isDirectory(folder)) {
                return List.of();
            }
            try (Stream<Path> s = Files.list(folder)) {
                return s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")).toList();
            } catch (IOException e) {
                throw new CliException("cannot list cache folder " + folder + ": " + e.getMessage(), e);
            }
        }

        /** Whether an entry holds a lowered graph (its key text, after the header line, says so). */
        static boolean isLoweredGraph(Path entry) {
            try (java.io.InputStream in = Files.newInputStream(entry)) {
                String head = new String(in.readNBytes(64), java.nio.charset.StandardCharsets.UTF_8);
                return head.contains("\nkernel-ir lowered graph\n");
            } catch (IOException e) {
                return false;
            }
        }

        static long bytes(List<Path> files) {
            long n = 0;
            for (Path p : files) {
                try {
                    n += Files.size(p);
                } catch (IOException e) {
                    // removed meanwhile by another process: not counted
                }
            }
            return n;
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
    @Command(name = "stats", description = "Show where the replacement cache is and how much it holds.")
    static final class Stats extends Sub {
        @Override
        protected int execute() {
            TieredReplacementCache cache = cache();
            Path folder = cache.diskFolder().orElseThrow();
            List<Path> files = entries(folder);
            long bytes = bytes(files);
            CacheConfig cfg = cache.config();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dir", folder.toString());
            int lowered = (int) files.stream().filter(Sub::isLoweredGraph).count();
            doc.put("entries", files.size());
            doc.put("replacements", files.size() - lowered);
            doc.put("lowered_graphs", lowered);
            doc.put("bytes", bytes);
            doc.put("max_bytes", cfg.maximumDiskBytes());
            print(output(), doc, String.format(java.util.Locale.ROOT,
                    "replacement cache %s%n  %d entries (%d replacements, %d lowered graphs), %.1f KiB of %.0f MiB "
                            + "allowed", folder, files.size(), files.size() - lowered, lowered, bytes / 1024.0,
                    cfg.maximumDiskBytes() / (1024.0 * 1024.0)));
            return 0;
        }
    }

    /** {@code kir cache clear}. */
    @Command(name = "clear", description = "Delete every entry of the replacement cache on disk.")
    static final class Clear extends Sub {
        @Override
        protected int execute() {
            TieredReplacementCache cache = cache();
            Path folder = cache.diskFolder().orElseThrow();
            List<Path> before = entries(folder);
            long bytes = bytes(before);
            cache.clear();
            int left = entries(folder).size();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dir", folder.toString());
            doc.put("deleted", before.size() - left);
            doc.put("bytes_freed", bytes);
            print(output(), doc, "cleared replacement cache " + folder + ": " + (before.size() - left) + " entries, "
                    + String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0) + " freed");
            if (left > 0) {
                output().err().println("kir cache clear: " + left + " entries of " + folder + " could not be deleted; "
                        + "check the folder's permissions");
                return 1;
            }
            return 0;
        }
    }
}
