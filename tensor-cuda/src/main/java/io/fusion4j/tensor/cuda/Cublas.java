package io.fusion4j.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Optional cuBLAS bindings (single-precision GEMM, plain and strided-batched). Without cuBLAS the
 * backend runs its own tiled SGEMM kernel. cuBLAS is column-major: a row-major {@code C = A·B} is
 * computed as {@code Cᵀ = Bᵀ·Aᵀ}, which needs no data movement.
 */
final class Cublas {
    private static final int OP_N = 0;
    private static final int OP_T = 1;

    final String location;
    private final MethodHandle create, destroy, setStream, sgemm, sgemmStridedBatched;

    private Cublas(NativeLibraryLocator.Found lib) {
        this.location = lib.location();
        create = CudaDriver.bind(lib.lookup(), "cublasCreate_v2", ADDRESS);
        destroy = CudaDriver.bind(lib.lookup(), "cublasDestroy_v2", ADDRESS);
        setStream = CudaDriver.bind(lib.lookup(), "cublasSetStream_v2", ADDRESS, ADDRESS);
        sgemm = CudaDriver.bind(lib.lookup(), "cublasSgemm_v2", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        sgemmStridedBatched = CudaDriver.bind(lib.lookup(), "cublasSgemmStridedBatched", ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT);
    }

    /** Loads cuBLAS 13, 12 or 11, or returns null and appends why not. */
    static Cublas load(NativeLibraryLocator locator, List<String> attempts) {
        NativeLibraryLocator.Found f = locator.load(List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so.11",
                "libcublas.so"), attempts);
        if (f == null) {
            return null;
        }
        try {
            return new Cublas(f);
        } catch (IllegalArgumentException e) {
            attempts.add(f.location() + ": " + e.getMessage());
            return null;
        }
    }

    private static void check(String what, int status) {
        if (status != 0) {
            throw new CudaException(what + " failed: cuBLAS status " + status, status);
        }
    }

    MemorySegment createHandle(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ADDRESS);
            check("cublasCreate_v2", CudaDriver.invoke(create, h));
            MemorySegment handle = h.get(ADDRESS, 0);
            check("cublasSetStream_v2", CudaDriver.invoke(setStream, handle, stream));
            return handle;
        }
    }

    void destroyHandle(MemorySegment handle) {
        check("cublasDestroy_v2", CudaDriver.invoke(destroy, handle));
    }

    /**
     * Row-major {@code C[M,N] = alpha·op(A)·op(B) + beta·C} for {@code batches} matrices at the given element
     * strides. {@code transA}: A's storage is {@code [K,M]}; {@code transB}: B's storage is {@code [N,K]}.
     */
    void gemm(MemorySegment handle, boolean transA, boolean transB, int m, int n, int k, float alpha,
              long a, long strideA, long b, long strideB, float beta, long c, long strideC, int batches) {
        int ldb = transB ? k : n;
        int lda = transA ? m : k;
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment al = ar.allocateFrom(JAVA_FLOAT, alpha);
            MemorySegment be = ar.allocateFrom(JAVA_FLOAT, beta);
            if (batches == 1) {
                check("cublasSgemm_v2", CudaDriver.invoke(sgemm, handle, transB ? OP_T : OP_N, transA ? OP_T : OP_N, n, m, k, al,
                        b, ldb, a, lda, be, c, n));
            } else {
                check("cublasSgemmStridedBatched", CudaDriver.invoke(sgemmStridedBatched, handle, transB ? OP_T : OP_N,
                        transA ? OP_T : OP_N, n, m, k, al, b, ldb, strideB, a, lda, strideA, be, c, n, strideC, batches));
            }
        }
    }
}
