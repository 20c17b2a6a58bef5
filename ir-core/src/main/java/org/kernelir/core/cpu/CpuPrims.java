package org.kernelir.core.cpu;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.kernelir.core.tensor.KernelBody;
import org.kernelir.core.tensor.KernelDef;
import org.kernelir.core.tensor.Prims;
import org.kernelir.core.tensor.Target;

/**
 * The CPU's body for every primitive of the Tensor API ({@link Prims}). Primitives declare only their signature;
 * each device runtime computes them with bodies of its own, and these are the CPU's.
 */
public final class CpuPrims {

    private static final Map<Target, KernelBody> BODIES = bodies();

    private CpuPrims() {
    }

    /** The CPU body of the primitive {@code target}, if it is one. */
    public static Optional<KernelBody> body(Target target) {
        return Optional.ofNullable(BODIES.get(target));
    }

    /**
     * The body that computes {@code kernel} on CPU tensors: its own when it declares one for the CPU or for any
     * device, the CPU's primitive body when it is a primitive.
     *
     * @throws UnsupportedOperationException naming the kernel and its device when it cannot run on the CPU
     */
    public static KernelBody require(KernelDef kernel) {
        if (kernel.body() != null) {
            if (!kernel.runsOn(KernelDef.CPU)) {
                throw new UnsupportedOperationException("kernel " + kernel.target() + " runs on " + kernel.device()
                        + " devices, not on the CPU");
            }
            return kernel.body();
        }
        KernelBody b = BODIES.get(kernel.target());
        if (b == null) {
            throw new UnsupportedOperationException(kernel.target() + " has no CPU kernel");
        }
        return b;
    }

    private static Map<Target, KernelBody> bodies() {
        Map<Target, KernelBody> bodies = new HashMap<>();
        body(bodies, Prims.ADD, a -> CpuKernels.binary(CpuKernels.BinaryOp.ADD, a));
        body(bodies, Prims.SUB, a -> CpuKernels.binary(CpuKernels.BinaryOp.SUB, a));
        body(bodies, Prims.MUL, a -> CpuKernels.binary(CpuKernels.BinaryOp.MUL, a));
        body(bodies, Prims.DIV, a -> CpuKernels.binary(CpuKernels.BinaryOp.DIV, a));
        body(bodies, Prims.POW, a -> CpuKernels.binary(CpuKernels.BinaryOp.POW, a));
        body(bodies, Prims.MAXIMUM, a -> CpuKernels.binary(CpuKernels.BinaryOp.MAX, a));
        body(bodies, Prims.MINIMUM, a -> CpuKernels.binary(CpuKernels.BinaryOp.MIN, a));
        body(bodies, Prims.EQ, a -> CpuKernels.binary(CpuKernels.BinaryOp.EQ, a));
        body(bodies, Prims.NE, a -> CpuKernels.binary(CpuKernels.BinaryOp.NE, a));
        body(bodies, Prims.LT, a -> CpuKernels.binary(CpuKernels.BinaryOp.LT, a));
        body(bodies, Prims.LE, a -> CpuKernels.binary(CpuKernels.BinaryOp.LE, a));
        body(bodies, Prims.GT, a -> CpuKernels.binary(CpuKernels.BinaryOp.GT, a));
        body(bodies, Prims.GE, a -> CpuKernels.binary(CpuKernels.BinaryOp.GE, a));
        body(bodies, Prims.EXP, a -> CpuKernels.unary(CpuKernels.UnaryOp.EXP, a));
        body(bodies, Prims.LOG, a -> CpuKernels.unary(CpuKernels.UnaryOp.LOG, a));
        body(bodies, Prims.LOG2, a -> CpuKernels.unary(CpuKernels.UnaryOp.LOG2, a));
        body(bodies, Prims.SQRT, a -> CpuKernels.unary(CpuKernels.UnaryOp.SQRT, a));
        body(bodies, Prims.RSQRT, a -> CpuKernels.unary(CpuKernels.UnaryOp.RSQRT, a));
        body(bodies, Prims.SIGMOID, a -> CpuKernels.unary(CpuKernels.UnaryOp.SIGMOID, a));
        body(bodies, Prims.TANH, a -> CpuKernels.unary(CpuKernels.UnaryOp.TANH, a));
        body(bodies, Prims.ERF, a -> CpuKernels.unary(CpuKernels.UnaryOp.ERF, a));
        body(bodies, Prims.ERFC, a -> CpuKernels.unary(CpuKernels.UnaryOp.ERFC, a));
        body(bodies, Prims.ABS, a -> CpuKernels.unary(CpuKernels.UnaryOp.ABS, a));
        body(bodies, Prims.NEG, a -> CpuKernels.unary(CpuKernels.UnaryOp.NEG, a));
        body(bodies, Prims.CEIL, a -> CpuKernels.unary(CpuKernels.UnaryOp.CEIL, a));
        body(bodies, Prims.FLOOR, a -> CpuKernels.unary(CpuKernels.UnaryOp.FLOOR, a));
        body(bodies, Prims.SUM, a -> CpuKernels.reduce(CpuKernels.Reduction.SUM, a));
        body(bodies, Prims.MEAN, a -> CpuKernels.reduce(CpuKernels.Reduction.MEAN, a));
        body(bodies, Prims.AMAX, a -> CpuKernels.reduce(CpuKernels.Reduction.AMAX, a));
        body(bodies, Prims.CLAMP, CpuKernels::clamp);
        body(bodies, Prims.WHERE, CpuKernels::where);
        body(bodies, Prims.CAST, CpuKernels::cast);
        body(bodies, Prims.MATMUL, CpuKernels::matmul);
        body(bodies, Prims.RESHAPE, CpuKernels::reshape);
        body(bodies, Prims.PERMUTE, CpuKernels::permute);
        body(bodies, Prims.NARROW, CpuKernels::narrow);
        body(bodies, Prims.EXPAND, CpuKernels::expand);
        body(bodies, Prims.CAT, CpuKernels::cat);
        body(bodies, Prims.INDEX_SELECT, CpuKernels::indexSelect);
        body(bodies, Prims.FULL, CpuKernels::full);
        body(bodies, Prims.ARANGE, CpuKernels::arange);
        body(bodies, Prims.CLONE, CpuKernels::cloneKernel);
        body(bodies, Prims.COPY_, CpuKernels::copyInto);
        if (bodies.size() != Prims.all().size() - 1) { // getitem is evaluated by the interpreter itself
            throw new AssertionError("CPU bodies for " + bodies.size() + " of " + Prims.all().size() + " primitives");
        }
        return Map.copyOf(bodies);
    }

    private static void body(Map<Target, KernelBody> bodies, KernelDef prim, KernelBody body) {
        bodies.put(prim.target(), body);
    }
}
