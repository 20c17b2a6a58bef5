package org.kernelir.cli.model;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.cli.base.Progress;
import org.kernelir.core.graph.Graph;
import org.kernelir.passes.LoweringReport;
import org.kernelir.passes.LoweringResult;
import org.kernelir.runtime.KernelIr;

/**
 * A model lowered piece by piece through {@link KernelIr#lower}, with one report for all pieces.
 *
 * @param graphs the lowered graphs, one per piece, in order
 * @param report the pieces' reports added up ({@link LoweringReport#plus})
 */
public record LoweredModel(List<Graph> graphs, LoweringReport report) {

    public LoweredModel {
        graphs = List.copyOf(graphs);
    }

    /**
     * Lowers every piece of {@code model} with {@code ir} (its priority set, its options: strict, native fallbacks).
     *
     * @throws org.kernelir.passes.PassException when lowering rejects a piece, naming the node
     * @throws org.kernelir.cli.base.CliException     when a piece does not verify, listing every problem with its node
     */
    public static LoweredModel lower(Model model, KernelIr ir, Progress progress) {
        model.verify(ir.passManager().config().catalog()); // before any pass: a pass must never see an invalid graph
        List<Graph> out = new ArrayList<>();
        LoweringReport report = LoweringReport.EMPTY;
        for (Graph piece : model.pieces()) {
            LoweringResult r = ir.lower(piece);
            out.add(r.graph());
            report = report.plus(r.report());
            progress.step(piece.name());
        }
        return new LoweredModel(out, report);
    }
}
