package org.kernelir.providers.cuda.driver;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.Optional;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through the FFM API: one method per driver function that kernel-ir
 * uses, each turning a non-zero {@code CUresult} into a {@link CudaException} that carries the driver's error name
 * and description. Versioned functions are bound by their suffixed names ({@code cuMemAlloc_v2}, ...), as the
 * C headers map them. Handles ({@code CUcontext}, {@code CUmodule}, {@code CUfunction}, {@code CUstream},
 * {@code CUevent}) are addresses; device pointers and sizes are {@code long}s.
 *
 * <p>A CUDA context is current per OS thread: callers make these calls from platform threads on which the
 * context was set ({@link #ctxSetCurrent}); {@link org.kernelir.providers.cuda.runtime.CudaDevice} does that.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class CudaDriver {

    /** The library name the dynamic loader is asked for. */
    public static final String DEFAULT_LIBRARY = "libcuda.so.1";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor I_I = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor I_P = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor I_PI = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor I_PII = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor I_PP = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor I_PPP = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    private static final FunctionDescriptor I_IP = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
    private static final FunctionDescriptor I_PL = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
    private static final FunctionDescriptor I_PLI = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final FunctionDescriptor I_L = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
    private static final FunctionDescriptor I_LPLP = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG,
            ADDRESS);
    private static final FunctionDescriptor I_PLLP = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG,
            ADDRESS);
    private static final FunctionDescriptor I_LLLP = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            ADDRESS);
    private static final FunctionDescriptor I_LILP = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG,
            ADDRESS);
    private static final FunctionDescriptor LAUNCH = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);

    /** Names for the errors a machine without a usable GPU produces, for drivers whose cuGetErrorName fails. */
    private static final Map<Integer, String> KNOWN = Map.of(1, "CUDA_ERROR_INVALID_VALUE", 2,
            "CUDA_ERROR_OUT_OF_MEMORY", 3, "CUDA_ERROR_NOT_INITIALIZED", 34, "CUDA_ERROR_STUB_LIBRARY", 35,
            "CUDA_ERROR_INSUFFICIENT_DRIVER", 100, "CUDA_ERROR_NO_DEVICE", 101, "CUDA_ERROR_INVALID_DEVICE", 200,
            "CUDA_ERROR_INVALID_IMAGE", 209, "CUDA_ERROR_NO_BINARY_FOR_GPU", 999, "CUDA_ERROR_UNKNOWN");

    private final String library;
    private final SymbolLookup lookup;
    private final MethodHandle init;
    private final MethodHandle driverGetVersion;
    private final MethodHandle getErrorName;
    private final MethodHandle getErrorString;
    private final MethodHandle deviceGetCount;
    private final MethodHandle deviceGet;
    private final MethodHandle deviceGetName;
    private final MethodHandle deviceGetAttribute;
    private final MethodHandle primaryCtxRetain;
    private final MethodHandle primaryCtxRelease;
    private final MethodHandle ctxSetCurrent;
    private final MethodHandle moduleLoadData;
    private final MethodHandle moduleGetFunction;
    private final MethodHandle moduleUnload;
    private final MethodHandle funcSetAttribute;
    private final MethodHandle launchKernel;
    private final MethodHandle streamCreate;
    private final MethodHandle streamDestroy;
    private final MethodHandle streamSynchronize;
    private final MethodHandle memAlloc;
    private final MethodHandle memFree;
    private final MethodHandle memHostAlloc;
    private final MethodHandle memFreeHost;
    private final MethodHandle memGetInfo;
    private final MethodHandle memcpyHtoDAsync;
    private final MethodHandle memcpyDtoHAsync;
    private final MethodHandle memcpyDtoDAsync;
    private final MethodHandle memsetD32Async;
    private final MethodHandle eventCreate;
    private final MethodHandle eventDestroy;
    private final MethodHandle eventRecord;
    private final MethodHandle eventSynchronize;
    private final MethodHandle eventElapsedTime;

    private CudaDriver(String library, SymbolLookup lookup) {
        this.library = library;
        this.lookup = lookup;
        init = bind("cuInit", I_I);
        driverGetVersion = bind("cuDriverGetVersion", I_P);
        getErrorName = bind("cuGetErrorName", I_IP);
        getErrorString = bind("cuGetErrorString", I_IP);
        deviceGetCount = bind("cuDeviceGetCount", I_P);
        deviceGet = bind("cuDeviceGet", I_PI);
        deviceGetName = bind("cuDeviceGetName", I_PII);
        deviceGetAttribute = bind("cuDeviceGetAttribute", I_PII);
        primaryCtxRetain = bind("cuDevicePrimaryCtxRetain", I_PI);
        primaryCtxRelease = bind("cuDevicePrimaryCtxRelease_v2", I_I);
        ctxSetCurrent = bind("cuCtxSetCurrent", I_P);
        moduleLoadData = bind("cuModuleLoadData", I_PP);
        moduleGetFunction = bind("cuModuleGetFunction", I_PPP);
        moduleUnload = bind("cuModuleUnload", I_P);
        funcSetAttribute = bind("cuFuncSetAttribute", I_PII);
        launchKernel = bind("cuLaunchKernel", LAUNCH);
        streamCreate = bind("cuStreamCreate", I_PI);
        streamDestroy = bind("cuStreamDestroy_v2", I_P);
        streamSynchronize = bind("cuStreamSynchronize", I_P);
        memAlloc = bind("cuMemAlloc_v2", I_PL);
        memFree = bind("cuMemFree_v2", I_L);
        memHostAlloc = bind("cuMemHostAlloc", I_PLI);
        memFreeHost = bind("cuMemFreeHost", I_P);
        memGetInfo = bind("cuMemGetInfo_v2", I_PP);
        memcpyHtoDAsync = bind("cuMemcpyHtoDAsync_v2", I_LPLP);
        memcpyDtoHAsync = bind("cuMemcpyDtoHAsync_v2", I_PLLP);
        memcpyDtoDAsync = bind("cuMemcpyDtoDAsync_v2", I_LLLP);
        memsetD32Async = bind("cuMemsetD32Async", I_LILP);
        eventCreate = bind("cuEventCreate", I_PI);
        eventDestroy = bind("cuEventDestroy_v2", I_P);
        eventRecord = bind("cuEventRecord", I_PP);
        eventSynchronize = bind("cuEventSynchronize", I_P);
        eventElapsedTime = bind("cuEventElapsedTime_v2", I_PPP);
    }

    /**
     * Loads the driver library through the dynamic loader and binds its functions (a function the library lacks
     * fails when it is called, naming it).
     *
     * @param library a library name the loader searches for ({@link #DEFAULT_LIBRARY}) or a path
     * @throws DriverUnavailableException when the library cannot be loaded, with the reason the provider reports
     */
    public static CudaDriver load(String library) {
        SymbolLookup lookup;
        try {
            lookup = library.contains("/") ? SymbolLookup.libraryLookup(java.nio.file.Path.of(library), Arena.global())
                    : SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new DriverUnavailableException("no CUDA driver: " + library + " could not be loaded", e);
        }
        return new CudaDriver(library, lookup);
    }

    /** The library this driver was loaded from. */
    public String library() {
        return library;
    }

    private MethodHandle bind(String name, FunctionDescriptor fd) {
        Optional<MemorySegment> symbol = lookup.find(name);
        return symbol.map(s -> LINKER.downcallHandle(s, fd)).orElse(null);
    }

    private MethodHandle need(MethodHandle h, String name) {
        if (h == null) {
            throw new CudaException(name, 999, "CUDA_ERROR_UNKNOWN", library + " has no function " + name
                    + " (a driver older than CUDA 12.8?)");
        }
        return h;
    }

    /** Throws a {@link CudaException} for a non-zero result of {@code call}. */
    public void check(int result, String call) {
        if (result != 0) {
            throw new CudaException(call, result, errorName(result), errorString(result));
        }
    }

    /** The driver's name for a {@code CUresult}, or a known name, or {@code CUDA_ERROR_<code>}. */
    public String errorName(int result) {
        String s = describe(getErrorName, result);
        return s != null ? s : KNOWN.getOrDefault(result, "CUDA_ERROR_" + result);
    }

    /** The driver's description of a {@code CUresult}, or an empty string. */
    public String errorString(int result) {
        String s = describe(getErrorString, result);
        return s != null ? s : "";
    }

    private static String describe(MethodHandle h, int result) {
        if (h == null) {
            return null;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int rc = (int) h.invokeExact(result, out);
            MemorySegment p = out.get(ADDRESS, 0);
            return rc == 0 && !p.equals(MemorySegment.NULL) ? p.reinterpret(4096).getString(0) : null;
        } catch (Throwable t) {
            return null;
        }
    }

    // ---- initialization and devices -----------------------------------------------------------------------------

    /** {@code cuInit(0)}. */
    public void init() {
        check(call(() -> (int) need(init, "cuInit").invokeExact(0)), "cuInit");
    }

    /** {@code cuDriverGetVersion}: e.g. 13000 for CUDA 13.0. */
    public int driverVersion() {
        return intOut("cuDriverGetVersion", driverGetVersion, null);
    }

    /** {@code cuDeviceGetCount}. */
    public int deviceCount() {
        return intOut("cuDeviceGetCount", deviceGetCount, null);
    }

    /** {@code cuDeviceGet}: the device handle of an ordinal. */
    public int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(call(() -> (int) need(deviceGet, "cuDeviceGet").invokeExact(out, ordinal)), "cuDeviceGet");
            return out.get(JAVA_INT, 0);
        }
    }

    /** {@code cuDeviceGetName}. */
    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(256);
            check(call(() -> (int) need(deviceGetName, "cuDeviceGetName").invokeExact(out, 256, device)),
                    "cuDeviceGetName");
            return out.getString(0);
        }
    }

    /** {@code cuDeviceGetAttribute} (75/76: compute capability major/minor; 16: multiprocessors). */
    public int deviceAttribute(int attribute, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(call(() -> (int) need(deviceGetAttribute, "cuDeviceGetAttribute").invokeExact(out, attribute,
                    device)), "cuDeviceGetAttribute");
            return out.get(JAVA_INT, 0);
        }
    }

    // ---- contexts and modules -----------------------------------------------------------------------------------

    /** {@code cuDevicePrimaryCtxRetain}: the device's primary context (released with {@link #primaryCtxRelease}). */
    public MemorySegment primaryCtxRetain(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(call(() -> (int) need(primaryCtxRetain, "cuDevicePrimaryCtxRetain").invokeExact(out, device)),
                    "cuDevicePrimaryCtxRetain");
            return out.get(ADDRESS, 0);
        }
    }

    /** {@code cuDevicePrimaryCtxRelease_v2}. */
    public void primaryCtxRelease(int device) {
        check(call(() -> (int) need(primaryCtxRelease, "cuDevicePrimaryCtxRelease_v2").invokeExact(device)),
                "cuDevicePrimaryCtxRelease_v2");
    }

    /** {@code cuCtxSetCurrent}: makes the context current on the calling OS thread. */
    public void ctxSetCurrent(MemorySegment context) {
        check(call(() -> (int) need(ctxSetCurrent, "cuCtxSetCurrent").invokeExact(context)), "cuCtxSetCurrent");
    }

    /** {@code cuModuleLoadData}: loads a fatbin, cubin or PTX image (the driver picks the SASS or JITs the PTX). */
    public MemorySegment moduleLoadData(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(call(() -> (int) need(moduleLoadData, "cuModuleLoadData").invokeExact(out, image)),
                    "cuModuleLoadData");
            return out.get(ADDRESS, 0);
        }
    }

    /** {@code cuModuleGetFunction}. */
    public MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            MemorySegment cname = a.allocateFrom(name);
            check(call(() -> (int) need(moduleGetFunction, "cuModuleGetFunction").invokeExact(out, module, cname)),
                    "cuModuleGetFunction(" + name + ")");
            return out.get(ADDRESS, 0);
        }
    }

    /** {@code cuModuleUnload}. */
    public void moduleUnload(MemorySegment module) {
        check(call(() -> (int) need(moduleUnload, "cuModuleUnload").invokeExact(module)), "cuModuleUnload");
    }

    /** {@code cuFuncSetAttribute} (8: the maximum dynamic shared memory in bytes). */
    public void funcSetAttribute(MemorySegment function, int attribute, int value) {
        check(call(() -> (int) need(funcSetAttribute, "cuFuncSetAttribute").invokeExact(function, attribute, value)),
                "cuFuncSetAttribute");
    }

    /**
     * {@code cuLaunchKernel} with a one-dimensional grid and block.
     *
     * @param params the {@code void**} array of pointers to each argument's value
     */
    public void launch(MemorySegment function, int grid, int block, int sharedBytes, MemorySegment stream,
            MemorySegment params, String name) {
        check(call(() -> (int) need(launchKernel, "cuLaunchKernel").invokeExact(function, grid, 1, 1, block, 1, 1,
                sharedBytes, stream, params, MemorySegment.NULL)), "cuLaunchKernel(" + name + ")");
    }

    // ---- streams and events -------------------------------------------------------------------------------------

    /** {@code cuStreamCreate} (flags 1: non-blocking with respect to the legacy default stream). */
    public MemorySegment streamCreate(int flags) {
        return handleOut("cuStreamCreate", streamCreate, flags);
    }

    /** {@code cuStreamDestroy_v2}. */
    public void streamDestroy(MemorySegment stream) {
        check(call(() -> (int) need(streamDestroy, "cuStreamDestroy_v2").invokeExact(stream)), "cuStreamDestroy_v2");
    }

    /** {@code cuStreamSynchronize}. */
    public void streamSynchronize(MemorySegment stream) {
        check(call(() -> (int) need(streamSynchronize, "cuStreamSynchronize").invokeExact(stream)),
                "cuStreamSynchronize");
    }

    /** {@code cuEventCreate} (flags 0: with timing). */
    public MemorySegment eventCreate(int flags) {
        return handleOut("cuEventCreate", eventCreate, flags);
    }

    /** {@code cuEventDestroy_v2}. */
    public void eventDestroy(MemorySegment event) {
        check(call(() -> (int) need(eventDestroy, "cuEventDestroy_v2").invokeExact(event)), "cuEventDestroy_v2");
    }

    /** {@code cuEventRecord}. */
    public void eventRecord(MemorySegment event, MemorySegment stream) {
        check(call(() -> (int) need(eventRecord, "cuEventRecord").invokeExact(event, stream)), "cuEventRecord");
    }

    /** {@code cuEventSynchronize}. */
    public void eventSynchronize(MemorySegment event) {
        check(call(() -> (int) need(eventSynchronize, "cuEventSynchronize").invokeExact(event)), "cuEventSynchronize");
    }

    /** {@code cuEventElapsedTime_v2}: milliseconds between two recorded events. */
    public float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_FLOAT);
            check(call(() -> (int) need(eventElapsedTime, "cuEventElapsedTime_v2").invokeExact(out, start, end)),
                    "cuEventElapsedTime_v2");
            return out.get(JAVA_FLOAT, 0);
        }
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    /** {@code cuMemAlloc_v2}: a device pointer. */
    public long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check(call(() -> (int) need(memAlloc, "cuMemAlloc_v2").invokeExact(out, bytes)),
                    "cuMemAlloc_v2(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        }
    }

    /** {@code cuMemFree_v2}. */
    public void memFree(long pointer) {
        check(call(() -> (int) need(memFree, "cuMemFree_v2").invokeExact(pointer)), "cuMemFree_v2");
    }

    /** {@code cuMemHostAlloc}: page-locked host memory of {@code bytes}, as a segment of that size. */
    public MemorySegment memHostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(call(() -> (int) need(memHostAlloc, "cuMemHostAlloc").invokeExact(out, bytes, 0)),
                    "cuMemHostAlloc(" + bytes + " bytes)");
            return out.get(ADDRESS, 0).reinterpret(bytes);
        }
    }

    /** {@code cuMemFreeHost}. */
    public void memFreeHost(MemorySegment host) {
        check(call(() -> (int) need(memFreeHost, "cuMemFreeHost").invokeExact(host)), "cuMemFreeHost");
    }

    /** {@code cuMemGetInfo_v2}: {free, total} bytes. */
    public long[] memGetInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check(call(() -> (int) need(memGetInfo, "cuMemGetInfo_v2").invokeExact(free, total)), "cuMemGetInfo_v2");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    /** {@code cuMemcpyHtoDAsync_v2}. */
    public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        check(call(() -> (int) need(memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2").invokeExact(dst, src, bytes, stream)),
                "cuMemcpyHtoDAsync_v2");
    }

    /** {@code cuMemcpyDtoHAsync_v2}. */
    public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        check(call(() -> (int) need(memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2").invokeExact(dst, src, bytes, stream)),
                "cuMemcpyDtoHAsync_v2");
    }

    /** {@code cuMemcpyDtoDAsync_v2}. */
    public void memcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        check(call(() -> (int) need(memcpyDtoDAsync, "cuMemcpyDtoDAsync_v2").invokeExact(dst, src, bytes, stream)),
                "cuMemcpyDtoDAsync_v2");
    }

    /** {@code cuMemsetD32Async}: {@code count} 32-bit words. */
    public void memsetD32Async(long dst, int value, long count, MemorySegment stream) {
        check(call(() -> (int) need(memsetD32Async, "cuMemsetD32Async").invokeExact(dst, value, count, stream)),
                "cuMemsetD32Async");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Call {
        int run() throws Throwable;
    }

    private static int call(Call c) {
        try {
            return c.run();
        } catch (CudaException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    private int intOut(String name, MethodHandle h, Object unused) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(call(() -> (int) need(h, name).invokeExact(out)), name);
            return out.get(JAVA_INT, 0);
        }
    }

    private MemorySegment handleOut(String name, MethodHandle h, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(call(() -> (int) need(h, name).invokeExact(out, flags)), name);
            return out.get(ADDRESS, 0);
        }
    }
}
