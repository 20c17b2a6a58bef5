package org.kernelir.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Plugin JARs for the command tests, built once per JVM from sources: the third-party example, and a wrong one. */
final class TestPlugins {

    private static Path acme;
    private static Path wrong;

    private TestPlugins() {
    }

    /**
     * examples/third-party-provider, compiled and packed here as its own build packs it (classes, service file,
     * plugin descriptor), so the test needs no installed kernel-ir.
     */
    static synchronized Path acme() throws IOException {
        if (acme == null) {
            Path example = PluginJars.repositoryRoot().resolve("examples/third-party-provider/src/main");
            Path dir = Files.createTempDirectory("acme-plugin");
            acme = PluginJars.build(example.resolve("java"), example.resolve("resources"), Map.of(
                    "Plugin-Id", "acme-kernels", "Plugin-Version", "1.0.0", "Plugin-Provider", "Acme Corp",
                    "Plugin-Requires", ">=0.1.0"), dir.resolve("acme-kernels-1.0.0.jar"));
        }
        return acme;
    }

    /** A provider called {@code wrong} whose rms_norm ignores the weight. */
    static synchronized Path wrong() throws IOException {
        if (wrong == null) {
            Path src = Path.of(resource("plugins/wrong"));
            Path dir = Files.createTempDirectory("wrong-plugin");
            Path resources = PluginJars.services(dir.resolve("resources"), "com.example.wrong.WrongProvider");
            wrong = PluginJars.build(src, resources, Map.of("Plugin-Id", "wrong", "Plugin-Version", "0.0.1"),
                    dir.resolve("wrong-0.0.1.jar"));
        }
        return wrong;
    }

    /** A folder holding copies of {@code jars}. */
    static Path folder(Path parent, Path... jars) throws IOException {
        Path dir = Files.createTempDirectory(parent, "plugins");
        for (Path j : jars) {
            Files.copy(j, dir.resolve(j.getFileName()));
        }
        return dir;
    }

    private static java.net.URI resource(String name) {
        try {
            return TestPlugins.class.getClassLoader().getResource(name).toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
