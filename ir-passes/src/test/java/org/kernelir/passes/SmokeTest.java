package org.kernelir.passes;

import org.junit.jupiter.api.Test;
import org.kernelir.passes.examples.ExampleModels;
import org.kernelir.passes.examples.LlamaBuilder;

class SmokeTest {
    @Test
    void smoke() {
        long t0 = System.nanoTime();
        var m = ExampleModels.llama70bShaped();
        long t1 = System.nanoTime();
        String json = m.toJson();
        long t2 = System.nanoTime();
        System.err.println("build " + (t1 - t0) / 1e6 + " ms, json " + (t2 - t1) / 1e6 + " ms, size " + json.length() + " graphs " + m.graphs().size());
        var d = Fixtures.dispatcher("default=native");
        var pm = PassManager.standard(PassConfig.of(d));
        for (int rep = 0; rep < 5; rep++) {
            long s = System.nanoTime();
            LoweringReport total = LoweringReport.EMPTY;
            for (var g : m.graphs()) {
                total = total.plus(pm.run(g).report());
            }
            System.err.println("lower all pieces " + (System.nanoTime() - s) / 1e6 + " ms " + total.summary());
            if (rep == 4) System.err.println(total);
        }
        var mono = LlamaBuilder.llama70bShaped().build();
        for (int rep = 0; rep < 3; rep++) {
            long s = System.nanoTime();
            var r = pm.run(mono);
            System.err.println("lower monolithic " + (System.nanoTime() - s) / 1e6 + " ms nodes " + mono.nodes().size() + " -> " + r.graph().nodes().size());
            System.err.println(r.report());
        }
        var tiny = LlamaBuilder.tiny().build();
        var dt = Fixtures.dispatcher("default=test,native", new TestProvider());
        var pt = PassManager.standard(PassConfig.of(dt));
        for (int rep = 0; rep < 20; rep++) {
            var r = pt.run(tiny);
            if (rep == 19) System.err.println(r.report());
        }
    }
}
