package org.kernelir.providers.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernelir.providers.cuda.driver.CudaDriver;
import org.kernelir.providers.cuda.driver.CudaException;
import org.kernelir.providers.cuda.driver.DriverUnavailableException;

/**
 * Every reason the provider can give for being unavailable, produced for real: a library that does not load, and a
 * driver stand-in (a small C library compiled here with the system's C compiler) whose cuInit, device count and
 * compute capability each test sets. The driver binding runs unchanged against it.
 */
class AvailabilityTest {

    private static final String STUB = """
            #include <string.h>
            static int init_result, count = 1, major = 9, minor = 0;
            void kir_stub_set(int i, int c, int ma, int mi) { init_result = i; count = c; major = ma; minor = mi; }
            int cuInit(unsigned f) { return init_result; }
            int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
            int cuGetErrorName(int e, const char **s) {
              switch (e) {
                case 100: *s = "CUDA_ERROR_NO_DEVICE"; return 0;
                case 34: *s = "CUDA_ERROR_STUB_LIBRARY"; return 0;
                default: return 1; }
            }
            int cuGetErrorString(int e, const char **s) {
              if (e == 100) { *s = "no CUDA-capable device is detected"; return 0; }
              return 1;
            }
            int cuDeviceGetCount(int *n) { *n = count; return 0; }
            int cuDeviceGet(int *d, int o) { if (o >= count) return 101; *d = o; return 0; }
            int cuDeviceGetName(char *n, int len, int d) { strncpy(n, "Stub GPU", len); return 0; }
            int cuDeviceGetAttribute(int *v, int a, int d) {
              if (a == 75) *v = major; else if (a == 76) *v = minor; else *v = 132; return 0;
            }
            """;

    private static Path stub;
    private static MethodHandle set;
    private static KernelImage image;

    @BeforeAll
    static void compileStub(@TempDir Path dir) throws Exception {
        image = KernelImage.fromResources();
        Path src = dir.resolve("stub.c");
        Files.writeString(src, STUB);
        stub = dir.resolve("libcuda-stub.so");
        Process p = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", stub.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "cc failed: " + out);
        set = Linker.nativeLinker().downcallHandle(SymbolLookup.libraryLookup(stub, Arena.global())
                .find("kir_stub_set").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static String reason(int init, int count, int major, int minor) throws Throwable {
        assumeTrue(image.built(), "the build had no nvcc: " + image.reason());
        set.invokeExact(init, count, major, minor);
        CudaAvailability a = CudaAvailability.probe(stub.toString(), image);
        return a.availability().available() ? "AVAILABLE " + a.availability().reason() : a.availability().reason();
    }

    @Test
    void noDriverLibrary() {
        CudaAvailability a = CudaAvailability.probe("libcuda-kir-absent.so.1", image.built() ? image
                : new KernelImage(new byte[0], new Fatbin(java.util.List.of()), "", ""));
        assertFalse(a.availability().available());
        assertEquals("no CUDA driver: libcuda-kir-absent.so.1 could not be loaded", a.availability().reason());
    }

    @Test
    void thisMachineHasNoDriver() {
        assumeTrue(image.built());
        assumeTrue(!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1")), "this machine has a driver");
        assertEquals("no CUDA driver: libcuda.so.1 could not be loaded",
                CudaAvailability.probe(CudaDriver.DEFAULT_LIBRARY, image).availability().reason());
    }

    @Test
    void kernelsNotBuilt() {
        KernelImage none = new KernelImage(null, null, "built without CUDA kernels (nvcc was not found at build time)",
                "");
        assertEquals("built without CUDA kernels (nvcc was not found at build time)",
                CudaAvailability.probe(stub.toString(), none).availability().reason());
    }

    @Test
    void cuInitFailsWithTheErrorName() throws Throwable {
        assertEquals("cuInit failed: CUDA_ERROR_NO_DEVICE (100)", reason(100, 1, 9, 0));
        assertEquals("cuInit failed: CUDA_ERROR_STUB_LIBRARY (34)", reason(34, 1, 9, 0));
        // A code the driver has no name for still gets one.
        assertEquals("cuInit failed: CUDA_ERROR_INSUFFICIENT_DRIVER (35)", reason(35, 1, 9, 0));
    }

    @Test
    void noDevice() throws Throwable {
        assertEquals("no CUDA device (cuDeviceGetCount returned 0)", reason(0, 0, 9, 0));
    }

    @Test
    void computeCapabilityWithoutCode() throws Throwable {
        assertEquals("cuda:0 (Stub GPU) has compute capability 7.5, for which the fatbin has neither SASS nor PTX "
                + "(SASS sm_80, sm_90, sm_100; PTX compute_100)", reason(0, 1, 7, 5));
    }

    @Test
    void aSupportedDeviceIsAvailableAndNamed() throws Throwable {
        assertEquals("AVAILABLE cuda:0 Stub GPU, compute capability 9.0, SASS sm_90, 1 device(s), driver 13000",
                reason(0, 1, 9, 0));
        assertEquals("AVAILABLE cuda:0 Stub GPU, compute capability 12.0, PTX compute_100 (JIT), 1 device(s), "
                + "driver 13000", reason(0, 1, 12, 0));
    }

    @Test
    void errorsCarryTheDriversNameAndDescription() {
        CudaDriver d = CudaDriver.load(stub.toString());
        CudaException e = assertThrows(CudaException.class, () -> d.check(100, "cuInit"));
        assertEquals("cuInit failed: CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected", e.getMessage());
        assertEquals("CUDA_ERROR_NO_DEVICE", e.errorName());
        // A function the library lacks fails when called, naming it.
        CudaException missing = assertThrows(CudaException.class, () -> d.memAlloc(16));
        assertTrue(missing.getMessage().contains("has no function cuMemAlloc_v2"), missing.getMessage());
    }

    @Test
    void loadingAnAbsentLibraryThrowsTheReason() {
        DriverUnavailableException e = assertThrows(DriverUnavailableException.class,
                () -> CudaDriver.load("/nonexistent/libcuda.so.1"));
        assertEquals("no CUDA driver: /nonexistent/libcuda.so.1 could not be loaded", e.getMessage());
    }
}
