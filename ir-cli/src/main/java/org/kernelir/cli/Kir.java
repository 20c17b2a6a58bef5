package org.kernelir.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.base.KirCommand;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.commands.CacheCommand;
import org.kernelir.cli.commands.ExplainCommand;
import org.kernelir.cli.commands.LowerCommand;
import org.kernelir.cli.commands.ProvidersCommand;
import org.kernelir.cli.commands.RunCommand;
import org.kernelir.cli.commands.VerifyCommand;
import org.kernelir.cli.io.NpyFormatException;
import org.kernelir.core.interp.InterpreterException;
import org.kernelir.format.GraphFormatException;
import org.kernelir.passes.PassException;
import org.kernelir.runtime.KernelIr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code kir}, the kernel-ir command line: {@code providers}, {@code lower}, {@code explain}, {@code run}, {@code verify} and
 * {@code cache}. Exit codes: 0 success, 1 failure (the one-line message names what failed and what to do),
 * 2 bad usage.
 */
@Command(name = "kir", mixinStandardHelpOptions = true, versionProvider = Kir.Version.class,
        description = "kernel-ir: lower ML graphs onto kernel providers, run them on the CPU, verify providers.",
        subcommands = {ProvidersCommand.class, LowerCommand.class, ExplainCommand.class, RunCommand.class, VerifyCommand.class,
                CacheCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 failure, 2 bad usage.",
                "Logs and progress go to stderr; with --json, stdout holds only the JSON document.",
                "Run 'kir COMMAND --help' for a command's options."})
public final class Kir implements Runnable {

    /** Exit code of a failed command. */
    public static final int FAILURE = 1;
    /** Exit code of a command line that does not parse. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    private Kir() {
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: providers, lower, "
                + "explain, run, verify or cache");
    }

    /**
     * The system property that makes {@link #main} an AOT training run (see the {@code kir} launcher): it runs the
     * usual commands once each, in the folder it names, so that the JVM records the classes they load.
     */
    public static final String AOT_TRAINING_PROPERTY = "kernelir.aot.training";

    /** Runs {@code kir} with the process's stdout and stderr and exits with its exit code. */
    public static void main(String[] args) {
        String training = System.getProperty(AOT_TRAINING_PROPERTY);
        if (training != null) {
            System.exit(train(Path.of(training)));
        }
        configureLogging(args);
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(args, stdout, stderr, Output.stderrIsTerminal()));
    }

    /**
     * Runs {@code kir} in this JVM, writing to {@code out} and {@code err}; does not exit.
     *
     * @return the exit code: 0 success, 1 failure, 2 bad usage
     */
    public static int execute(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(new Kir());
        Output output = new Output(o, e, terminal);
        cl.setOut(o);
        cl.setErr(e);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? USAGE : FAILURE);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> report(ex, line, verbose(args)));
        inject(cl, output);
        try {
            return cl.execute(args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    /**
     * The AOT training run: the commands users run most, each once, output discarded; lowering twice with one
     * cache folder, so that both the cold and the warm paths are recorded.
     *
     * @return 0 when every command succeeded, else 1
     */
    static int train(Path folder) {
        String cache = folder.resolve("cache").toString();
        String[][] commands = {
            {"providers"},
            {"providers", "--json"},
            {"lower", "--example", "tiny", "--cache-dir", cache},
            {"lower", "--example", "tiny", "--cache-dir", cache, "--json"},
            {"lower", "--example", "llama-70b-shaped", "--cache-dir", cache},
            {"lower", "--example", "llama-70b-shaped", "--cache-dir", cache},
            {"explain", "--example", "tiny", "--cache-dir", cache},
            {"run", "--example", "tiny", "--compare", "native", "--cache-dir", cache},
        };
        int failed = 0;
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        for (String[] c : commands) {
            if (execute(c, sink, sink, false) != 0) {
                System.err.println("kir: AOT training: kir " + String.join(" ", c) + " failed");
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private static void inject(CommandLine line, Output output) {
        if (line.getCommand() instanceof KirCommand k) {
            k.bind(output);
        }
        line.getSubcommands().values().forEach(sub -> inject(sub, output));
    }

    /** One line, {@code kir lower: <what failed and what to do>}; the stack trace only with {@code -v}. */
    private static int report(Exception ex, CommandLine line, boolean verbose) {
        PrintWriter err = line.getErr();
        String command = line.getCommandSpec().qualifiedName(" ");
        err.println(command + ": " + userMessage(ex));
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /**
     * What {@code kir} says about {@code ex}, without the command prefix: the message of an error in the user's
     * input (a {@link CliException}, an unreadable or invalid model, a pass's rejection, a bad argument), or, for
     * anything else, a line that calls it a bug. Input errors name the file, node or input and the fix.
     */
    public static String userMessage(Throwable ex) {
        return switch (ex) {
            case CliException c -> c.getMessage();
            case GraphFormatException g -> "cannot read model " + g.getMessage();
            case NpyFormatException n -> "cannot read input " + n.getMessage();
            // A node that rejects its inputs' values (shapes that contradict the graph, a bad scalar) is the input's
            // fault; the message names the node. Anything else a kernel throws is a bug, below.
            case InterpreterException i when i.getCause() instanceof IllegalArgumentException
                    || i.getCause() instanceof ArithmeticException -> i.getMessage() + ": " + i.getCause().getMessage()
                    + "; check the inputs (shapes, dtypes and values) against the graph's placeholders";
            case PassException p -> p.getMessage();
            case IllegalArgumentException i -> i.getMessage();
            default -> ex.getClass().getSimpleName() + ": " + ex.getMessage()
                    + " (this is a bug in kir or a provider; run with -v for the stack trace)";
        };
    }

    private static boolean verbose(String[] args) {
        for (String a : args) {
            if (a.equals("-v") || a.equals("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /**
     * slf4j-simple reads its configuration when the first logger is made, so {@code -v} must be seen before
     * anything logs.
     */
    static void configureLogging(String[] args) {
        if (verbose(args)) {
            System.setProperty("org.slf4j.simpleLogger.log.org.kernelir", "debug");
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            return;
        }
        // Without -v no library prints a stack trace: PF4J logs a failing plugin with its exception (the plugin host
        // reports each failure itself, in one line that names the JAR), and libraries that log through the JDK's
        // System.Logger (Caffeine) would print theirs on stderr.
        System.setProperty("org.slf4j.simpleLogger.log.org.pf4j", "off");
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.OFF);
    }

    /** {@code kir --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kir " + KernelIr.version() + " (kernel-ir), Java " + Runtime.version()};
        }
    }
}
