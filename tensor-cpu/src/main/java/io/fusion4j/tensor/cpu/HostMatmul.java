package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.Precision;

/**
 * The matrix products of a CPU backend: every {@code gemm}, {@code groupedGemm} and {@code groupedGemmWeightGrad}
 * ends here. The built-in one is the Vector API SGEMM; a plugin supplies another (oneDNN's bf16 GEMM, say) through
 * {@link CpuBackend#withMatmul} and inherits every other kernel. The backend validates arguments and counts FLOPs
 * before calling; an implementation only computes.
 *
 * <p>The problem: {@code batches} products; product {@code i} offsets A, B and C by {@code i * aBatch},
 * {@code i * bBatch}, {@code i * cBatch}. {@code A(r,p) = a[aOff + r*rsA + p*csA]} for {@code r < m, p < k};
 * {@code B(p,j) = b[bOff + p*rsB + j*csB]}; C is row-major with leading dimension {@code ldc}, and
 * {@code C = alpha·A·B + beta·C}, where {@code beta == 0} means C is not read (it may hold NaN). The backend
 * handles empty products itself: {@code batches}, {@code m}, {@code n} and {@code k} are all at least 1 here. With
 * the same inputs and thread count, the same bits every time.
 */
public interface HostMatmul extends AutoCloseable {
    /** Where the products are computed, for the backend's device description (e.g. "oneDNN 2.6.3, bf16 (AVX512-BF16)"). */
    String description();

    /** The format of the products (see {@link Precision}). */
    Precision precision();

    /**
     * The peak of these products, given the backend's measured fp32 peak: the same for fp32; for another precision
     * what the implementation knows of its instructions (the source says how), or empty.
     */
    default java.util.Optional<io.fusion4j.api.backend.PeakFlops> peak(io.fusion4j.api.backend.PeakFlops fp32) {
        return precision() == Precision.FP32 ? java.util.Optional.of(fp32) : java.util.Optional.empty();
    }

    /** Computes the products described above. */
    void run(float[] a, int aOff, int rsA, int csA, long aBatch,
             float[] b, int bOff, int rsB, int csB, long bBatch,
             float[] c, int cOff, int ldc, long cBatch,
             int batches, int m, int n, int k, float alpha, float beta);

    /** Frees what the implementation holds (native memory, library handles). */
    @Override
    void close();
}
