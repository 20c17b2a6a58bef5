package org.kernelir.core.conformance;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of comparing one implementation with native over every sample input of its op.
 *
 * @param op       the op's name
 * @param provider the implementation's provider
 * @param samples  one result per sample, in generator order
 */
public record ConformanceResult(String op, String provider, List<SampleResult> samples) {

    public ConformanceResult {
        samples = List.copyOf(samples);
    }

    /** Whether no sample failed or threw (unsupported samples do not count against it). */
    public boolean passed() {
        return samples.stream().noneMatch(s -> s.status() == SampleResult.Status.FAILED
                || s.status() == SampleResult.Status.ERROR);
    }

    /** Number of samples with {@code status}. */
    public long count(SampleResult.Status status) {
        return samples.stream().filter(s -> s.status() == status).count();
    }

    /** The failure and error messages, one per line. */
    public String failures() {
        return samples.stream().filter(s -> s.status() == SampleResult.Status.FAILED
                        || s.status() == SampleResult.Status.ERROR)
                .map(SampleResult::message).collect(Collectors.joining("\n"));
    }

    /** A one-line summary: {@code rms_norm@cpu: 42 passed, 0 failed, 0 errors, 6 unsupported}. */
    public String summary() {
        return op + "@" + provider + ": " + count(SampleResult.Status.PASSED) + " passed, "
                + count(SampleResult.Status.FAILED) + " failed, " + count(SampleResult.Status.ERROR) + " errors, "
                + count(SampleResult.Status.UNSUPPORTED) + " unsupported";
    }
}
