package org.kernelir.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * The base of every {@code kir} command: standard help, {@code -v}, and the {@link Output} it writes to.
 * A command returns its exit code; failures it can explain are {@link CliException}s.
 */
public abstract class KirCommand implements Callable<Integer> {

    /** Set by {@link Kir#execute} before the command runs. */
    Output output;

    @Option(names = {"-v", "--verbose"}, description = "Log kernel-ir at debug level (to stderr), and print stack "
            + "traces of failures.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** Where to write. */
    protected Output output() {
        return output;
    }

    @Override
    public final Integer call() throws Exception {
        return execute();
    }

    /** Runs the command. @return its exit code (0 success, 1 failure) */
    protected abstract int execute() throws Exception;
}
