package org.kernelir.cli.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What {@code kir run} reports; {@code --json} prints it as it is, the text form prints the same values.
 *
 * @param model     the model's name
 * @param source    where it came from
 * @param device    the device it ran on ({@code cpu}, {@code cuda:0}, ...)
 * @param priority  the priority lowered with
 * @param selected  per op, how often each provider was chosen
 * @param summary   the same on one line
 * @param nativeFallbacks per op, the nodes lowered with native although the priority lists another provider
 * @param inputs    where the inputs came from
 * @param outputs   each output
 * @param lowerMs   lowering time
 * @param runMs     running time
 * @param nativeMs  the native reference's running time ({@code null} without {@code --compare})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(String model, String source, String device, String priority, Map<String, Map<String, Integer>> selected,
        String summary, @JsonProperty("native_fallbacks") Map<String, Integer> nativeFallbacks, InputsFrom inputs,
        List<Output> outputs, @JsonProperty("lower_ms") double lowerMs, @JsonProperty("run_ms") double runMs,
        @JsonProperty("native_ms") Double nativeMs) {

    /**
     * Where the inputs came from.
     *
     * @param from    {@code random} or the folder
     * @param seed    the seed of random inputs
     * @param symbols the sizes of the symbolic dimensions of random inputs
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InputsFrom(String from, Long seed, Map<String, Long> symbols) {
    }

    /**
     * One output, with its comparison when there is one.
     *
     * @param name            the output's name
     * @param shape           its sizes ({@code null} for an absent output)
     * @param dtype           its dtype
     * @param maxAbsErr       largest absolute error against native
     * @param maxRelErr       largest relative error against native
     * @param atol            absolute tolerance
     * @param rtol            relative tolerance
     * @param withinTolerance whether it is within tolerance
     * @param file            the file it was written to
     */
    public record Output(String name, List<Long> shape, String dtype,
            @JsonProperty("max_abs_err") @JsonInclude(JsonInclude.Include.NON_NULL) Double maxAbsErr,
            @JsonProperty("max_rel_err") @JsonInclude(JsonInclude.Include.NON_NULL) Double maxRelErr,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double atol,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double rtol,
            @JsonProperty("within_tolerance") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean withinTolerance,
            @JsonProperty("nan_mismatches") @JsonInclude(JsonInclude.Include.NON_NULL) Long nanMismatches,
            @JsonProperty("first_nan_mismatch") @JsonInclude(JsonInclude.Include.NON_NULL) List<Long> firstNanMismatch,
            @JsonInclude(JsonInclude.Include.NON_NULL) String file) {
    }
}
