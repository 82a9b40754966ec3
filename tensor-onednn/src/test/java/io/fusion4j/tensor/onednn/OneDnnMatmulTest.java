package io.fusion4j.tensor.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.BackendUnavailableException;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the conformance kit does not reach: products cut into several chunks (more than 128 rows, a padded last
 * chunk), the same bits for any thread count, and the refusals. Skipped where oneDNN is unavailable.
 */
class OneDnnMatmulTest {
    @BeforeAll
    static void needsTheLibrary() {
        var p = new OneDnnBackendProvider().probe(Precision.BF16);
        Assumptions.assumeTrue(p.available(), () -> "onednn is unavailable here: " + p.reason());
    }

    private static Backend backend(int threads) {
        return Backends.discover().create("onednn", new BackendOptions(threads, Map.of(), Precision.BF16));
    }

    private static float[] uniform(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (2 * r.nextDouble() - 1);
        }
        return x;
    }

    private static double bf16(float x) {
        return DType.fromBf16(DType.toBf16(x));
    }

    private static Tensor upload(Backend b, float[] data, long... dims) {
        Tensor t = b.allocate(DType.F32, Shape.of(dims));
        b.copyFromHost(data, t);
        return t;
    }

    private static float[] read(Backend b, Tensor t) {
        float[] x = new float[(int) t.numel()];
        b.copyToHost(t, x);
        return x;
    }

    /** A logical [rows, cols] operand stored plainly or as the transpose of its [cols, rows] storage. */
    private static Tensor operand(Backend b, float[] logical, int rows, int cols, boolean transposed) {
        if (!transposed) {
            return upload(b, logical, rows, cols);
        }
        float[] stored = new float[logical.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                stored[j * rows + i] = logical[i * cols + j];
            }
        }
        return upload(b, stored, cols, rows).t();
    }

    @ParameterizedTest
    @ValueSource(strings = {"NN", "NT", "TN", "TT"})
    void productsCutIntoChunksMatchF64OnBf16RoundedOperands(String form) {
        int m = 300, k = 70, n = 33; // chunks of 128, 128 and 44 rows (computed as 64)
        SplittableRandom r = new SplittableRandom(form.hashCode());
        float[] a = uniform(r, m * k);
        float[] bm = uniform(r, k * n);
        float[] c0 = uniform(r, m * n);
        try (Backend be = backend(2)) {
            Tensor c = upload(be, c0, m, n);
            be.gemm(operand(be, a, m, k, form.charAt(0) == 'T'), operand(be, bm, k, n, form.charAt(1) == 'T'), c, 0.75f, -0.5f);
            float[] got = read(be, c);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += bf16(a[i * k + p]) * bf16(bm[p * n + j]);
                    }
                    double want = 0.75 * s - 0.5 * c0[i * n + j];
                    assertThat((double) got[i * n + j]).as("%s C[%d,%d]", form, i, j)
                            .isCloseTo(want, org.assertj.core.data.Offset.offset(4e-5 * Math.sqrt(k) + 1e-5 * Math.abs(want)));
                }
            }
            // Not an fp32 product: bf16 rounding moves results by far more than fp32 accumulation would.
            double worst = 0;
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * bm[p * n];
                }
                worst = Math.max(worst, Math.abs(got[i * n] - (0.75 * s - 0.5 * c0[i * n])));
            }
            assertThat(worst).as("largest distance from the unrounded product").isGreaterThan(1e-3);
        }
    }

    /**
     * Every thread count, and every run at one count, gives the same bits. Each run is on a fresh thread, as a user's
     * would be: a thread's OpenMP setting must not carry over from an earlier run (a primitive made at OpenMP's
     * default would block differently). Shapes: forward NT, a weight gradient TN with a small M and a deep K, and the
     * grouped products with an empty group.
     */
    @Test
    void everyThreadCountAndEveryRunGiveTheSameBits() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        int m = 333, k = 257, n = 190;
        float[] a = uniform(r, m * k);
        float[] bm = uniform(r, n * k);
        int[] offsets = {0, 130, 130, 207, 333};
        float[] w = uniform(r, 4 * k * n);
        float[] dy = uniform(r, m * 40);
        float[][] results = new float[4][];
        int[] threads = {1, 2, 2, 1};
        for (int run = 0; run < threads.length; run++) {
            int t = threads[run];
            int slot = run;
            Thread th = new Thread(() -> {
                try (Backend be = backend(t)) {
                    Tensor ta = upload(be, a, m, k);
                    Tensor nt = be.allocate(DType.F32, Shape.of(m, n));
                    be.gemm(ta, upload(be, bm, n, k).t(), nt, 1f, 0f);
                    Tensor tn = be.allocate(DType.F32, Shape.of(40, k));
                    be.gemm(upload(be, dy, m, 40).t(), ta, tn, 1f, 0f); // M 40, K 333
                    Tensor off = be.allocate(DType.I32, Shape.of(5));
                    be.copyFromHost(offsets, off);
                    Tensor grouped = be.allocate(DType.F32, Shape.of(m, n));
                    be.groupedGemm(ta, upload(be, w, 4, k, n), off, grouped, 0f);
                    Tensor dw = be.allocate(DType.F32, Shape.of(4, k, n));
                    be.groupedGemmWeightGrad(ta, grouped, off, dw, 0f);
                    float[][] parts = {read(be, nt), read(be, tn), read(be, grouped), read(be, dw)};
                    results[slot] = java.util.Arrays.stream(parts).reduce(new float[0], (x, y) -> {
                        float[] z = java.util.Arrays.copyOf(x, x.length + y.length);
                        System.arraycopy(y, 0, z, x.length, y.length);
                        return z;
                    });
                }
            });
            th.start();
            th.join();
            assertThat(results[slot]).as("run %d (%d threads) finished", run, t).isNotNull();
        }
        for (int run = 1; run < threads.length; run++) {
            assertThat(results[run]).as("run %d (%d threads) against run 0 (1 thread)", run, threads[run])
                    .containsExactly(results[0]);
        }
    }

    @Test
    void describesItselfAndComputesInBf16() {
        try (Backend be = backend(1)) {
            assertThat(be.name()).isEqualTo("onednn");
            assertThat(be.precision()).isEqualTo(Precision.BF16);
            assertThat(be.deviceDescription()).contains("matrix products: oneDNN 2.").contains("bf16 operands on");
            var fp32 = be.fp32Peak().orElseThrow();
            if (be.deviceDescription().contains("on AVX512-BF16")) {
                var bf16 = be.matmulPeak().orElseThrow();
                assertThat(bf16.gigaflops()).isEqualTo(2 * fp32.gigaflops());
                assertThat(bf16.source()).startsWith("2 × the fp32 peak (measured: fp32 FMA loop");
            } else {
                assertThat(be.matmulPeak()).as("AMX: no bf16 peak known").isEmpty();
            }
        }
    }

    @Test
    void fp32IsRefusedWithTheReasonAndTheBackendThatCan() {
        assertThatThrownBy(() -> Backends.discover().create("onednn", BackendOptions.defaults()))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("bf16 only")
                .hasMessageContaining("backend 'cpu' is the fp32 one");
        assertThatThrownBy(() -> Backends.discover().create("cpu", BackendOptions.defaults().withPrecision(Precision.BF16)))
                .hasMessageContaining("backend 'cpu' is unavailable for bf16 matrix products")
                .hasMessageContaining("available backends for bf16 matrix products: onednn");
        try (Backend chosen = Backends.discover().create(null, BackendOptions.withThreads(1).withPrecision(Precision.BF16))) {
            assertThat(chosen.name()).as("--precision bf16 without --backend").isEqualTo("onednn");
        }
    }
}
