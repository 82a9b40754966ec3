package io.fusion4j.tensor.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The part of oneDNN's C API (version 2.x) this plugin calls, bound once per JVM. Handles (engine, stream, primitive,
 * memory) and buffer pointers cross as 64-bit integers: on x86-64 a pointer and a {@code long} travel the same way,
 * and a {@code long} needs no {@link MemorySegment} per call, so the hot path allocates nothing.
 *
 * <p>The library is {@code libdnnl.so.2} from the system's library path (Debian: {@code apt install libdnnl2}), or
 * the file named by {@code -Dfusion4j.onednn.library=PATH} / {@code FUSION4J_ONEDNN_LIBRARY}. Version 3 changed the
 * C API (opaque memory descriptors, no operation descriptors); it is refused by name, not guessed at.
 */
final class OneDnnLibrary {
    static final String PROPERTY = "fusion4j.onednn.library";
    static final String ENV = "FUSION4J_ONEDNN_LIBRARY";

    // dnnl_types.h (2.x)
    static final int DNNL_SUCCESS = 0;
    static final int DT_BF16 = 2;
    static final int DT_F32 = 3;
    static final int ENGINE_CPU = 1;
    static final int STREAM_IN_ORDER = 1;
    static final int ARG_SRC = 1;
    static final int ARG_DST = 17;
    static final int ARG_WEIGHTS = 33;
    static final int RUNTIME_SEQ = 1;
    static final int RUNTIME_OMP = 2;
    /** {@code dnnl_cpu_isa_t} bit masks: a CPU "has" an ISA when all its bits are set in the effective one. */
    static final int ISA_AVX512_CORE_BF16 = 0xe7;
    static final int ISA_AVX512_CORE_AMX = 0x3e7;
    /** Upper bounds of {@code sizeof(dnnl_memory_desc_t)} (696 in 2.6) and {@code sizeof(dnnl_matmul_desc_t)} (2,800). */
    static final long MEMORY_DESC_BYTES = 1024;
    static final long MATMUL_DESC_BYTES = 4096;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfLong PTR = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    final String path;
    final int major, minor, patch;
    final int cpuRuntime;
    final int isa;

    final MethodHandle engineCreate, engineDestroy, streamCreate, streamWait, streamDestroy;
    final MethodHandle memoryDescInitByStrides, matmulDescInit;
    final MethodHandle primitiveDescCreate, primitiveDescDestroy, primitiveCreate, primitiveDestroy, primitiveExecute;
    final MethodHandle memoryCreate, memorySetDataHandle, memoryDestroy;
    /** {@code omp_set_num_threads} of the OpenMP runtime oneDNN was built with; null for a sequential build. */
    final MethodHandle ompSetNumThreads;

    private static volatile Object loaded;

    /** The library, or why it cannot be used here (loaded once; later calls return the same answer). */
    static Optional<OneDnnLibrary> get() {
        Object l = load();
        return l instanceof OneDnnLibrary lib ? Optional.of(lib) : Optional.empty();
    }

    /** Why {@link #get()} is empty; null when it is not. */
    static String unavailableReason() {
        Object l = load();
        return l instanceof String reason ? reason : null;
    }

    private static Object load() {
        Object l = loaded;
        if (l == null) {
            synchronized (OneDnnLibrary.class) {
                l = loaded;
                if (l == null) {
                    try {
                        l = open();
                    } catch (RuntimeException | LinkageError e) {
                        l = "oneDNN could not be bound: " + e;
                    }
                    loaded = l;
                }
            }
        }
        return l;
    }

    private static Object open() {
        String named = System.getProperty(PROPERTY);
        if (named == null || named.isBlank()) {
            named = System.getenv(ENV);
        }
        return open(named);
    }

    /** The library at {@code named} (a file), or found on the library path when null: the binding, or why not. */
    static Object open(String named) {
        SymbolLookup lookup;
        String path;
        if (named != null && !named.isBlank()) {
            Path p = Path.of(named.trim());
            if (!Files.isRegularFile(p)) {
                return "the oneDNN library named by " + PROPERTY + "/" + ENV + " does not exist: " + p;
            }
            lookup = SymbolLookup.libraryLookup(p, Arena.global());
            path = p.toString();
        } else {
            List<String> tried = new ArrayList<>();
            lookup = null;
            path = null;
            for (String name : new String[]{"libdnnl.so.2", "libdnnl.so"}) {
                try {
                    lookup = SymbolLookup.libraryLookup(name, Arena.global());
                    path = name;
                    break;
                } catch (IllegalArgumentException notFound) {
                    tried.add(name);
                }
            }
            if (lookup == null) {
                return "oneDNN 2.x not found (tried " + String.join(", ", tried) + " on the library path); install it"
                        + " (Debian: apt install libdnnl2) or name the file with -D" + PROPERTY + "=PATH";
            }
        }
        MemorySegment version = (MemorySegment) invoke(handle(lookup, "dnnl_version", FunctionDescriptor.of(ValueLayout.ADDRESS)));
        MemorySegment v = version.reinterpret(32);
        int major = v.get(INT, 0);
        int minor = v.get(INT, 4);
        int patch = v.get(INT, 8);
        int runtime = v.get(INT, 24);
        if (major != 2) {
            return path + " is oneDNN " + major + "." + minor + "." + patch + "; this plugin speaks the 2.x C API";
        }
        MethodHandle omp = null;
        if (runtime == RUNTIME_OMP) {
            Optional<MemorySegment> s = lookup.find("omp_set_num_threads")
                    .or(() -> SymbolLookup.loaderLookup().find("omp_set_num_threads"))
                    .or(() -> gomp().flatMap(g -> g.find("omp_set_num_threads")));
            if (s.isEmpty()) {
                return path + " runs on OpenMP, but omp_set_num_threads was not found to keep it on the caller's thread";
            }
            omp = LINKER.downcallHandle(s.get(), FunctionDescriptor.ofVoid(INT), Linker.Option.critical(false));
        } else if (runtime != RUNTIME_SEQ) {
            return path + " was built for threading runtime " + runtime + "; this plugin needs an OpenMP or sequential"
                    + " build (it runs each product on the backend's own workers)";
        }
        int isa = (int) invoke(handle(lookup, "dnnl_get_effective_cpu_isa", FunctionDescriptor.of(INT)));
        return new OneDnnLibrary(lookup, path, major, minor, patch, runtime, isa, omp);
    }

