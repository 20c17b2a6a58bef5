/**
 * Graph passes: the compiled-mode pipeline that turns a graph of IR ops into a graph of primitives and provider
 * kernels.
 *
 * <p>A {@link org.kernelir.passes.Pass} reads an immutable {@link org.kernelir.core.graph.Graph} and builds a new
 * one. A {@link org.kernelir.passes.PassManager} runs an ordered list of passes under one
 * {@link org.kernelir.passes.PassConfig} (dispatcher, catalog, replacement cache, options) and returns a
 * {@link org.kernelir.passes.LoweringResult}: the final graph and a {@link org.kernelir.passes.LoweringReport}.
 *
 * <p>The standard pipeline, in order:
 * <ol>
 *   <li>{@link org.kernelir.passes.FunctionalizationPass}: {@code ir::X.maybe_inplace} nodes become functional
 *       {@code ir::X}; their activation inputs are donated, and using a donated input later is an error;</li>
 *   <li>{@link org.kernelir.passes.LoweringPass}: every IR op node is replaced by the traced graph of the
 *       implementation dispatch picks for its argument metadata (through the replacement cache);</li>
 *   <li>{@link org.kernelir.passes.CloneEliminationPass}: clones that are not needed for correctness go;</li>
 *   <li>{@link org.kernelir.passes.NoOpEliminationPass}: reshapes, narrows, expands and casts that change
 *       nothing go;</li>
 *   <li>{@link org.kernelir.passes.DeadCodeEliminationPass}: nodes whose results nobody uses go, unless they
 *       write into a tensor.</li>
 * </ol>
 */
package org.kernelir.passes;
