package org.kernelir.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The rules of docs/architecture.md, checked over the compiled classes of every module: no package cycle anywhere,
 * and each module depends only on the modules the architecture page allows. A new dependency that breaks a rule
 * fails here with ArchUnit's list of the offending classes and lines; fix the code, or change the page and this
 * table together.
 */
class ArchitectureTest {

    /** Each module's root package, in the architecture page's order (lowest first). */
    private static final Map<String, String> MODULES = new LinkedHashMap<>();

    /** The kernel-ir modules each module may depend on (besides itself). */
    private static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

    static {
        module("ir-core", "org.kernelir.core");
        module("ir-format", "org.kernelir.format", "ir-core");
        module("ir-cache", "org.kernelir.cache", "ir-core", "ir-format");
        module("ir-passes", "org.kernelir.passes", "ir-core", "ir-format", "ir-cache");
        module("ir-runtime", "org.kernelir.runtime", "ir-core", "ir-format", "ir-cache", "ir-passes");
        module("providers-cpu", "org.kernelir.providers.cpu", "ir-core");
        module("providers-cuda", "org.kernelir.providers.cuda", "ir-core");
        module("ir-testkit", "org.kernelir.testkit", "ir-core");
        module("ir-cli", "org.kernelir.cli", "ir-core", "ir-format", "ir-cache", "ir-passes", "ir-runtime");
    }

    private static void module(String name, String rootPackage, String... allowed) {
        MODULES.put(name, rootPackage);
        ALLOWED.put(name, Set.of(allowed));
    }

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.kernelir");
    }

    @Test
    void everyModuleIsOnTheClassPath() {
        for (Map.Entry<String, String> m : MODULES.entrySet()) {
            String root = m.getValue();
            assertTrue(classes.stream().anyMatch(c -> c.getPackageName().startsWith(root)),
                    () -> "no class of " + m.getKey() + " (" + root + ") was imported; add the module to ir-arch's pom");
        }
    }

    @Test
    void noPackageCycleInAnyModule() {
        slices().matching("org.kernelir.(**)").should().beFreeOfCycles().check(classes);
    }

    @TestFactory
    Stream<DynamicTest> eachModuleDependsOnlyOnTheModulesItMay() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String module : MODULES.keySet()) {
            List<String> forbidden = MODULES.keySet().stream()
                    .filter(other -> !other.equals(module) && !ALLOWED.get(module).contains(other))
                    .map(other -> MODULES.get(other) + "..")
                    .toList();
            tests.add(DynamicTest.dynamicTest(module, () -> noClasses()
                    .that().resideInAPackage(MODULES.get(module) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                    .because(module + " may depend only on " + ALLOWED.get(module) + " (docs/architecture.md)")
                    .check(classes)));
        }
        return tests.stream();
    }

    @Test
    void theProviderSpiBringsNoLibraryToPlugins() {
        noClasses().that().resideInAPackage("org.kernelir.core..")
                .should().dependOnClassesThat().resideInAnyPackage("com.fasterxml..", "org.pf4j..",
                        "com.github.benmanes..", "picocli..")
                .because("ir-core is the SPI every provider compiles against; it depends on SLF4J only")
                .check(classes);
    }

    @Test
    void irCoresPomHasNoJackson() throws IOException {
        Path pom = Path.of("..", "ir-core", "pom.xml");
        assertTrue(Files.isRegularFile(pom), () -> "ir-core's POM not found at " + pom.toAbsolutePath());
        String text = Files.readString(pom);
        assertFalse(text.contains("jackson"), "ir-core/pom.xml names Jackson; the graph formats live in ir-format");
    }
}
