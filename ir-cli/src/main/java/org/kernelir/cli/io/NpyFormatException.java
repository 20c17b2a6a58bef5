package org.kernelir.cli.io;

/** A {@code .npy} file that cannot be read; the message names the file and what is wrong with it. */
public final class NpyFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message names the file and the problem */
    public NpyFormatException(String message) {
        super(message);
    }
}
