package org.kernelir.cli.base;

/**
 * A failure that {@code kir} reports as one line on stderr with exit code 1: the message names the file, plugin,
 * provider or op at fault and says what to do.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the whole line to print (without the {@code kir <command>:} prefix) */
    public CliException(String message) {
        super(message);
    }

    /** @param message the whole line to print; {@code cause} is shown with {@code -v} */
    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
