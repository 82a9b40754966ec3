package io.fusion4j.tensor.cpu;

import static io.fusion4j.tensor.cpu.HostCopies.get;
import static io.fusion4j.tensor.cpu.HostCopies.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.api.backend.AdamWStep;
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
            "1100,300,130,NT",
            // B of one depth and one NC block, which each worker packs once for all its row chunks
            "300,256,512,NN", "300,200,190,NT", "300,100,300,TN"})
    void largeGemmsSplitOverThreadsMatchF64(int m, int k, int n, String form) {
        // As stored: A is [k, m] when transposed, B is [n, k].
        boolean ta = form.charAt(0) == 'T';
        boolean tb = form.charAt(1) == 'T';
        float[] a = random(m * k, 11);
        float[] b = random(k * n, 12);
        float[] c = sameOnEveryThreadCount("gemm " + form, be -> {
            Tensor at = ta ? put(be, a, k, m).t() : put(be, a, m, k);
            Tensor bt = tb ? put(be, b, n, k).t() : put(be, b, k, n);
            Tensor tc = be.allocate(DType.F32, Shape.of(m, n));
            be.gemm(at, bt, tc, 1f, 0f);
            return get(be, tc);
        });
        double[] ad = ta ? Reference.transpose(Reference.d(a), k, m) : Reference.d(a);
        double[] bd = tb ? Reference.transpose(Reference.d(b), n, k) : Reference.d(b);
        double[] ref = Reference.matmul(ad, bd, m, k, n);
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(c[i] - ref[i]));
        }
        // Each entry sums k products of numbers in [-1, 1]; float rounding grows about like sqrt(k).
        assertThat(worst).as("largest |C - C_f64|").isLessThan(1e-4 * Math.sqrt(k));
    }

    /** A worker keeps its pack of a one-block B only within a call: the next call, with another B, repacks it. */
    @Test
    void aWorkersPackOfBIsNotReusedByTheNextCall() {
        int m = 300, k = 200, n = 190;
        float[] a = random(m * k, 13);
        float[] b1 = random(k * n, 14);
        float[] b2 = random(k * n, 15);
        float[] c = sameOnEveryThreadCount("two gemms with different B", be -> {
            Tensor ta = put(be, a, m, k);
            Tensor tc = be.allocate(DType.F32, Shape.of(m, n));
            be.gemm(ta, put(be, b1, k, n), tc, 1f, 0f);
            be.gemm(ta, put(be, b2, k, n), tc, 1f, 0f);
            return get(be, tc);
        });
        double[] ref = Reference.matmul(Reference.d(a), Reference.d(b2), m, k, n);
        for (int i = 0; i < ref.length; i++) {
            assertThat((double) c[i]).as("C[%d]", i).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4 * Math.sqrt(k)));
        }
    }

    @Test
    void pooledElementwiseKernelsGiveTheSameBitsOnEveryThreadCount() {
        int n = 200_003; // not a multiple of the vector length: the scalar tail lands in the last range
        float[] g = random(n, 1);
        float[] u = random(n, 2);
        float[] d = random(n, 3);
        float[] one = sameOnEveryThreadCount("swiglu, swigluBackward", be -> {
            Tensor tg = put(be, g, n);
            Tensor tu = put(be, u, n);
            Tensor td = put(be, d, n);
            Tensor out = be.allocate(DType.F32, Shape.of(n));
            Tensor dg = be.allocate(DType.F32, Shape.of(n));
            Tensor du = be.allocate(DType.F32, Shape.of(n));
            be.swiglu(tg, tu, out);
            be.swigluBackward(tg, tu, td, dg, du);
            float[] r = new float[3 * n];
            System.arraycopy(get(be, out), 0, r, 0, n);
            System.arraycopy(get(be, dg), 0, r, n, n);
            System.arraycopy(get(be, du), 0, r, 2 * n, n);
            return r;
        });
        for (int i = 0; i < n; i += 997) {
            double sig = Reference.sigmoid(g[i]);
            assertThat((double) one[i]).isCloseTo(Reference.silu(g[i]) * u[i], org.assertj.core.data.Offset.offset(1e-6));
            assertThat((double) one[n + i]).isCloseTo(d[i] * u[i] * sig * (1 + g[i] * (1 - sig)),
                    org.assertj.core.data.Offset.offset(1e-6));
            assertThat((double) one[2 * n + i]).isCloseTo(d[i] * g[i] * sig, org.assertj.core.data.Offset.offset(1e-6));
        }
        float[] sums = sameOnEveryThreadCount("add, add in place", be -> {
            Tensor tg = put(be, g, n);
            Tensor tu = put(be, u, n);
            Tensor out = be.allocate(DType.F32, Shape.of(n));
            be.add(tg, tu, out);
            be.add(tg, out, tg); // in place, as a gradient sum is
            float[] r = new float[2 * n];
            System.arraycopy(get(be, out), 0, r, 0, n);
            System.arraycopy(get(be, tg), 0, r, n, n);
            return r;
        });
        for (int i = 0; i < n; i++) {
            // One float addition each: exact to the rounding of the f64 sum.
            assertThat(sums[i]).as("g + u at %d", i).isEqualTo((float) ((double) g[i] + u[i]));
            assertThat(sums[n + i]).as("g + (g + u) at %d", i).isEqualTo((float) ((double) g[i] + sums[i]));
        }
        float[] p = random(n, 4);
        float[] m = random(n, 5);
        float[] v = random(n, 6);
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(v[i]);
        }
        sameOnEveryThreadCount("adamw", be -> {
            Tensor tp = put(be, p, n);
            Tensor tm = put(be, m, n);
            Tensor tv = put(be, v, n);
            be.adamw(tp, put(be, g, n), tm, tv, new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 3, 0.5f));
            float[] r = new float[3 * n];
            System.arraycopy(get(be, tp), 0, r, 0, n);
            System.arraycopy(get(be, tm), 0, r, n, n);
            System.arraycopy(get(be, tv), 0, r, 2 * n, n);
            return r;
        });
    }

    @Test
    void pooledRowKernelsGiveTheSameBitsOnEveryThreadCountAndTheBlockedWeightGradientMatchesF64() {
        int rows = 700; // several 128-row blocks of partial weight gradients, the last one short
        int cols = 96;
        float[] x = random(rows * cols, 7);
        float[] w = random(cols, 8);
        float[] dy = random(rows * cols, 9);
        float[] dw0 = random(cols, 10); // the kernel accumulates into dW
        float[] one = sameOnEveryThreadCount("rmsNorm, rmsNormBackward", be -> {
            Tensor tx = put(be, x, rows, cols);
            Tensor tw = put(be, w, cols);
            Tensor out = be.allocate(DType.F32, Shape.of(rows, cols));
            Tensor rstd = be.allocate(DType.F32, Shape.of(rows));
            be.rmsNorm(tx, tw, 1e-5f, out, rstd);
            Tensor dx = be.allocate(DType.F32, Shape.of(rows, cols));
            Tensor dw = put(be, dw0, cols);
            be.rmsNormBackward(tx, tw, rstd, put(be, dy, rows, cols), dx, dw);
            float[] r = new float[2 * rows * cols + cols];
            System.arraycopy(get(be, out), 0, r, 0, rows * cols);
            System.arraycopy(get(be, dx), 0, r, rows * cols, rows * cols);
            System.arraycopy(get(be, dw), 0, r, 2 * rows * cols, cols);
            return r;
        });
        double[] rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int j = 0; j < cols; j++) {
                ss += (double) x[r * cols + j] * x[r * cols + j];
            }
            rstd[r] = 1 / Math.sqrt(ss / cols + 1e-5);
        }
        for (int c = 0; c < cols; c++) {
            double ref = dw0[c];
            for (int r = 0; r < rows; r++) {
                ref += dy[r * cols + c] * x[r * cols + c] * rstd[r];
            }
            assertThat((double) one[2 * rows * cols + c]).as("dW[%d]", c)
                    .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-4));
        }
        int classes = 1000;
        float[] logits = random(rows * classes, 13);
        int[] targets = new SplittableRandom(14).ints(rows, -1, classes).toArray(); // -1: ignored rows
        sameOnEveryThreadCount("crossEntropy, crossEntropyBackward", be -> {
            Tensor tl = put(be, logits, rows, classes);
            Tensor tt = be.allocate(DType.I32, Shape.of(rows));
            be.copyFromHost(targets, tt);
            Tensor loss = be.allocate(DType.F32, Shape.of(rows));
            Tensor lse = be.allocate(DType.F32, Shape.of(rows));
            be.crossEntropy(tl, tt, 1e-4f, loss, lse);
            Tensor dl = be.allocate(DType.F32, Shape.of(rows, classes));
            be.crossEntropyBackward(tl, tt, lse, 1e-4f, 0.5f, dl);
            float[] r = new float[rows + rows * classes];
            System.arraycopy(get(be, loss), 0, r, 0, rows);
            System.arraycopy(get(be, dl), 0, r, rows, rows * classes);
            return r;
        });
    }

    /**
     * The gradient norm and the gradient zero-fill run over the pool: the same bits on every thread count, and the
     * norm against a sum in f64 (order aside, the blocked float sums differ from it by rounding only).
     */
    @Test
    void pooledSquaredNormAndFillGiveTheSameBitsOnEveryThreadCount() {
        int n = 3_000_037; // many 1024-float blocks, the last one short, split over several ranges
        float[] x = random(n, 16);
        double ref = 0;
        for (float f : x) {
            ref += (double) f * f;
        }
        float[] out = sameOnEveryThreadCount("squaredNorm, fill", be -> {
            Tensor t = put(be, x, n);
            double norm = be.squaredNorm(t);
            be.fill(t.slice(1, n - 1), 2.5f);
            float[] r = get(be, t);
            // The norm's 64 bits as four 16-bit integers, each exact in a float, so the double is compared whole.
            long bits = Double.doubleToRawLongBits(norm);
            float[] withNorm = java.util.Arrays.copyOf(r, n + 4);
            for (int q = 0; q < 4; q++) {
                withNorm[n + q] = (bits >>> (16 * q)) & 0xffff;
            }
            return withNorm;
        });
        long bits = 0;
        for (int q = 0; q < 4; q++) {
            bits |= ((long) out[n + q]) << (16 * q);
        }
        assertThat(Double.longBitsToDouble(bits)).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-6 * ref));
        assertThat(out[0]).isEqualTo(x[0]);
        assertThat(out[n - 1]).isEqualTo(x[n - 1]);
        for (int i = 1; i < n - 1; i += 4099) {
            assertThat(out[i]).as("filled element %d", i).isEqualTo(2.5f);
        }
        assertThat(out[n - 2]).isEqualTo(2.5f);
    }
}
