package org.kernelir.core.tensor;

import org.kernelir.core.meta.TensorMeta;

/**
 * A tensor value whose data lives in some device's memory and that is not a {@link Tensor} API object: the tensors
 * a device runtime's kernels take and return ({@code org.kernelir.core.device.DeviceTensor}). Schemas accept it
 * wherever they accept a tensor, so that a kernel's arguments are bound by the same rules on every device.
 */
public interface StoredTensor {

    /** Its metadata, naming its device. */
    TensorMeta meta();
}
