package org.kernelir.core.op;

import java.util.List;

/**
 * One argument list an op's conformance run tries: CPU tensors and literals in parameter order, with a
 * description such as {@code "f16 [7, 4097] weight=null"}.
 *
 * @param description what is special about this sample, for reports
 * @param args        the positional arguments
 */
public record SampleInput(String description, List<Object> args) {
    public SampleInput {
        args = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(args));
    }
}
