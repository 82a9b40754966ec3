package io.fusion4j.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Bindings to the CUDA driver API in {@code libcuda.so.1} through {@link java.lang.foreign}: no JNI, no C
 * shim. Several API names are macros for versioned symbols in cuda.h 13 ({@code cuMemAlloc} is
 * {@code cuMemAlloc_v2}); the versioned names are bound. Every status is checked by {@link #check} and
 * turned into a {@link CudaException} naming the call. Instances are only used on a device's owner thread.
 */
final class CudaDriver {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
    static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    static final int ATTR_MULTIPROCESSOR_COUNT = 16;

    private static final Linker LINKER = Linker.nativeLinker();

    final String location;
    private final MethodHandle cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName,
            cuDeviceGetAttribute, cuDeviceTotalMem, cuGetErrorName, cuGetErrorString, cuDevicePrimaryCtxRetain,
            cuDevicePrimaryCtxRelease, cuCtxSetCurrent, cuCtxSynchronize, cuMemAlloc, cuMemFree, cuMemcpyHtoD,
            cuMemcpyDtoH, cuMemcpyDtoD, cuMemsetD8, cuModuleLoadDataEx, cuModuleGetFunction, cuModuleUnload,
            cuLaunchKernel, cuStreamCreate, cuStreamSynchronize, cuStreamDestroy, cuEventCreate, cuEventRecord,
            cuEventSynchronize, cuEventElapsedTime, cuEventDestroy;

    private CudaDriver(SymbolLookup lib, String location) {
        this.location = location;
        cuInit = bind(lib, "cuInit", JAVA_INT);
        cuDriverGetVersion = bind(lib, "cuDriverGetVersion", ADDRESS);
        cuDeviceGetCount = bind(lib, "cuDeviceGetCount", ADDRESS);
        cuDeviceGet = bind(lib, "cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = bind(lib, "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = bind(lib, "cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceTotalMem = bind(lib, "cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
        cuGetErrorName = bind(lib, "cuGetErrorName", JAVA_INT, ADDRESS);
        cuGetErrorString = bind(lib, "cuGetErrorString", JAVA_INT, ADDRESS);
        cuDevicePrimaryCtxRetain = bind(lib, "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = bind(lib, "cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        cuCtxSetCurrent = bind(lib, "cuCtxSetCurrent", ADDRESS);
        cuCtxSynchronize = bind(lib, "cuCtxSynchronize");
        cuMemAlloc = bind(lib, "cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = bind(lib, "cuMemFree_v2", JAVA_LONG);
        cuMemcpyHtoD = bind(lib, "cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
        cuMemcpyDtoH = bind(lib, "cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
        cuMemcpyDtoD = bind(lib, "cuMemcpyDtoD_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
        cuMemsetD8 = bind(lib, "cuMemsetD8_v2", JAVA_LONG, JAVA_BYTE, JAVA_LONG);
        cuModuleLoadDataEx = bind(lib, "cuModuleLoadDataEx", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        cuModuleGetFunction = bind(lib, "cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuModuleUnload = bind(lib, "cuModuleUnload", ADDRESS);
        cuLaunchKernel = bind(lib, "cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuStreamCreate = bind(lib, "cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamSynchronize = bind(lib, "cuStreamSynchronize", ADDRESS);
        cuStreamDestroy = bind(lib, "cuStreamDestroy_v2", ADDRESS);
        cuEventCreate = bind(lib, "cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = bind(lib, "cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = bind(lib, "cuEventSynchronize", ADDRESS);
        cuEventElapsedTime = bind(lib, "cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = bind(lib, "cuEventDestroy_v2", ADDRESS);
    }

    /** Loads libcuda.so.1; on failure returns null and appends the reasons. */
    static CudaDriver load(NativeLibraryLocator locator, List<String> attempts) {
        NativeLibraryLocator.Found f = locator.load(List.of("libcuda.so.1", "libcuda.so"), attempts);
        if (f == null) {
            return null;
        }
        try {
            return new CudaDriver(f.lookup(), f.location());
        } catch (IllegalArgumentException e) {
            attempts.add(f.location() + " lacks a driver API symbol (" + e.getMessage() + "); the driver is too old");
            return null;
        }
    }

    static MethodHandle bind(SymbolLookup lib, String name, java.lang.foreign.MemoryLayout... args) {
        MemorySegment sym = lib.find(name).orElseThrow(() -> new IllegalArgumentException("symbol " + name + " not found"));
        return LINKER.downcallHandle(sym, FunctionDescriptor.of(JAVA_INT, args));
    }

    /** Calls a bound function returning a status code. */
    static int invoke(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code status} is success. */
    void check(String call, int status) {
        if (status != CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + describe(status), status);
        }
    }

    /** {@code NAME (description)} of a status, as the driver spells it. */
    String describe(int status) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            String name = invoke(cuGetErrorName, status, p) == CUDA_SUCCESS ? cString(p) : "CUDA error " + status;
            String text = invoke(cuGetErrorString, status, p) == CUDA_SUCCESS ? cString(p) : "unknown";
            return name + " (" + text + ")";
        }
    }

    private static String cString(MemorySegment pointerToPointer) {
        MemorySegment s = pointerToPointer.get(ADDRESS, 0);
        return s.equals(MemorySegment.NULL) ? "?" : s.reinterpret(4096).getString(0);
    }

    void init() {
        check("cuInit", invoke(cuInit, 0));
    }

    /** Calls {@code h} with an int out-parameter ahead of {@code rest}, checks the status, returns the int. */
    private int intOut(String call, MethodHandle h, Object... rest) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(call, invoke(h, withOut(v, rest)));
            return v.get(JAVA_INT, 0);
        }
    }

    /** Calls {@code h} with a pointer out-parameter ahead of {@code rest}, checks the status, returns the pointer. */
    private MemorySegment addressOut(String call, MethodHandle h, Object... rest) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(call, invoke(h, withOut(v, rest)));
            return v.get(ADDRESS, 0);
        }
    }

    private static Object[] withOut(MemorySegment out, Object[] rest) {
        Object[] args = new Object[rest.length + 1];
        args[0] = out;
        System.arraycopy(rest, 0, args, 1, rest.length);
        return args;
    }

    int driverVersion() {
        return intOut("cuDriverGetVersion", cuDriverGetVersion);
    }

    int deviceCount() {
        return intOut("cuDeviceGetCount", cuDeviceGetCount);
    }

    int device(int ordinal) {
        return intOut("cuDeviceGet", cuDeviceGet, ordinal);
    }

    String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(256);
            check("cuDeviceGetName", invoke(cuDeviceGetName, v, 256, dev));
            return v.getString(0);
        }
    }

    int attribute(int attr, int dev) {
        return intOut("cuDeviceGetAttribute", cuDeviceGetAttribute, attr, dev);
    }

    long totalMemory(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", invoke(cuDeviceTotalMem, v, dev));
            return v.get(JAVA_LONG, 0);
        }
    }

    MemorySegment retainPrimaryContext(int dev) {
        return addressOut("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain, dev);
    }

    void releasePrimaryContext(int dev) {
        check("cuDevicePrimaryCtxRelease_v2", invoke(cuDevicePrimaryCtxRelease, dev));
    }

    void setCurrent(MemorySegment ctx) {
        check("cuCtxSetCurrent", invoke(cuCtxSetCurrent, ctx));
    }

    void synchronizeContext() {
        check("cuCtxSynchronize", invoke(cuCtxSynchronize));
    }

    long malloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check("cuMemAlloc_v2(" + bytes + " bytes)", invoke(cuMemAlloc, v, bytes));
            return v.get(JAVA_LONG, 0);
        }
    }

    void free(long ptr) {
        check("cuMemFree_v2", invoke(cuMemFree, ptr));
    }

    void copyHtoD(long dst, MemorySegment src, long bytes) {
        check("cuMemcpyHtoD_v2", invoke(cuMemcpyHtoD, dst, src, bytes));
    }

    void copyDtoH(MemorySegment dst, long src, long bytes) {
        check("cuMemcpyDtoH_v2", invoke(cuMemcpyDtoH, dst, src, bytes));
    }

    void copyDtoD(long dst, long src, long bytes) {
        check("cuMemcpyDtoD_v2", invoke(cuMemcpyDtoD, dst, src, bytes));
    }

    void memsetZero(long dst, long bytes) {
        check("cuMemsetD8_v2", invoke(cuMemsetD8, dst, (byte) 0, bytes));
    }

    /** Loads a PTX or cubin image; returns the status so the caller can react to an old driver. */
    int loadModule(MemorySegment image, MemorySegment moduleOut) {
        return invoke(cuModuleLoadDataEx, moduleOut, image, 0, MemorySegment.NULL, MemorySegment.NULL);
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            return addressOut("cuModuleGetFunction(" + name + ")", cuModuleGetFunction, module, a.allocateFrom(name));
        }
    }

    void unloadModule(MemorySegment module) {
        check("cuModuleUnload", invoke(cuModuleUnload, module));
    }

    void launch(String name, MemorySegment fn, int gx, int gy, int gz, int bx, int by, int bz, int shared,
                MemorySegment stream, MemorySegment params) {
        check("cuLaunchKernel(" + name + ")", invoke(cuLaunchKernel, fn, gx, gy, gz, bx, by, bz, shared, stream, params,
                MemorySegment.NULL));
    }

    MemorySegment createStream() {
        return addressOut("cuStreamCreate", cuStreamCreate, 0);
    }

    void synchronize(MemorySegment stream) {
        check("cuStreamSynchronize", invoke(cuStreamSynchronize, stream));
    }

    void destroyStream(MemorySegment stream) {
        check("cuStreamDestroy_v2", invoke(cuStreamDestroy, stream));
    }

    MemorySegment createEvent() {
        return addressOut("cuEventCreate", cuEventCreate, 0);
    }

    void record(MemorySegment event, MemorySegment stream) {
        check("cuEventRecord", invoke(cuEventRecord, event, stream));
    }

    float elapsedMillis(MemorySegment start, MemorySegment end) {
        check("cuEventSynchronize", invoke(cuEventSynchronize, end));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", invoke(cuEventElapsedTime, v, start, end));
            return v.get(JAVA_FLOAT, 0);
        }
    }

    void destroyEvent(MemorySegment event) {
        check("cuEventDestroy_v2", invoke(cuEventDestroy, event));
    }
}
