package org.kernelir.core.tensor;

import java.util.List;
import org.kernelir.core.meta.NodeMeta;

/**
 * Computes what a call produces from what it is given, without data: tensor arguments arrive as
 * {@link org.kernelir.core.meta.TensorMeta} (or {@code null} when absent), other arguments as canonical
 * literals, defaults filled in. Shapes may be symbolic.
 */
@FunctionalInterface
public interface MetaFunction {

    /**
     * @throws IllegalArgumentException when the arguments are inconsistent (for example shapes that do not
     *                                  broadcast); the message names the mismatch
     */
    NodeMeta infer(List<Object> args);
}
