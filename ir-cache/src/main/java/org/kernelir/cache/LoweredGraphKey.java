package org.kernelir.cache;

import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.GraphBinary;

/**
 * What a whole lowered graph is keyed by: the identity of the pipeline that lowers it (its passes, the priority in
 * force, the identity and availability of every provider it may choose, and every option that changes its
 * result; see {@code PassManager.pipelineUuid()}), the input graph itself, and kernel-ir's graph format version.
 *
 * <p>In memory, keys compare the input graph structurally ({@link Graph#equals}), so an equal graph built anew
 * finds the entry and no two different graphs ever share one. On disk, an entry is named after the input graph's
 * binary form ({@link GraphBinary}: equal graphs, equal bytes), stores those bytes, and is used only when they equal
 * this key's, so a disk entry is never used for another graph either, and variants of one model keep their own.
 */
public final class LoweredGraphKey implements CacheKey {

    /** The version of the stored form of a lowered graph ({@code LoweredGraphs}); 2 stores typed items. */
    static final int ENTRY_VERSION = 2;

    private final UUID pipeline;
    private final Graph graph;
    /** Whether the provider set and priority that {@link #pipeline} names are still those in force; no part of
     * equality. */
    private final BooleanSupplier current;
    private volatile byte[] input;
    private volatile String text;
    private volatile String hash;
    /** The last pipeline's texts: a process lowers many graphs with one pipeline. */
    private static volatile PipelineText lastPipeline;

    /**
     * The key of lowering {@code graph} with the pipeline whose identity is {@code pipeline}.
     *
     * @param pipeline the pipeline's identity; it must change whenever anything that changes the result changes
     * @param graph    the graph the pipeline runs on
     */
    public LoweredGraphKey(UUID pipeline, Graph graph) {
        this(pipeline, graph, () -> true);
    }

    /**
     * The key of lowering {@code graph} with the pipeline whose identity is {@code pipeline}, as that identity was
     * when {@code current} started answering {@code true}. A cache stores a result under this key only while
     * {@code current} holds, checked at the moment of storing (in memory atomically with the purge that a plugin
     * unload causes), so a lowering that raced a change of providers or priority is returned to its caller but never
     * kept under a key that names the set it did not run under.
     *
     * @param pipeline the pipeline's identity; it must change whenever anything that changes the result changes
     * @param graph    the graph the pipeline runs on
     * @param current  whether what {@code pipeline} was computed from is still in force (for example: the
     *                 dispatcher's generation is the one read before the identity); must be cheap and thread-safe
     */
    public LoweredGraphKey(UUID pipeline, Graph graph, BooleanSupplier current) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.graph = Objects.requireNonNull(graph, "graph");
        this.current = Objects.requireNonNull(current, "current");
    }

    /** Whether the state this key's pipeline identity was computed from is still in force (see the constructor). */
    public boolean current() {
        return current.getAsBoolean();
    }

    /** The pipeline's identity. */
    public UUID pipeline() {
        return pipeline;
    }

    /** The input graph. */
    public Graph graph() {
        return graph;
    }

    /**
     * The text names the input graph by its name and the length and CRC-32 of its binary form, so that variants of
     * one model (other shapes, dtypes or options) get files of their own; the disk entry stores the input graph's
     * whole binary form, and a reader uses the entry only when it equals this key's ({@link #inputBytes()}).
     */
    @Override
    public String text() {
        String t = text;
        if (t == null) {
            byte[] input = inputBytes();
            t = pipelineText().text + "graph " + graph.name() + "\ninput " + input.length + " bytes, crc32 "
                    + DiskTier.checksum(input, input.length) + "\n";
            text = t;
        }
        return t;
    }

    /**
     * The pipeline's UUID and the CRC-32 of {@link #text()}, in hex: unique enough to spread entries over file
     * names, and cheap in a JVM that has just started (a SHA-256 there costs more than reading the entry). Two keys
     * with one file name only take turns in it: the stored text and input graph decide whether an entry is used.
     */
    @Override
    public String hash() {
        String h = hash;
        if (h == null) {
            byte[] t = text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            h = pipelineText().fileNamePrefix + DiskTier.checksum(t, t.length);
            hash = h;
        }
        return h;
    }

    /** The parts of the text and file name that depend on the pipeline alone, shared by its keys. */
    private PipelineText pipelineText() {
        PipelineText p = lastPipeline;
        if (p == null || !p.pipeline.equals(pipeline)) {
            HexFormat hex = HexFormat.of();
            p = new PipelineText(pipeline, "kernel-ir lowered graph\nformat " + ReplacementKey.FORMAT_VERSION
                    + "\nentry " + ENTRY_VERSION + "\npipeline " + pipeline + "\n", "lowered-" + hex.toHexDigits(pipeline.getMostSignificantBits())
                    + hex.toHexDigits(pipeline.getLeastSignificantBits()) + "-");
            lastPipeline = p;
        }
        return p;
    }

    private record PipelineText(UUID pipeline, String text, String fileNamePrefix) {
    }

    /** The input graph in {@link GraphBinary} form (what a disk entry stores and is compared with), computed once.
     * Callers must not modify the array. */
    byte[] inputBytes() {
        byte[] b = input;
        if (b == null) {
            b = GraphBinary.write(graph);
            input = b;
        }
        return b;
    }

    @Override
    public String describe() {
        return "graph " + graph.name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoweredGraphKey k && pipeline.equals(k.pipeline) && graph.equals(k.graph);
    }

    @Override
    public int hashCode() {
        return 31 * pipeline.hashCode() + graph.hashCode();
    }

    @Override
    public String toString() {
        return "LoweredGraphKey[" + graph.name() + ", pipeline " + pipeline + "]";
    }
}
