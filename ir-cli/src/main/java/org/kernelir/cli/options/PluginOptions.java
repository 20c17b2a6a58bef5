package org.kernelir.cli.options;

import java.nio.file.Files;
import java.nio.file.Path;
import org.kernelir.cli.CliException;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.Option;

/** {@code --plugins DIR}: the plugins folder of the commands that load providers. */
public final class PluginOptions {

    @Option(names = "--plugins", paramLabel = "DIR", description = "The plugins folder (default: plugins/ of the "
            + "kernel-ir installation, -Dkernelir.home, else of the current directory).")
    Path plugins;

    /** The folder to load plugins from. */
    public Path directory() {
        if (plugins == null) {
            return KernelIr.defaultPluginsDirectory();
        }
        if (!Files.isDirectory(plugins)) {
            throw new CliException("plugins folder " + plugins + " does not exist or is not a folder; give an existing "
                    + "folder of plugin JARs with --plugins");
        }
        return plugins.toAbsolutePath().normalize();
    }
}
