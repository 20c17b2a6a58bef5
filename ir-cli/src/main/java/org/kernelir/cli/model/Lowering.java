package org.kernelir.cli.model;

import java.util.ArrayList;
import java.util.List;
import org.kernelir.cli.Progress;
import org.kernelir.core.graph.Graph;
import org.kernelir.passes.LoweringReport;
import org.kernelir.passes.LoweringResult;
import org.kernelir.passes.PassConfig;
import org.kernelir.passes.PassManager;
import org.kernelir.runtime.KernelIr;

/** Runs kernel-ir's standard pass pipeline over every piece of a model. */
public final class Lowering {

    private Lowering() {
    }

    /**
     * The lowered pieces and one report for all of them.
     *
     * @param graphs the lowered graphs, one per piece, in order
     * @param report the pieces' reports added up ({@link LoweringReport#plus})
     */
    public record Outcome(List<Graph> graphs, LoweringReport report) {
    }

    /**
     * Lowers every piece of {@code model} with {@code ir}'s dispatcher (its priority must be set) and cache.
     *
     * @throws org.kernelir.passes.PassException when a pass rejects a graph (for example a node left unlowered in
     *                                           strict mode), naming the node
     * @throws org.kernelir.cli.CliException     when a piece does not verify, listing every problem with its node
     */
    public static Outcome lower(Model model, KernelIr ir, boolean strict, Progress progress) {
        PassManager pipeline = PassManager.standard(PassConfig.builder(ir.dispatcher()).cache(ir.cache())
                .strict(strict).build());
        model.verify(pipeline.config().catalog()); // before any pass: a pass must never see an invalid graph
        List<Graph> out = new ArrayList<>();
        LoweringReport report = LoweringReport.EMPTY;
        for (Graph piece : model.pieces()) {
            LoweringResult r = pipeline.run(piece);
            out.add(r.graph());
            report = report.plus(r.report());
            progress.step(piece.name());
        }
        return new Outcome(out, report);
    }
}
