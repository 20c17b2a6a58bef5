package org.kernelir.providers.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernelir.providers.cuda.runtime.KernelSpec;

/**
 * Checks the fatbin the build put into the JAR, without a GPU: every kernel the Java side launches is compiled for
 * every listed architecture, and the parameter table ptxas wrote into the sm_90 cubin matches each launch
 * description, so that a changed kernel signature fails here rather than on a GPU.
 */
class CompiledKernelsTest {

    private static KernelImage image;

    @BeforeAll
    static void read() {
        image = KernelImage.fromResources();
        assumeTrue(image.built(), "the build had no nvcc (" + image.reason() + "); .ci/run requires it");
    }

    private static Cubin cubin(int arch) {
        Fatbin.Entry e = image.toc().entries().stream()
                .filter(x -> x.kind() == Fatbin.Kind.SASS && x.arch() == arch).findFirst().orElseThrow();
        return new Cubin(Arrays.copyOfRange(image.fatbin(), e.payloadStart(), e.payloadStart() + e.payloadSize()));
    }

    @Test
    void theFatbinHasSassForEachArchitectureAndPtxForTheNewest() {
        assertEquals(Set.of(80, 90, 100), image.toc().sassArchs());
        assertEquals(Set.of(100), image.toc().ptxArchs());
        assertEquals("SASS sm_80, sm_90, sm_100; PTX compute_100", image.toc().describe());
    }

    @Test
    void everyCubinHoldsExactlyTheKernelsTheJavaSideKnows() {
        Set<String> expected = new TreeSet<>(CudaKernels.all().keySet());
        assertEquals(46, expected.size());
        for (int arch : List.of(80, 90, 100)) {
            assertEquals(expected, new TreeSet<>(cubin(arch).kernels()), "kernels in the sm_" + arch + " cubin");
        }
    }

    @Test
    void theSm90ParameterTablesMatchTheLaunchDescriptions() {
        Cubin c = cubin(90);
        Set<String> checked = new HashSet<>();
        for (KernelSpec spec : CudaKernels.all().values()) {
            List<Cubin.Param> params = c.params(spec.name());
            int[] sizes = params.stream().mapToInt(Cubin.Param::size).toArray();
            int[] offsets = params.stream().mapToInt(Cubin.Param::offset).toArray();
            assertArrayEquals(spec.params().stream().mapToInt(KernelSpec.Arg::size).toArray(), sizes,
                    spec.name() + ": parameter sizes");
            assertArrayEquals(spec.offsets(), offsets, spec.name() + ": parameter offsets");
            checked.add(spec.name());
        }
        assertEquals(CudaKernels.all().keySet(), checked);
    }

    @Test
    void aChangedSignatureIsCaught() {
        // The check is not vacuous: a description with one parameter fewer or a wrong size differs from the cubin.
        KernelSpec real = CudaKernels.all().get("kir_rms_norm_bf16_a");
        int[] sizes = cubin(90).params(real.name()).stream().mapToInt(Cubin.Param::size).toArray();
        KernelSpec wrong = new KernelSpec(real.name(), List.of(KernelSpec.Arg.PTR, KernelSpec.Arg.PTR,
                KernelSpec.Arg.I32, KernelSpec.Arg.PTR, KernelSpec.Arg.I32, KernelSpec.Arg.F32));
        assertTrue(!Arrays.equals(wrong.params().stream().mapToInt(KernelSpec.Arg::size).toArray(), sizes));
    }

    @Test
    void compatibilityFollowsTheFatbin() {
        Fatbin toc = image.toc();
        assertEquals("SASS sm_90", toc.match(9, 0));
        assertEquals("SASS sm_80", toc.match(8, 6));
        assertEquals("SASS sm_100", toc.match(10, 3));
        assertEquals("PTX compute_100 (JIT)", toc.match(12, 0));
        assertEquals(null, toc.match(7, 5));
    }

    @Test
    void theFatbinHashIsCompiledIntoTheProvider() throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(image.fatbin());
        assertEquals(java.util.HexFormat.of().formatHex(d), CudaProvider.fatbinSha256());
    }
}
