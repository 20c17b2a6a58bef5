package org.kernelir.cli.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kernelir.cli.base.CliException;
import org.kernelir.cli.base.Output;
import org.kernelir.cli.io.Npy;
import org.kernelir.core.cpu.CpuTensor;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.shape.Dim;

/** The inputs of {@code kir run}: {@code .npy} files named after the graph's inputs, or random ones. */
public final class Inputs {

    private Inputs() {
    }

    /**
     * Reads {@code DIR/<input>.npy} for every graph input. A {@code <f4} file for a bf16 or fp8 input is rounded to
     * that dtype (npy has no such types), with a note.
     *
     * @throws CliException naming the missing or mismatching file, and what the graph expects
     */
    public static List<CpuTensor> read(Graph g, Path dir, Output output) {
        if (!Files.isDirectory(dir)) {
            throw new CliException("inputs folder " + dir + " does not exist; it must hold one .npy file per graph "
                    + "input: " + names(g));
        }
        List<CpuTensor> out = new ArrayList<>();
        for (Node p : g.placeholders()) {
            Path file = dir.resolve(p.name() + ".npy");
            TensorMeta m = (TensorMeta) p.meta();
            if (!Files.isRegularFile(file)) {
                throw new CliException("input file " + file + " is missing; kir run reads one .npy file per graph "
                        + "input (" + names(g) + "), named after the input; " + p.name() + " is " + m);
            }
            CpuTensor t;
            try {
                t = Npy.read(file);
            } catch (IOException e) {
                throw new CliException("cannot read input file " + file + ": " + e.getMessage(), e);
            }
            if (t.dtype() != m.dtype()) {
                if (t.dtype() == DType.F32 && (m.dtype() == DType.BF16 || m.dtype().isFp8())) {
                    output.note("note: input " + p.name() + " is " + m.dtype() + "; " + file + " holds f32 (npy has no "
                            + m.dtype() + "), rounded to " + m.dtype());
                    t = (CpuTensor) t.to(m.dtype());
                } else {
                    throw new CliException("input file " + file + " holds " + t.meta() + " but graph input " + p.name()
                            + " is " + m + "; save it as " + npyName(m.dtype()));
                }
            }
            if (t.sizes().length != m.rank()) {
                throw new CliException("input file " + file + " holds " + t.meta() + " (rank " + t.sizes().length
                        + ") but graph input " + p.name() + " is " + m + " (rank " + m.rank() + ")");
            }
            out.add(t);
        }
        return out;
    }

    /**
     * The value of every symbolic dimension of {@code g}'s inputs: {@code given} where it says, else {@code dflt}.
     *
     * @throws CliException when {@code given} names a symbol the graph does not have
     */
    public static Map<String, Long> symbols(Graph g, Map<String, Long> given, long dflt) {
        Map<String, Long> out = new TreeMap<>();
        for (Node p : g.placeholders()) {
            for (Dim d : ((TensorMeta) p.meta()).shape()) {
                for (String s : d.symbols()) {
                    out.put(s, given.getOrDefault(s, dflt));
                }
            }
        }
        for (String s : given.keySet()) {
            if (!out.containsKey(s)) {
                throw new CliException("--sym " + s + ": graph " + g.name() + " has no symbolic dimension " + s
                        + (out.isEmpty() ? " (its input shapes are all constant)" : "; it has " + out.keySet()));
            }
        }
        return out;
    }

    private static String npyName(DType d) {
        return switch (d) {
            case F64 -> "float64";
            case F32, BF16, F8E4M3FN, F8E5M2 -> "float32";
            case F16 -> "float16";
            case I64 -> "int64";
            case I32 -> "int32";
            case I8 -> "int8";
            case U8 -> "uint8";
            case BOOL -> "bool";
        };
    }

    private static String names(Graph g) {
        return String.join(", ", g.placeholders().stream().map(Node::name).toList());
    }
}
