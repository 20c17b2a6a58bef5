/**
 * Example models for the passes: a Llama-style decoder traced into a graph of IR ops and primitives
 * ({@link org.kernelir.passes.examples.LlamaBuilder}), its piecewise split at attention as vLLM compiles it
 * ({@link org.kernelir.passes.examples.Piecewise}), the model file format that holds several graphs
 * ({@link org.kernelir.format.ModelFile}), and the generator of the files shipped in
 * {@code examples/models} ({@link org.kernelir.passes.examples.ExampleModels}).
 */
package org.kernelir.passes.examples;

