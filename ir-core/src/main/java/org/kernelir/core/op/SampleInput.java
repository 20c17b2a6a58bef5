package org.kernelir.core.op;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One argument list an op's conformance run tries: CPU tensors and literals in parameter order, with a
 * description such as {@code "f16 [7, 4097] weight=null"}.
 *
 * <p>An edge sample also names what each row of its activations holds ({@code rows}), so that a failure can say
 * which kind of row an implementation got wrong ({@code "row 3 (subnormals)"}).
 *
 * @param description what is special about this sample, for reports
 * @param args        the positional arguments
 * @param rows        what row {@code i} of the sample's activations holds, or empty when the rows are alike
 */
public record SampleInput(String description, List<Object> args, List<String> rows) {
    public SampleInput {
        args = Collections.unmodifiableList(new ArrayList<>(args));
        rows = List.copyOf(rows);
    }

    /** A sample whose rows are all alike (no row labels). */
    public SampleInput(String description, List<Object> args) {
        this(description, args, List.of());
    }

    /** What row {@code row} holds, for reports: {@code " (subnormals)"}, or empty when unlabelled. */
    public String rowLabel(long row) {
        return row >= 0 && row < rows.size() ? " (" + rows.get((int) row) + ")" : "";
    }
}
