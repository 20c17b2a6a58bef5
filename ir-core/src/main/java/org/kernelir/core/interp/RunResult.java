package org.kernelir.core.interp;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.cpu.TensorPool;

/**
 * The outputs of a pooled run ({@link Interpreter#run(org.kernelir.core.graph.Graph, List, TensorPool)}), whose
 * memory belongs to a {@link TensorPool} until {@link #close()} gives it back, as ONNX Runtime's
 * {@code OrtSession.Result} does with its arena. Use it in try-with-resources:
 *
 * <pre>{@code
 * try (RunResult r = interpreter.run(graph, inputs, pool)) {
 *     float[] y = r.get(0).toFloatArray();
 * }
 * }</pre>
 *
 * <p>After {@code close()}, {@link #outputs()} and {@link #get} throw {@link IllegalStateException}. Tensors taken
 * out before must not be used after it: their memory serves later runs, so they may read another run's data
 * (never memory of another kind: a block is only ever tensor storage, or freed, and then access throws). Copy an
 * output ({@code cloneTensor()} outside a run) to keep it. Outputs that are graph inputs, or views of them, are
 * not pooled and stay valid.
 */
public final class RunResult implements AutoCloseable {

    private final String graphName;
    private final List<CpuTensor> outputs;
    private final List<MemorySegment> blocks;
    private final TensorPool pool;
    private final AtomicBoolean closed = new AtomicBoolean();

    RunResult(String graphName, List<CpuTensor> outputs, List<MemorySegment> blocks, TensorPool pool) {
        this.graphName = graphName;
        this.outputs = Collections.unmodifiableList(outputs);
        this.blocks = List.copyOf(blocks);
        this.pool = pool;
    }

    /**
     * The graph's outputs, in order ({@code null} for absent outputs).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public List<CpuTensor> outputs() {
        requireOpen();
        return outputs;
    }

    /**
     * Output {@code i}.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public CpuTensor get(int i) {
        requireOpen();
        return outputs.get(i);
    }

    /** Number of outputs. */
    public int size() {
        return outputs.size();
    }

    /** Bytes of pooled memory the outputs hold (0 once closed). */
    public long pooledBytes() {
        return closed.get() ? 0 : blocks.stream().mapToLong(MemorySegment::byteSize).sum();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Gives the outputs' memory back to the pool; closing again does nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (MemorySegment b : blocks) {
                pool.release(b);
            }
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the result of graph " + graphName + " is closed: its outputs' memory "
                    + "went back to the pool");
        }
    }

    @Override
    public String toString() {
        return "RunResult[" + graphName + ", " + outputs.size() + " outputs" + (closed.get() ? ", closed]" : "]");
    }
}
