package org.kernelir.cli.base;

import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * The base of every {@code kir} command: standard help, {@code -v}, and the {@link Output} it writes to.
 * A command returns its exit code; failures it can explain are {@link CliException}s.
 */
public abstract class KirCommand implements Callable<Integer> {

    /** Set by the {@code kir} entry point before the command runs. */
    private Output output;

    @Option(names = {"-v", "--verbose"}, description = "Log kernel-ir at debug level (to stderr), and print stack "
            + "traces of failures.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** Where to write. */
    protected Output output() {
        return output;
    }

    /** Gives the command the output it writes to; the {@code kir} entry point calls it before the command runs. */
    public void bind(Output out) {
        this.output = out;
    }

    @Override
    public final Integer call() throws Exception {
        return execute();
    }

    /** Runs the command. @return its exit code (0 success, 1 failure) */
    protected abstract int execute() throws Exception;
}
