/**
 * Fused, vectorized CPU kernels for the IR op set, computed with the Vector API on
 * {@link java.lang.foreign.MemorySegment}s, and the row scheduler that spreads them over cores.
 *
 * <h2>Contract shared by every kernel</h2>
 * <ul>
 *   <li><b>Layout.</b> Tensors are row-major matrices: a row's last dimension is contiguous, consecutive rows are a
 *       row stride apart, and every offset and stride counts elements of the tensor's type, not bytes. Memory is
 *       little-endian and needs no alignment.</li>
 *   <li><b>Element types.</b> {@link org.kernelir.providers.cpu.kernels.ElemType#F32 f32},
 *       {@link org.kernelir.providers.cpu.kernels.ElemType#F16 f16} and
 *       {@link org.kernelir.providers.cpu.kernels.ElemType#BF16 bf16}; 16-bit values are widened exactly,
 *       everything is computed in f32 and rounded once, to nearest even, when stored. fp8 outputs are e4m3fn.</li>
 *   <li><b>Memory kinds.</b> Any segment works: native, or heap over any array type (for example the
 *       {@code long[]} of {@code CpuTensor.zeros}). f32 in native memory is processed in place; anything else goes
 *       through per-thread f32 scratch rows, with the same results.</li>
 *   <li><b>Aliasing.</b> Output rows must not overlap each other. Where a kernel says so, an output may alias an
 *       input exactly (same segment, offset and stride): the in-place forms.</li>
 *   <li><b>Checks.</b> Sizes, offsets, strides and bounds are checked before anything is written; a rejected
 *       call leaves every output untouched.</li>
 *   <li><b>Threads.</b> Calls above a size threshold are split by rows across a small fixed pool
 *       ({@link org.kernelir.providers.cpu.kernels.RowScheduler}); results do not depend on how rows are split.
 *       Memory of a confined arena keeps the call on the calling thread.</li>
 * </ul>
 */
package org.kernelir.providers.cpu.kernels;
