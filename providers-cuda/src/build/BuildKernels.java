import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The providers-cuda build step that compiles the CUDA kernels (run by Maven with the java source launcher, in
 * generate-resources; it needs only java.base).
 *
 * <p>Arguments: the folder of .cu sources, the resource folder that receives {@code kir_kernels.fatbin} and
 * {@code kernels.properties}, the work folder (ptxas report), the SASS architectures ({@code 80,90,100}: SASS for
 * each, PTX for the newest), and the architecture on which a register spill fails the build.
 *
 * <p>nvcc is looked for at {@code $CUDA_HOME/bin}, {@code /usr/local/cuda/bin}, then on the {@code PATH}. Without
 * it the step writes {@code kernels.properties} with {@code built=false} and the reason, and succeeds: the module
 * builds, and the provider reports itself unavailable. With it, nvcc's {@code -Xptxas -v} report is printed and
 * kept in {@code <work>/ptxas-report.txt}; a kernel that spills registers on the no-spill architecture fails the
 * build. An optional sixth argument names nvcc's path, or {@code none} to build without kernels (property
 * {@code kernelir.nvcc}, default {@code auto}). Nothing is compiled when the fatbin is newer than every source and than this file.
 */
public final class BuildKernels {

    public static void main(String[] args) throws Exception {
        Path src = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path work = Path.of(args[2]);
        List<String> archs = List.of(args[3].split(","));
        String noSpill = args[4];
        Files.createDirectories(out);
        Files.createDirectories(work);
        Path fatbin = out.resolve("kir_kernels.fatbin");
        Path props = out.resolve("kernels.properties");
        List<Path> sources;
        try (Stream<Path> s = Files.list(src)) {
            sources = s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
        if (sources.size() != 1) {
            fail("expected exactly one .cu file in " + src + ", found " + sources);
        }
        Path cu = sources.get(0);
        Path nvcc = findNvcc(args.length > 5 ? args[5] : "auto");
        Path generated = args.length > 6 ? Path.of(args[6]) : null;
        if (nvcc == null) {
            Files.deleteIfExists(fatbin);
            Files.writeString(props, "built=false\nreason=built without CUDA kernels (nvcc was not found at build "
                    + "time)\n", StandardCharsets.UTF_8);
            writeInfo(generated, "");
            System.out.println("[providers-cuda] nvcc not found ($CUDA_HOME/bin, /usr/local/cuda/bin, PATH): "
                    + "building without CUDA kernels; the cuda provider will report itself unavailable");
            return;
        }
        Path self = src.toAbsolutePath().getParent().getParent().resolve("build").resolve("BuildKernels.java");
        if (Files.exists(fatbin) && Files.exists(props) && newer(fatbin, cu) && (!Files.exists(self)
                || newer(fatbin, self)) && Files.readString(props).contains("built=true")) {
            writeInfo(generated, sha256(fatbin));
            System.out.println("[providers-cuda] " + fatbin.getFileName() + " is up to date (" + Files.size(fatbin)
                    + " bytes); ptxas report in " + work.resolve("ptxas-report.txt"));
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-fatbin", "-std=c++17", "-O3",
                "--threads", "2", "-Xptxas", "-v"));
        String newest = archs.get(archs.size() - 1);
        for (String a : archs) {
            String code = a.equals(newest) ? "[sm_" + a + ",compute_" + a + "]" : "sm_" + a;
            cmd.add("-gencode");
            cmd.add("arch=compute_" + a + ",code=" + code);
        }
        Path tmp = work.resolve("kir_kernels.fatbin.tmp");
        cmd.addAll(List.of("-o", tmp.toString(), cu.toString()));
        System.out.println("[providers-cuda] " + String.join(" ", cmd));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double secs = (System.nanoTime() - t0) / 1e9;
        Path reportFile = work.resolve("ptxas-report.txt");
        Files.writeString(reportFile, report, StandardCharsets.UTF_8);
        System.out.print(report);
        if (rc != 0) {
            fail("nvcc failed with exit status " + rc + " (output above, also in " + reportFile + ")");
        }
        List<String> spills = spills(report, "sm_" + noSpill);
        if (!spills.isEmpty()) {
            fail("kernels spill registers on sm_" + noSpill + " (ptxas report in " + reportFile + "):\n  "
                    + String.join("\n  ", spills));
        }
        Files.move(tmp, fatbin, StandardCopyOption.REPLACE_EXISTING);
        String version = nvccVersion(nvcc);
        Files.writeString(props, "built=true\nsass=" + String.join(",", archs) + "\nptx=" + newest + "\nnvcc="
                + version + "\n", StandardCharsets.UTF_8);
        writeInfo(generated, sha256(fatbin));
        System.out.printf("[providers-cuda] nvcc %s compiled %s in %.1f s: %d bytes, SASS %s, PTX %s; no spills on "
                + "sm_%s%n", version, cu.getFileName(), secs, Files.size(fatbin), archs, newest, noSpill);
    }

    /**
     * Writes the class KernelBuildInfo with the fatbin's SHA-256, so that the provider's code fingerprint (of its
     * JAR, or of its class files when it runs from a class folder) changes whenever the kernels do.
     */
    private static void writeInfo(Path generated, String sha) throws IOException {
        if (generated == null) {
            return;
        }
        Path file = generated.resolve("org/kernelir/providers/cuda/KernelBuildInfo.java");
        Files.createDirectories(file.getParent());
        String text = "package org.kernelir.providers.cuda;\n\n"
                + "/** Written by the build (src/build/BuildKernels.java): what nvcc produced. */\n"
                + "final class KernelBuildInfo {\n\n    private KernelBuildInfo() {\n    }\n\n"
                + "    /** SHA-256 of kir_kernels.fatbin; empty when the build had no nvcc. */\n"
                + "    static final String FATBIN_SHA256 = \"" + sha + "\";\n}\n";
        if (!Files.exists(file) || !Files.readString(file).equals(text)) {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
            StringBuilder b = new StringBuilder();
            for (byte x : d) {
                b.append(String.format("%02x", x));
            }
            return b.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean newer(Path a, Path b) throws IOException {
        return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b)) > 0;
    }

    /** The kernels of {@code arch} whose ptxas report shows spill stores or loads, with the figures. */
    static List<String> spills(String report, String arch) {
        Pattern entry = Pattern.compile("Compiling entry function '([^']+)' for '([^']+)'");
        Pattern spill = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");
        List<String> found = new ArrayList<>();
        String kernel = null;
        String kernelArch = null;
        for (String line : report.split("\n")) {
            Matcher e = entry.matcher(line);
            if (e.find()) {
                kernel = e.group(1);
                kernelArch = e.group(2);
                continue;
            }
            Matcher s = spill.matcher(line);
            if (s.find() && arch.equals(kernelArch) && (!s.group(1).equals("0") || !s.group(2).equals("0"))) {
                found.add(kernel + ": " + s.group());
            }
        }
        return found;
    }

    private static String nvccVersion(Path nvcc) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(nvcc.toString(), "--version").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = Pattern.compile("release ([0-9.]+)").matcher(text);
        return m.find() ? m.group(1) : "unknown";
    }

    /** {@code choice}: "auto" searches; "none" builds without kernels (tests, machines that must skip nvcc). */
    private static Path findNvcc(String choice) {
        if (choice.equals("none")) {
            return null;
        }
        List<Path> candidates = new ArrayList<>();
        if (!choice.equals("auto")) {
            candidates.add(Path.of(choice));
        }
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static void fail(String message) {
        System.err.println("[providers-cuda] ERROR: " + message);
        System.exit(1);
    }
}
