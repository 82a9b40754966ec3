package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** GEMM in every transpose form, batched and grouped (with empty groups), against f64. */
public abstract class GemmConformance extends MemoryConformance {

    static List<Arguments> gemmCases() {
        int[][] shapes = {{1, 1, 1}, {1, 7, 1}, {7, 13, 5}, {31, 17, 64}, {64, 64, 64}, {97, 33, 129},
                {130, 257, 70}, {5, 300, 3}, {200, 8, 211}, {48, 37, 20}, {36, 21, 40}, {80, 130, 50}};
        List<Arguments> cases = new ArrayList<>();
        for (int[] s : shapes) {
            for (String form : new String[]{"NN", "NT", "TN", "TT"}) {
                cases.add(Arguments.of(s[0], s[1], s[2], form));
            }
        }
        return cases;
    }

    /** Lays out logical {@code [rows, cols]} data as storage for a plain or transposed view. */
    private Tensor operand(double[] logical, int rows, int cols, boolean transposed, float[] raw) {
        if (!transposed) {
            return tensor(raw, rows, cols);
        }
        float[] stored = new float[raw.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                stored[j * rows + i] = raw[i * cols + j];
            }
        }
        return tensor(stored, cols, rows).t();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} {3}")
    @MethodSource("gemmCases")
    void gemmMatchesF64(int m, int k, int n, String form) {
        SplittableRandom r = rng("gemm" + m + "x" + k + "x" + n + form);
        float[] a = uniform(r, m * k, -1, 1);
        float[] b = uniform(r, k * n, -1, 1);
        float[] c0 = uniform(r, m * n, -1, 1);
        Tensor ta = operand(Reference.d(a), m, k, form.charAt(0) == 'T', a);
        Tensor tb = operand(Reference.d(b), k, n, form.charAt(1) == 'T', b);
        float alpha = 0.75f;
        float beta = -0.5f;
        Tensor tc = tensor(c0, m, n);
        long before = backend.flops().total();
        backend.gemm(ta, tb, tc, alpha, beta);
        assertThat(backend.flops().total() - before).as("counted FLOPs").isEqualTo(2L * m * n * k);
        double[] ref = Reference.matmul(productInput(a), productInput(b), m, k, n);
        for (int i = 0; i < ref.length; i++) {
            ref[i] = alpha * ref[i] + beta * c0[i];
        }
        assertClose("gemm " + form, read(tc), ref, 1e-5 * Math.sqrt(k) * 4, 1e-5);
    }

    @Test
    void betaZeroIgnoresNaNInOutput() {
        SplittableRandom r = rng("betaZero");
        float[] a = uniform(r, 6 * 5, -1, 1);
        float[] b = uniform(r, 5 * 70, -1, 1);
        float[] nan = new float[6 * 70];
        java.util.Arrays.fill(nan, Float.NaN);
        Tensor c = tensor(nan, 6, 70);
        backend.gemm(tensor(a, 6, 5), tensor(b, 5, 70), c, 1f, 0f);
        assertClose("gemm beta=0", read(c), Reference.matmul(productInput(a), productInput(b), 6, 5, 70), 1e-5, 1e-5);
    }

    @Test
    void zeroDepthScalesOutputByBeta() {
        Tensor c = tensor(new float[]{1, 2, 3, 4}, 2, 2);
        backend.gemm(zeros(2, 0), zeros(0, 2), c, 1f, 0.5f);
        assertThat(read(c)).containsExactly(0.5f, 1f, 1.5f, 2f);
    }

    @Test
    void batchedGemmMatchesPerBatchProducts() {
        SplittableRandom r = rng("batched");
        int bs = 3, m = 19, k = 23, n = 41;
        float[] a = uniform(r, bs * m * k, -1, 1);
        float[] b = uniform(r, bs * n * k, -1, 1);
        Tensor c = zeros(bs, m, n);
        // B given transposed: storage [bs, n, k]
        backend.gemm(tensor(a, bs, m, k), tensor(b, bs, n, k).t(), c, 1f, 0f);
        float[] got = read(c);
        for (int i = 0; i < bs; i++) {
            double[] ai = java.util.Arrays.copyOfRange(productInput(a), i * m * k, (i + 1) * m * k);
            double[] bi = Reference.transpose(java.util.Arrays.copyOfRange(productInput(b), i * n * k, (i + 1) * n * k), n, k);
            assertClose("batch " + i, java.util.Arrays.copyOfRange(got, i * m * n, (i + 1) * m * n),
                    Reference.matmul(ai, bi, m, k, n), 1e-4, 1e-5);
        }
    }

    @Test
    void groupedGemmHandlesEmptyAndUnevenGroups() {
        SplittableRandom r = rng("grouped");
        int[] sizes = {5, 0, 17, 1, 0, 9};
        int groups = sizes.length;
        int k = 24, n = 37;
        int[] offsets = new int[groups + 1];
        for (int g = 0; g < groups; g++) {
            offsets[g + 1] = offsets[g] + sizes[g];
        }
        int rows = offsets[groups] + 3; // trailing rows outside every group stay untouched
        float[] a = uniform(r, rows * k, -1, 1);
        float[] w = uniform(r, groups * k * n, -1, 1);
        float[] c0 = uniform(r, rows * n, -1, 1);
        Tensor c = tensor(c0, rows, n);
        Tensor off = ints(offsets, groups + 1);
        backend.groupedGemm(tensor(a, rows, k), tensor(w, groups, k, n), off, c, 0f);
        float[] got = read(c);
        double[] expected = Reference.d(c0);
        groupedProducts(a, w, offsets, k, n, expected);
        assertClose("groupedGemm", got, expected, 1e-4, 1e-5);

        // Weight gradient: db[g] = beta*db[g] + a_gᵀ dy_g; empty groups keep beta*db.
        float[] dy = uniform(r, rows * n, -1, 1);
        float[] db0 = uniform(r, groups * k * n, -1, 1);
        Tensor db = tensor(db0, groups, k, n);
        backend.groupedGemmWeightGrad(tensor(a, rows, k), tensor(dy, rows, n), off, db, 0.5f);
        float[] dbGot = read(db);
        double[] dbRef = groupedWeightGrads(a, dy, offsets, k, n);
        for (int i = 0; i < dbRef.length; i++) {
            dbRef[i] += 0.5 * db0[i];
        }
        assertClose("groupedGemmWeightGrad", dbGot, dbRef, 1e-4, 1e-5);
    }

    @Test
    void groupedGemmsWithBetaZeroIgnoreNaNInTheOutput() {
        // The first use of a fresh buffer passes beta 0 over whatever it held; NaN there must not survive,
        // in a group with rows nor in an empty one (the weight gradient of an expert that took no token).
        SplittableRandom r = rng("grouped-nan");
        int[] offsets = {0, 3, 3, 7};
        int groups = 3, rows = 7, k = 5, n = 6;
        float[] a = uniform(r, rows * k, -1, 1);
        float[] w = uniform(r, groups * k * n, -1, 1);
        float[] nan = new float[Math.max(rows * n, groups * k * n)];
        java.util.Arrays.fill(nan, Float.NaN);
        Tensor off = ints(offsets, groups + 1);
        Tensor c = tensor(java.util.Arrays.copyOf(nan, rows * n), rows, n);
        backend.groupedGemm(tensor(a, rows, k), tensor(w, groups, k, n), off, c, 0f);
        double[] expected = new double[rows * n];
        groupedProducts(a, w, offsets, k, n, expected);
        assertClose("groupedGemm over NaN, beta 0", read(c), expected, 1e-4, 1e-5);

        float[] dy = uniform(r, rows * n, -1, 1);
        Tensor db = tensor(java.util.Arrays.copyOf(nan, groups * k * n), groups, k, n);
        backend.groupedGemmWeightGrad(tensor(a, rows, k), tensor(dy, rows, n), off, db, 0f);
        // Group 1 is empty: its gradient is zero.
        assertClose("groupedGemmWeightGrad over NaN, beta 0", read(db), groupedWeightGrads(a, dy, offsets, k, n),
                1e-4, 1e-5);
    }

    /** f64 reference of {@code groupedGemm}: group g's rows of {@code a} times {@code w[g] [K,N]}, in {@code out}. */
    private void groupedProducts(float[] a, float[] w, int[] offsets, int k, int n, double[] out) {
        for (int g = 0; g + 1 < offsets.length; g++) {
            int size = offsets[g + 1] - offsets[g];
            double[] ag = java.util.Arrays.copyOfRange(productInput(a), offsets[g] * k, offsets[g + 1] * k);
            double[] wg = java.util.Arrays.copyOfRange(productInput(w), g * k * n, (g + 1) * k * n);
            System.arraycopy(Reference.matmul(ag, wg, size, k, n), 0, out, offsets[g] * n, size * n);
        }
    }

    /** f64 reference of {@code groupedGemmWeightGrad} with beta 0: {@code a_gᵀ dy_g} per group, zero when empty. */
    private double[] groupedWeightGrads(float[] a, float[] dy, int[] offsets, int k, int n) {
        int groups = offsets.length - 1;
        double[] out = new double[groups * k * n];
        for (int g = 0; g < groups; g++) {
            int size = offsets[g + 1] - offsets[g];
            double[] at = Reference.transpose(java.util.Arrays.copyOfRange(productInput(a), offsets[g] * k,
                    offsets[g + 1] * k), size, k);
            double[] dyg = java.util.Arrays.copyOfRange(productInput(dy), offsets[g] * n, offsets[g + 1] * n);
            System.arraycopy(Reference.matmul(at, dyg, k, size, n), 0, out, g * k * n, k * n);
        }
        return out;
    }

    @Test
    void groupedGemmRejectsBadOffsets() {
        Tensor a = zeros(4, 2);
        Tensor w = zeros(2, 2, 3);
        Tensor c = zeros(4, 3);
        assertThatThrownBy(() -> backend.groupedGemm(a, w, ints(new int[]{0, 3, 2}, 3), c, 0f))
                .hasMessageContaining("offsets").hasMessageContaining("non-decreasing");
        assertThatThrownBy(() -> backend.groupedGemm(a, w, ints(new int[]{0, 3, 5}, 3), c, 0f))
                .hasMessageContaining("offsets").hasMessageContaining("5");
    }

    @Test
    void gemmShapeErrorsNameTheArgument() {
        assertThatThrownBy(() -> backend.gemm(zeros(3, 4), zeros(5, 6), zeros(3, 6), 1f, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gemm").hasMessageContaining("'b'").hasMessageContaining("[5, 6]");
        assertThatThrownBy(() -> backend.gemm(zeros(3, 4), zeros(4, 6), zeros(6, 3).t(), 1f, 0f))
                .hasMessageContaining("'c'").hasMessageContaining("transposed");
    }
}
