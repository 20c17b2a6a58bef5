package org.kernelir.runtime.plugins;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.kernelir.core.provider.KernelProvider;

/**
 * Builds real provider JARs for tests: compiles a fixture's sources (kept as {@code src/test/resources/fixtures/
 * <fixture>/*.java.txt}, with {@code __NAME__} standing for the provider's name) with the JDK's compiler against
 * kernel-ir's classes, and writes a JAR with {@code META-INF/services} and, for a plugin, PF4J's manifest
 * attributes.
 *
 * <pre>{@code
 * Path jar = FixtureJars.provider("good", "good").plugin("good-plugin", "1.0.0").write(dir.resolve("good.jar"));
 * }</pre>
 */
public final class FixtureJars {

    private static final Map<String, Path> COMPILED = new ConcurrentHashMap<>();

    private FixtureJars() {
    }

    /** A JAR of fixture {@code fixture} whose provider is called {@code providerName}. */
    public static Spec provider(String fixture, String providerName) {
        return new Spec(fixture, providerName);
    }

    /** What to put into a fixture JAR. */
    public static final class Spec {
        private final String fixture;
        private final String providerName;
        private final Map<String, String> attributes = new LinkedHashMap<>();
        private boolean bundleSpi;

        private Spec(String fixture, String providerName) {
            this.fixture = fixture;
            this.providerName = providerName;
        }

        /** Makes it a plugin: {@code Plugin-Id}, {@code Plugin-Version} and a vendor and description. */
        public Spec plugin(String id, String version) {
            attributes.put("Plugin-Id", id);
            attributes.put("Plugin-Version", version);
            attributes.put("Plugin-Provider", "kernel-ir tests");
            attributes.put("Plugin-Description", "fixture " + fixture + " providing " + providerName);
            return this;
        }

        /** Adds a manifest attribute ({@code Plugin-Requires}, {@code Plugin-Dependencies}...). */
        public Spec attribute(String name, String value) {
            attributes.put(name, value);
            return this;
        }

        /** Puts a copy of kernel-ir's {@code KernelProvider.class} into the JAR, as a badly built plugin would. */
        public Spec bundleSpi() {
            this.bundleSpi = true;
            return this;
        }

        /** Writes the JAR to {@code target} (its folder is created) and returns {@code target}. */
        public Path write(Path target) {
            Path classes = compile(fixture, providerName);
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            attributes.forEach((k, v) -> mf.getMainAttributes().putValue(k, v));
            try {
                Files.createDirectories(target.toAbsolutePath().getParent());
                List<String> providers = new ArrayList<>();
                try (OutputStream os = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(os, mf);
                        Stream<Path> files = Files.walk(classes)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        String entry = classes.relativize(f).toString().replace('\\', '/');
                        put(jar, entry, Files.readAllBytes(f));
                        String cls = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                        if (cls.endsWith("Provider")) {
                            providers.add(cls);
                        }
                    }
                    put(jar, "META-INF/services/" + KernelProvider.class.getName(),
                            (String.join("\n", providers) + "\n").getBytes(StandardCharsets.UTF_8));
                    if (bundleSpi) {
                        String spi = KernelProvider.class.getName().replace('.', '/') + ".class";
                        try (InputStream in = KernelProvider.class.getClassLoader().getResourceAsStream(spi)) {
                            put(jar, spi, in.readAllBytes());
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return target;
        }
    }

    /** Writes a file that is not a JAR at all. */
    public static Path corrupt(Path target) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.writeString(target, "this is not a zip file, though its name ends in .jar\n");
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void put(JarOutputStream jar, String name, byte[] bytes) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        jar.write(bytes);
        jar.closeEntry();
    }

    /** Compiles a fixture once per provider name and JVM. */
    private static Path compile(String fixture, String providerName) {
        return COMPILED.computeIfAbsent(fixture + "/" + providerName, k -> doCompile(fixture, providerName));
    }

    private static Path doCompile(String fixture, String providerName) {
        try {
            Path work = Files.createTempDirectory("kir-fixture-" + fixture + "-");
            Path src = work.resolve("src");
            Path out = work.resolve("classes");
            Files.createDirectories(src);
            Files.createDirectories(out);
            List<Path> sources = new ArrayList<>();
            try (Stream<Path> s = Files.list(resource("fixtures/" + fixture))) {
                for (Path p : s.filter(f -> f.toString().endsWith(".java.txt")).sorted().toList()) {
                    String name = p.getFileName().toString().replace(".java.txt", ".java");
                    Path copy = src.resolve(name);
                    Files.writeString(copy, Files.readString(p).replace("__NAME__", providerName));
                    sources.add(copy);
                }
            }
            if (sources.isEmpty()) {
                throw new IllegalStateException("fixture " + fixture + " has no *.java.txt source");
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
            try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
                List<String> options = List.of("-d", out.toString(), "-proc:none", "--release",
                        String.valueOf(Runtime.version().feature()), "-classpath", codeLocation(KernelProvider.class));
                boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(sources))
                        .call();
                if (!ok) {
                    throw new IllegalStateException("fixture " + fixture + " does not compile: "
                            + diagnostics.getDiagnostics());
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path resource(String name) {
        URL url = FixtureJars.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException("no test resource " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String codeLocation(Class<?> cls) {
        try {
            return Path.of(cls.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
