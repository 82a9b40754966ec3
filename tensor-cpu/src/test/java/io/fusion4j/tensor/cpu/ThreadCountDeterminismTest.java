package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.tck.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;
import java.util.function.Function;

/** Work is split so that every output element is computed the same way whatever the thread count. */
class ThreadCountDeterminismTest {

    private static float[] run(int threads, float[] a, float[] b, float[] q) {
        try (Backend be = new CpuBackendProvider().create(io.fusion4j.api.backend.BackendOptions.withThreads(threads))) {
            Tensor ta = be.allocate(DType.F32, Shape.of(300, 257));
            Tensor tb = be.allocate(DType.F32, Shape.of(257, 190));
            Tensor tc = be.allocate(DType.F32, Shape.of(300, 190));
            be.copyFromHost(a, ta);
            be.copyFromHost(b, tb);
            be.gemm(ta, tb, tc, 1f, 0f);
            Tensor tq = be.allocate(DType.F32, Shape.of(2, 100, 3, 16));
            be.copyFromHost(q, tq);
            Tensor out = be.allocate(DType.F32, Shape.of(2, 100, 3, 16));
            Tensor lse = be.allocate(DType.F32, Shape.of(2, 3, 100));
            be.attention(tq, tq, tq, AttentionMask.causal(2, 100), 0.25f, out, lse);
            float[] r = new float[300 * 190 + 2 * 100 * 3 * 16];
            float[] c = new float[300 * 190];
            be.copyToHost(tc, c);
            float[] o = new float[2 * 100 * 3 * 16];
            be.copyToHost(out, o);
            System.arraycopy(c, 0, r, 0, c.length);
            System.arraycopy(o, 0, r, c.length, o.length);
            return r;
        }
    }

    @Test
    void oneTwoAndThreeThreadsGiveIdenticalBits() {
        SplittableRandom r = new SplittableRandom(7);
        float[] a = new float[300 * 257];
        float[] b = new float[257 * 190];
        float[] q = new float[2 * 100 * 3 * 16];
        for (float[] x : new float[][]{a, b, q}) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble(-1, 1);
            }
        }
        float[] one = run(1, a, b, q);
        assertThat(run(2, a, b, q)).containsExactly(one);
        assertThat(run(3, a, b, q)).containsExactly(one);
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    private static Tensor put(Backend be, float[] v, long... dims) {
        Tensor t = be.allocate(DType.F32, Shape.of(dims));
        be.copyFromHost(v, t);
        return t;
    }

    private static float[] get(Backend be, Tensor t) {
        float[] out = new float[(int) t.numel()];
        be.copyToHost(t, out);
        return out;
    }

    /** Runs {@code job} on 1, 2 and 3 threads; asserts identical bits and returns the 1-thread result. */
    private static float[] sameOnEveryThreadCount(String what, Function<Backend, float[]> job) {
        float[] one = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(threads))) {
                float[] got = job.apply(be);
                if (one == null) {
                    one = got;
                } else {
                    // Arrays.mismatch compares bit patterns; AssertJ's containsExactly is far too slow at this size.
                    assertThat(java.util.Arrays.mismatch(got, one)).as("first element of %s that differs on %d threads",
                            what, threads).isEqualTo(-1);
                }
            }
        }
        return one;
    }

    /**
     * Shapes large enough that several chunks share one packed operand (several depth and NC blocks, rows and
     * columns split), in every form, against f64.
     */
    @ParameterizedTest
    @CsvSource({"300,600,700,NN", "300,600,700,NT", "300,600,700,TN", "130,520,1100,NN", "130,520,1100,TN",
            "1100,300,130,NT"})
    void largeGemmsSplitOverThreadsMatchF64(int m, int k, int n, String form) {
        float[] a = random(m * k, 11);
        float[] b = random(k * n, 12);
        float[] c = sameOnEveryThreadCount("gemm " + form, be -> {
            Tensor ta = form.charAt(0) == 'T' ? put(be, transpose(a, m, k), k, m).t() : put(be, a, m, k);
            Tensor tb = form.charAt(1) == 'T' ? put(be, transpose(b, k, n), n, k).t() : put(be, b, k, n);
            Tensor tc = be.allocate(DType.F32, Shape.of(m, n));
            be.gemm(ta, tb, tc, 1f, 0f);
            return get(be, tc);
        });
        double[] ref = Reference.matmul(Reference.d(a), Reference.d(b), m, k, n);
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(c[i] - ref[i]));
        }
        // Each entry sums k products of numbers in [-1, 1]; float rounding grows about like sqrt(k).
        assertThat(worst).as("largest |C - C_f64|").isLessThan(1e-4 * Math.sqrt(k));
    }

    private static float[] transpose(float[] x, int r, int c) {
        float[] t = new float[x.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                t[j * r + i] = x[i * c + j];
            }
        }
        return t;
    }
}
