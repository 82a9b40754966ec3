package io.fusion4j.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/** Optional NVRTC bindings: compiles the kernel source to PTX at run time when no prebuilt PTX fits. */
final class Nvrtc {
    final String location;
    private final MethodHandle create, compile, ptxSize, ptx, logSize, log, destroy, errorString;

    private Nvrtc(NativeLibraryLocator.Found lib) {
        this.location = lib.location();
        create = CudaDriver.bind(lib.lookup(), "nvrtcCreateProgram", ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        compile = CudaDriver.bind(lib.lookup(), "nvrtcCompileProgram", ADDRESS, JAVA_INT, ADDRESS);
        ptxSize = CudaDriver.bind(lib.lookup(), "nvrtcGetPTXSize", ADDRESS, ADDRESS);
        ptx = CudaDriver.bind(lib.lookup(), "nvrtcGetPTX", ADDRESS, ADDRESS);
        logSize = CudaDriver.bind(lib.lookup(), "nvrtcGetProgramLogSize", ADDRESS, ADDRESS);
        log = CudaDriver.bind(lib.lookup(), "nvrtcGetProgramLog", ADDRESS, ADDRESS);
        destroy = CudaDriver.bind(lib.lookup(), "nvrtcDestroyProgram", ADDRESS);
        errorString = Linker.nativeLinker().downcallHandle(lib.lookup().find("nvrtcGetErrorString").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    static Nvrtc load(NativeLibraryLocator locator, List<String> attempts) {
        NativeLibraryLocator.Found f = locator.load(List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2",
                "libnvrtc.so"), attempts);
        if (f == null) {
            return null;
        }
        try {
            return new Nvrtc(f);
        } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
            attempts.add(f.location() + ": " + e.getMessage());
            return null;
        }
    }

    private static Object call(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void check(String what, int status, String detail) {
        if (status != 0) {
            MemorySegment s = (MemorySegment) call(errorString, status);
            throw new CudaException(what + " failed: " + s.reinterpret(256).getString(0) + detail, status);
        }
    }

    /** Compiles {@code source} for compute capability {@code major.minor}; returns NUL-terminated PTX bytes. */
    byte[] compileToPtx(String source, String name, int major, int minor) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progOut = a.allocate(ADDRESS);
            check("nvrtcCreateProgram", (int) call(create, progOut, a.allocateFrom(source), a.allocateFrom(name), 0,
                    MemorySegment.NULL, MemorySegment.NULL), "");
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                String[] opts = {"--gpu-architecture=compute_" + major + minor, "-default-device", "--use_fast_math=false"};
                MemorySegment arr = a.allocate(ADDRESS, opts.length);
                for (int i = 0; i < opts.length; i++) {
                    arr.setAtIndex(ADDRESS, i, a.allocateFrom(opts[i]));
                }
                int status = (int) call(compile, prog, opts.length, arr);
                if (status != 0) {
                    MemorySegment ls = a.allocate(JAVA_LONG);
                    call(logSize, prog, ls);
                    MemorySegment lg = a.allocate(Math.max(1, ls.get(JAVA_LONG, 0)));
                    call(log, prog, lg);
                    check("nvrtcCompileProgram(" + name + ")", status, "\n" + lg.getString(0));
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                check("nvrtcGetPTXSize", (int) call(ptxSize, prog, size), "");
                MemorySegment out = a.allocate(size.get(JAVA_LONG, 0));
                check("nvrtcGetPTX", (int) call(ptx, prog, out), "");
                return out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            } finally {
                call(destroy, progOut);
            }
        }
    }
}
