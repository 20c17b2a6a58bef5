package org.kernelir.passes;

/** A graph breaks a rule that a pass enforces. The message names the pass's node(s) and says what to change. */
public class PassException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PassException(String message) {
        super(message);
    }

    public PassException(String message, Throwable cause) {
        super(message, cause);
    }
}
