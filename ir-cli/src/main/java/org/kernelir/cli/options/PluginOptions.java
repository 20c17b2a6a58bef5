package org.kernelir.cli.options;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kernelir.cli.base.CliException;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.Option;

/** {@code --plugins DIR... --no-default-plugins}: the plugins folders of the commands that load providers. */
public final class PluginOptions {

    @Option(names = "--plugins", paramLabel = "DIR", description = "Also load plugins from DIR (repeatable). The "
            + "installation's plugins/ folder (-Dkernelir.home, else the current directory) is always searched "
            + "first, unless --no-default-plugins.")
    List<Path> plugins = new ArrayList<>();

    @Option(names = "--no-default-plugins", description = "Do not load the installation's plugins/ folder (only "
            + "the --plugins folders and the class path).")
    boolean noDefaultPlugins;

    /** The folders given with {@code --plugins}, checked, absolute. */
    public List<Path> extraDirectories() {
        List<Path> out = new ArrayList<>();
        for (Path p : plugins) {
            if (!Files.isDirectory(p)) {
                throw new CliException("plugins folder " + p + " does not exist or is not a folder; give an existing "
                        + "folder of plugin JARs with --plugins");
            }
            out.add(p.toAbsolutePath().normalize());
        }
        return out;
    }

    /** Sets the plugins folders on {@code builder}. */
    public KernelIr.Builder configure(KernelIr.Builder builder) {
        builder.defaultPluginsDirectory(!noDefaultPlugins);
        extraDirectories().forEach(builder::pluginsDirectory);
        return builder;
    }
}
