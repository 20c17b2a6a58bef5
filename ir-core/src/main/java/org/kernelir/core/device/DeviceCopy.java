package org.kernelir.core.device;

import java.util.List;
import org.kernelir.core.meta.Device;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Param;
import org.kernelir.core.tensor.ParamType;
import org.kernelir.core.tensor.Schema;
import org.kernelir.core.tensor.Target;

/**
 * The copy node a placement inserts at a device boundary: {@code device::copy(x, "test:0")} is {@code x}'s value,
 * contiguous, on the named device. The executor runs it itself through the two devices' runtimes (host to device,
 * device to host, device to device; between two non-CPU types through the host).
 */
public final class DeviceCopy {

    private DeviceCopy() {
    }

    /** The namespace of the copy node's target. */
    public static final String NAMESPACE = "device";

    /** {@code device::copy(Tensor x, str device) -> Tensor}. */
    public static final KernelDef KERNEL = KernelDef.signature(Target.of(NAMESPACE, "copy"),
            new Schema(List.of(Param.of("x", ParamType.TENSOR), Param.of("device", ParamType.STRING)), 1),
            a -> {
                TensorMeta x = (TensorMeta) a.get(0);
                Device to = Device.parse((String) a.get(1));
                return new TensorMeta(x.dtype(), x.shape(), TensorMeta.contiguousStrides(x.shape()), to);
            });

    /** The copy node's target. */
    public static final Target TARGET = KERNEL.target();
}
