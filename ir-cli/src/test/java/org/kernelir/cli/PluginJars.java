package org.kernelir.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.kernelir.core.op.OpDef;

/**
 * Builds provider plugin JARs inside a test, the way a provider's own build does: compiles its sources against
 * kernel-ir's SPI (ir-core) only, and packs the classes, the service file and the plugin descriptor.
 */
final class PluginJars {

    private PluginJars() {
    }

    /** The repository root (surefire sets {@code kernelir.test.root}). */
    static Path repositoryRoot() {
        String root = System.getProperty("kernelir.test.root");
        return (root == null ? Path.of("..") : Path.of(root)).toAbsolutePath().normalize();
    }

    /**
     * Compiles the {@code .java} files under {@code sources}, and packs them with {@code resources} (a folder, may
     * not exist) and a manifest holding {@code attributes} into {@code jar}.
     */
    static Path build(Path sources, Path resources, Map<String, String> attributes, Path jar) throws IOException {
        Path classes = Files.createTempDirectory("plugin-classes");
        List<String> files;
        try (Stream<Path> s = Files.walk(sources)) {
            files = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        List<String> options = List.of("--release", "25", "-proc:none", "-Xlint:none", "-cp", spiLocation().toString(),
                "-d", classes.toString());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        try (var fm = javac.getStandardFileManager(null, null, null)) {
            if (!javac.getTask(log, fm, null, options, null, fm.getJavaFileObjectsFromStrings(files)).call()) {
                throw new IllegalStateException("cannot compile the plugin sources in " + sources + ":\n" + log);
            }
        }
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach((k, v) -> mf.getMainAttributes().putValue(k, v));
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf)) {
            add(out, classes);
            if (resources != null && Files.isDirectory(resources)) {
                add(out, resources);
            }
        }
        return jar;
    }

    /** Writes a service file listing {@code providerClass} under {@code resources}. */
    static Path services(Path resources, String providerClass) throws IOException {
        Path f = resources.resolve("META-INF/services/org.kernelir.core.provider.KernelProvider");
        Files.createDirectories(f.getParent());
        Files.writeString(f, providerClass + "\n");
        return resources;
    }

    private static void add(JarOutputStream out, Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path p : all) {
            out.putNextEntry(new JarEntry(root.relativize(p).toString().replace('\\', '/')));
            Files.copy(p, out);
            out.closeEntry();
        }
    }

    /** Where ir-core's classes are: the JAR or class folder the SPI comes from. */
    private static Path spiLocation() {
        try {
            return Path.of(OpDef.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
