package org.kernelir.core.op;

import java.util.Arrays;
import java.util.List;
import org.kernelir.core.tensor.Tensor;

/**
 * The two results of an op that returns two tensors, such as {@code fused_add_rms_norm} (y, residual) or
 * {@code rotary_embedding} (query, key). {@code second} may be {@code null} where the op says so (a rotary
 * embedding called without a key).
 */
public record TensorPair(Tensor first, Tensor second) {

    /** The results as a list, in order. */
    public List<Tensor> toList() {
        return Arrays.asList(first, second);
    }
}