    private static Optional<SymbolLookup> gomp() {
        try {
            return Optional.of(SymbolLookup.libraryLookup("libgomp.so.1", Arena.global()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private OneDnnLibrary(SymbolLookup l, String path, int major, int minor, int patch, int runtime, int isa,
                          MethodHandle omp) {
        this.path = path;
        this.major = major;
        this.minor = minor;
        this.patch = patch;
        this.cpuRuntime = runtime;
        this.isa = isa;
        this.ompSetNumThreads = omp;
        engineCreate = handle(l, "dnnl_engine_create", FunctionDescriptor.of(INT, PTR, INT, PTR));
        engineDestroy = handle(l, "dnnl_engine_destroy", FunctionDescriptor.of(INT, PTR));
        streamCreate = handle(l, "dnnl_stream_create", FunctionDescriptor.of(INT, PTR, PTR, INT));
        streamWait = handle(l, "dnnl_stream_wait", FunctionDescriptor.of(INT, PTR));
        streamDestroy = handle(l, "dnnl_stream_destroy", FunctionDescriptor.of(INT, PTR));
        memoryDescInitByStrides = handle(l, "dnnl_memory_desc_init_by_strides",
                FunctionDescriptor.of(INT, PTR, INT, PTR, INT, PTR));
        matmulDescInit = handle(l, "dnnl_matmul_desc_init", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR));
        primitiveDescCreate = handle(l, "dnnl_primitive_desc_create", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR));
        primitiveDescDestroy = handle(l, "dnnl_primitive_desc_destroy", FunctionDescriptor.of(INT, PTR));
        primitiveCreate = handle(l, "dnnl_primitive_create", FunctionDescriptor.of(INT, PTR, PTR));
        primitiveDestroy = handle(l, "dnnl_primitive_destroy", FunctionDescriptor.of(INT, PTR));
        primitiveExecute = handle(l, "dnnl_primitive_execute", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR));
        memoryCreate = handle(l, "dnnl_memory_create", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR));
        memorySetDataHandle = handle(l, "dnnl_memory_set_data_handle", FunctionDescriptor.of(INT, PTR, PTR),
                Linker.Option.critical(false));
        memoryDestroy = handle(l, "dnnl_memory_destroy", FunctionDescriptor.of(INT, PTR));
    }

    /** "2.6.3". */
    String version() {
        return major + "." + minor + "." + patch;
    }

    /** Whether the CPU computes bf16 products natively: AMX tiles or AVX512-BF16 dot products. */
    boolean nativeBf16() {
        return (isa & ISA_AVX512_CORE_BF16) == ISA_AVX512_CORE_BF16;
    }

    /** The instructions oneDNN's bf16 kernels use here, as a user would search for them. */
    String bf16Isa() {
        if ((isa & ISA_AVX512_CORE_AMX) == ISA_AVX512_CORE_AMX) {
            return "AMX";
        }
        return nativeBf16() ? "AVX512-BF16" : "none (oneDNN would emulate bf16, slower than fp32)";
    }

    private static MethodHandle handle(SymbolLookup l, String name, FunctionDescriptor d, Linker.Option... options) {
        MemorySegment s = l.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " not found"));
        return LINKER.downcallHandle(s, d, options);
    }

    private static Object invoke(MethodHandle h) {
        try {
            return h.invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("calling oneDNN failed", t);
        }
    }

    /** Throws with the call's name and oneDNN's status when {@code status} is not success. */
    static void check(int status, String call) {
        if (status != DNNL_SUCCESS) {
            throw new IllegalStateException("oneDNN " + call + " failed with status " + status + " (" + statusName(status) + ")");
        }
    }

    private static String statusName(int s) {
        return switch (s) {
            case 1 -> "out of memory";
            case 2 -> "invalid arguments";
            case 3 -> "unimplemented";
            case 4 -> "iterator ends";
            case 5 -> "runtime error";
            case 6 -> "not required";
            default -> "unknown";
        };
    }
}
