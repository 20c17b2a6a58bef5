package org.kernelir.providers.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.core.dtype.DType;
import org.kernelir.providers.cuda.driver.CudaDriver;
import org.kernelir.providers.cuda.driver.CudaException;
import org.kernelir.providers.cuda.runtime.CudaDevice;
import org.kernelir.providers.cuda.runtime.DeviceBuffer;

/**
 * The device runtime and the launchers through the real FFM binding, against a driver stand-in
 * ({@code driver-standin.c}, compiled here with {@code cc}): device memory is host memory and launches are recorded,
 * not run. It proves what a GPU-less machine can: the module loads the real fatbin, copies go through the pinned
 * staging buffers in pieces, every launch carries the kernel variant, grid, block, shared memory and argument
 * values that CudaOps meant, calls from virtual threads reach the driver on a thread with the context set.
 */
class DeviceRuntimeStandInTest {

    private static Path lib;
    private static SymbolLookup probe;
    private static CudaDevice dev;
    private static CudaDriver driver;

    @BeforeAll
    static void open(@TempDir Path dir) throws Exception {
        KernelImage image = KernelImage.fromResources();
        assumeTrue(image.built(), "the build had no nvcc");
        Path src = Path.of("src/test/resources/driver-standin.c");
        lib = dir.resolve("libcuda-standin.so");
        Process p = new ProcessBuilder("cc", "-O1", "-shared", "-fPIC", "-o", lib.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "cc failed: " + out);
        probe = SymbolLookup.libraryLookup(lib, Arena.global());
        driver = CudaDriver.load(lib.toString());
        dev = CudaDevice.open(driver, 0, image.fatbin());
    }

    @AfterAll
    static void close() {
        if (dev != null) {
            dev.close();
        }
    }

    private static Object call(String name, FunctionDescriptor fd, Object... args) throws Throwable {
        MethodHandle h = Linker.nativeLinker().downcallHandle(probe.find(name).orElseThrow(), fd);
        return h.invokeWithArguments(args);
    }

    private static int launches() throws Throwable {
        return (int) call("standin_launches", FunctionDescriptor.of(JAVA_INT));
    }

    private static void expect(int params) throws Throwable {
        call("standin_expect", FunctionDescriptor.ofVoid(JAVA_INT), params);
    }

    private static String lastName() throws Throwable {
        MemorySegment s = (MemorySegment) call("standin_name", FunctionDescriptor.of(ADDRESS));
        return s.reinterpret(128).getString(0);
    }

    private static long param(int i) throws Throwable {
        return (long) call("standin_param", FunctionDescriptor.of(JAVA_LONG, JAVA_INT), i);
    }

    private static int geometry(String what) throws Throwable {
        return (int) call("standin_" + what, FunctionDescriptor.of(JAVA_INT));
    }

    @Test
    void theDeviceIsOpenedFromTheRealFatbin() {
        assertEquals("Stand-in GPU", dev.name());
        assertEquals(132, dev.multiprocessors());
        assertEquals("cuda:0", dev.device());
    }

    @Test
    void hostCopiesRoundTripThroughTheStagingBuffersInPieces() {
        // 20 MiB + 3 bytes: three pieces through the two 8 MiB pinned buffers each way.
        int n = (20 << 20) + 3;
        byte[] data = new byte[n];
        new Random(1).nextBytes(data);
        DeviceBuffer b = dev.allocate(n);
        DeviceBuffer c = dev.allocate(n);
        dev.copyToDevice(MemorySegment.ofArray(data), b);
        dev.copyDeviceToDevice(b, c, n);
        byte[] back = new byte[n];
        dev.copyToHost(c, MemorySegment.ofArray(back));
        assertArrayEquals(data, back);
        dev.free(b);
        dev.free(c);
        // Freed blocks are reused on the same stream with no new cuMemAlloc.
        long reserved = dev.allocator().reservedBytes();
        DeviceBuffer again = dev.allocate(n);
        assertEquals(reserved, dev.allocator().reservedBytes());
        dev.free(again);
    }

    @Test
    void anRmsNormLaunchCarriesWhatCudaOpsMeant() throws Throwable {
        DeviceBuffer x = dev.allocate(8 * 4096 * 2);
        DeviceBuffer w = dev.allocate(4096 * 2);
        DeviceBuffer y = dev.allocate(8 * 4096 * 2);
        int before = launches();
        expect(6);
        CudaOps.rmsNorm(dev, DType.BF16, y.pointer(), x.pointer(), 4096, w.pointer(), 8, 4096, 1e-6f);
        assertEquals(before + 1, launches());
        assertEquals("kir_rms_norm_bf16_a", lastName());
        assertEquals(8, geometry("grid"));
        assertEquals(512, geometry("block"));
        assertEquals(4096 * 4, geometry("smem"));
        assertEquals(y.pointer(), param(0));
        assertEquals(x.pointer(), param(1));
        assertEquals(4096L, param(2));
        assertEquals(w.pointer(), param(3));
        assertEquals(4096, (int) param(4));
        assertEquals(1e-6f, Float.intBitsToFloat((int) param(5)));
        // A pointer off the 16-byte grid picks the element-wise variant.
        CudaOps.rmsNorm(dev, DType.BF16, y.pointer(), x.pointer() + 2, 4096, 0L, 8, 4096, 1e-6f);
        assertEquals("kir_rms_norm_bf16_u", lastName());
        assertEquals(0L, param(3));
        for (DeviceBuffer b : new DeviceBuffer[] {x, w, y}) {
            dev.free(b);
        }
    }

    @Test
    void perTensorQuantIsThreeLaunchesAfterZeroingTheAmax() throws Throwable {
        DeviceBuffer x = dev.allocate(64 * 256 * 4);
        DeviceBuffer q = dev.allocate(64 * 256);
        DeviceBuffer s = dev.allocate(4);
        int before = launches();
        expect(4);  // the fewest parameters of the three kernels (kir_amax_to_scale's)
        CudaOps.perTensorQuant(dev, DType.F32, q.pointer(), s.pointer(), x.pointer(), 256, 64, 256, 2.5f);
        assertEquals(before + 3, launches());
        assertEquals("kir_quant_fp8_f32_a", lastName());
        assertEquals(q.pointer(), param(0));
        assertEquals(x.pointer(), param(1));
        for (DeviceBuffer b : new DeviceBuffer[] {x, q, s}) {
            dev.free(b);
        }
    }

    @Test
    void aVirtualThreadReachesTheDriverOnAPlatformThreadWithTheContext() throws Throwable {
        DeviceBuffer x = dev.allocate(4 * 2 * 1024 * 2);
        DeviceBuffer o = dev.allocate(4 * 1024 * 2);
        int before = launches();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        expect(6);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                CudaOps.actAndMul(dev, DType.F16, o.pointer(), x.pointer(), 2048, 4, 1024, 2);
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.join();
        assertEquals(null, failed.get());
        assertEquals(before + 1, launches());
        assertEquals("kir_act_and_mul_f16_a", lastName());
        assertEquals(2, (int) param(5));
        dev.free(x);
        dev.free(o);
    }

    @Test
    void aModuleImageThatIsNotAFatbinIsRefusedWithTheDriversName() {
        CudaException e = assertThrows(CudaException.class, () -> CudaDevice.open(driver, 0, new byte[64]));
        assertEquals("CUDA_ERROR_INVALID_IMAGE", e.errorName());
        assertTrue(e.getMessage().startsWith("cuModuleLoadData failed"), e.getMessage());
    }
}
