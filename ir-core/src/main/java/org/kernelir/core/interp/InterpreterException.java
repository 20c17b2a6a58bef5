package org.kernelir.core.interp;

/** A graph node failed while being interpreted; the message names the node, its target and the graph. */
public final class InterpreterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InterpreterException(String message, Throwable cause) {
        super(message, cause);
    }
}
