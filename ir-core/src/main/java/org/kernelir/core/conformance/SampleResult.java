package org.kernelir.core.conformance;

/**
 * The outcome of one sample input of a conformance run.
 *
 * @param description the sample ({@code "f16 [7, 97]"})
 * @param status      what happened
 * @param message     for failures and errors, what differed or was thrown; empty otherwise
 */
public record SampleResult(String description, Status status, String message) {

    /** What happened to one sample. */
    public enum Status {
        /** The implementation matched native within tolerance. */
        PASSED,
        /** Its results differ from native's beyond tolerance, or have another shape or dtype. */
        FAILED,
        /** It threw. */
        ERROR,
        /** Its {@code supports} rule declined the sample (not a failure). */
        UNSUPPORTED
    }
}
