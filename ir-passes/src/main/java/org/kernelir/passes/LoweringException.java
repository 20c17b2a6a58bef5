package org.kernelir.passes;

import java.util.List;

/**
 * Lowering in strict mode left IR op nodes in the graph. The message lists each node with the reason it could
 * not be lowered; {@link #failures()} gives them as values.
 */
public final class LoweringException extends PassException {
    private static final long serialVersionUID = 1L;

    private final transient List<LoweringReport.Failure> failures;

    public LoweringException(String message, List<LoweringReport.Failure> failures) {
        super(message);
        this.failures = List.copyOf(failures);
    }

    /** The nodes left unlowered, in graph order. */
    public List<LoweringReport.Failure> failures() {
        return failures;
    }
}
