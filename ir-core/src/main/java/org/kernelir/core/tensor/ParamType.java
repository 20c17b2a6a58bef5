package org.kernelir.core.tensor;

import java.util.List;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;

/**
 * The type of a parameter in a {@link Schema}. Values are checked in their canonical form (see
 * {@link org.kernelir.core.tensor.Literals}); a tensor is a {@link Tensor} when called eagerly, a {@link TensorRef} (a graph node)
 * in a graph, and a {@link TensorMeta} when metadata is computed.
 */
public enum ParamType {
    TENSOR("Tensor"),
    OPTIONAL_TENSOR("Tensor?"),
    TENSOR_LIST("Tensor[]"),
    /** A tensor, or a number that is broadcast (it never changes the result dtype of a float tensor). */
    TENSOR_OR_SCALAR("Tensor|Scalar"),
    INT("int"),
    OPTIONAL_INT("int?"),
    FLOAT("float"),
    OPTIONAL_FLOAT("float?"),
    BOOL("bool"),
    STRING("str"),
    DTYPE("dtype"),
    INT_LIST("int[]"),
    /** A size: an integer or a symbolic {@link Dim}. */
    SIZE("Dim"),
    /** A list of sizes, each an integer or a symbolic {@link Dim}. */
    SHAPE("Dim[]");

    private final String display;

    ParamType(String display) {
        this.display = display;
    }

    /** Whether {@code v} (canonical form) is a valid value of this type. */
    public boolean accepts(Object v) {
        return switch (this) {
            case TENSOR -> isTensor(v);
            case OPTIONAL_TENSOR -> v == null || isTensor(v);
            case TENSOR_LIST -> v instanceof List<?> l && l.stream().allMatch(ParamType::isTensor);
            case TENSOR_OR_SCALAR -> isTensor(v) || v instanceof Long || v instanceof Double || v instanceof Boolean;
            case INT -> v instanceof Long;
            case OPTIONAL_INT -> v == null || v instanceof Long;
            case FLOAT -> v instanceof Double || v instanceof Long;
            case OPTIONAL_FLOAT -> v == null || v instanceof Double || v instanceof Long;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case DTYPE -> v instanceof DType;
            case INT_LIST -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Long);
            case SIZE -> v instanceof Long || v instanceof Dim;
            case SHAPE -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Long || x instanceof Dim);
        };
    }

    /** Whether values of this type are tensors (or may be). */
    public boolean isTensorLike() {
        return this == TENSOR || this == OPTIONAL_TENSOR || this == TENSOR_LIST || this == TENSOR_OR_SCALAR;
    }

    private static boolean isTensor(Object v) {
        return v instanceof TensorRef || v instanceof Tensor || v instanceof TensorMeta || v instanceof StoredTensor;
    }

    @Override
    public String toString() {
        return display;
    }
}
