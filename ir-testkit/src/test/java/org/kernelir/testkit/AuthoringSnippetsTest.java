package org.kernelir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.op.OpDef;
import org.slf4j.LoggerFactory;

/**
 * Every Java snippet of docs/plugin-authoring.md compiles, with the imports it shows and nothing else, against
 * ir-core and ir-testkit: the snippets an author copies are the code that works.
 *
 * <p>A snippet is either a whole source file (it starts with its {@code package} line) or part of a class, named
 * in a first comment line {@code // in AcmeProvider} (members are added to that class, or to a class of that
 * header when no snippet defines it).
 */
class AuthoringSnippetsTest {

    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("\\b(?:class|interface|record)\\s+(\\w+)");

    @TempDir
    Path dir;

    @Test
    void everySnippetShowsItsImportsAndCompiles() throws IOException, URISyntaxException {
        Path doc = Path.of("").toAbsolutePath().getParent().resolve("docs/plugin-authoring.md");
        String text = Files.readString(doc);
        Map<String, Unit> units = new LinkedHashMap<>();
        Map<String, Unit> parts = new LinkedHashMap<>();
        int count = 0;
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            count++;
            List<String> lines = new ArrayList<>(m.group(1).lines().toList());
            String first = lines.getFirst().strip();
            assertTrue(first.startsWith("package ") || first.startsWith("// in "), "snippet " + count
                    + " neither starts with its package line nor says which class it is part of:\n" + m.group(1));
            String owner = first.startsWith("// in ") ? first.substring("// in ".length()).strip() : null;
            if (owner != null) {
                lines.removeFirst();
            }
            Unit u = new Unit();
            for (String line : lines) {
                if (line.startsWith("package ")) {
                    u.pkg = line;
                } else if (line.startsWith("import ")) {
                    u.imports.add(line);
                } else {
                    u.body.add(line);
                }
            }
            if (owner == null) {
                Matcher c = CLASS.matcher(String.join("\n", u.body));
                assertTrue(c.find(), "snippet " + count + " has no class");
                units.put(c.group(1), u);
            } else {
                Unit whole = parts.computeIfAbsent(owner, k -> new Unit());
                whole.imports.addAll(u.imports);
                whole.body.addAll(u.body);
            }
        }
        assertTrue(count >= 6, "found only " + count + " Java snippets in " + doc);
        List<Path> sources = new ArrayList<>();
        for (Map.Entry<String, Unit> e : parts.entrySet()) {
            String owner = e.getKey();
            Matcher c = CLASS.matcher(owner);
            String name = c.find() ? c.group(1) : owner;
            Unit target = units.get(name);
            if (target != null) { // members of a class another snippet shows: add them before its last brace
                target.imports.addAll(e.getValue().imports);
                int close = target.body.size() - 1;
                while (!target.body.get(close).strip().equals("}")) {
                    close--;
                }
                target.body.addAll(close, e.getValue().body);
            } else {
                Unit u = new Unit();
                u.pkg = "package snippets;";
                u.imports.addAll(e.getValue().imports);
                u.body.add((owner.contains("class ") ? owner : "final class " + owner) + " {");
                u.body.addAll(e.getValue().body);
                u.body.add("}");
                units.put(name, u);
            }
        }
        for (Map.Entry<String, Unit> e : units.entrySet()) {
            Unit u = e.getValue();
            String pkg = u.pkg.replace("package ", "").replace(";", "").strip();
            Path file = dir.resolve("src").resolve(pkg.replace('.', '/')).resolve(e.getKey() + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, u.pkg + "\n\n" + String.join("\n", u.imports) + "\n\n" + String.join("\n", u.body)
                    + "\n");
            sources.add(file);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        String classPath = List.of(location(OpDef.class), location(ProviderConformanceTest.class),
                location(Test.class), location(LoggerFactory.class)).stream().map(Path::toString)
                .collect(Collectors.joining(java.io.File.pathSeparator));
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
            boolean ok = javac.getTask(null, files, diagnostics, List.of("-d", dir.resolve("classes").toString(),
                    "-classpath", classPath, "--release", "25", "-Xlint:none", "-proc:none"), null,
                    files.getJavaFileObjectsFromPaths(sources)).call();
            String report = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(null))
                    .collect(Collectors.joining("\n"));
            assertTrue(ok, "the snippets of " + doc + " do not compile:\n" + report);
            assertEquals("", report);
        }
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** One source file: its package line, imports and the rest. */
    private static final class Unit {
        String pkg = "";
        final Set<String> imports = new LinkedHashSet<>();
        final List<String> body = new ArrayList<>();
    }
}
