package io.fusion4j.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fusion4j.eval.metrics.FrechetDistance.Gaussian;
import org.junit.jupiter.api.Test;

import java.util.Random;

class FrechetDistanceTest {

    @Test
    void fitUsesTheUnbiasedCovariance() {
        // mean (2, 4); deviations ±(1, 2); Σ deviation·deviationᵀ = [[2, 4], [4, 8]], divided by n − 1 = 1
        Gaussian g = Gaussian.fit(new double[][]{{1, 2}, {3, 6}});
        assertThat(g.mean()).containsExactly(2, 4);
        assertThat(g.covariance()).isDeepEqualTo(new double[][]{{2, 4}, {4, 8}});

        // 1-D: values 1, 2, 6: mean 3, squared deviations 4 + 1 + 9 = 14, / (3 − 1) = 7
        Gaussian one = Gaussian.fit(new double[][]{{1}, {2}, {6}});
        assertThat(one.mean()[0]).isEqualTo(3.0);
        assertThat(one.covariance()[0][0]).isCloseTo(7.0, within(1e-15));
    }

    @Test
    void identicalSetsAreAtDistanceZeroEvenWithSingularCovariance() {
        double[][] samples = {{1, 2, 3}, {4, 0, -1}, {2, 2, 2}, {0.5, -3, 7}, {9, 1, 1}};
        assertThat(FrechetDistance.between(samples, samples)).isCloseTo(0.0, within(1e-9)).isNotNegative();
        // Two samples in 3-D: rank 1, so round-off yields slightly negative eigenvalues that must be clamped.
        double[][] rankOne = {{1, 2, 3}, {2, 5, -1}};
        double d = FrechetDistance.between(rankOne, rankOne);
        assertThat(d).isNotNegative().isCloseTo(0.0, within(1e-9));
    }

    @Test
    void oneDimensionalGaussiansFollowTheClosedForm() {
        double mu1 = 1.5;
        double s1 = 2.0;
        double mu2 = -0.25;
        double s2 = 0.5;
        Gaussian a = new Gaussian(new double[]{mu1}, new double[][]{{s1 * s1}});
        Gaussian b = new Gaussian(new double[]{mu2}, new double[][]{{s2 * s2}});
        double expected = (mu1 - mu2) * (mu1 - mu2) + (s1 - s2) * (s1 - s2); // 3.0625 + 2.25
        assertThat(FrechetDistance.between(a, b)).isCloseTo(expected, within(1e-12));
        assertThat(expected).isEqualTo(5.3125);
    }

    @Test
    void diagonalCovariancesSumPerFeature() {
        double[] va = {4, 9, 0.25};
        double[] vb = {1, 16, 1};
        Gaussian a = new Gaussian(new double[]{0, 1, 2}, diag(va));
        Gaussian b = new Gaussian(new double[]{1, 1, -1}, diag(vb));
        // means: 1 + 0 + 9; standard deviations: (2−1)² + (3−4)² + (0.5−1)²
        double expected = 10 + 1 + 1 + 0.25;
        assertThat(FrechetDistance.between(a, b)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void nonCommutingCovariancesMatchTheTwoByTwoClosedForm() {
        double[][] sa = {{2, 1}, {1, 2}};
        double[][] sb = {{1, 0}, {0, 3}};
        assertThat(mul(sa, sb)[0][1]).isNotEqualTo(mul(sb, sa)[0][1]); // ΣaΣb ≠ ΣbΣa
        double[] ma = {0.5, -1};
        double[] mb = {1.5, 1};

        double[][] rootA = sqrt2x2(sa);
        assertThat(mul(rootA, rootA)[0][1]).isCloseTo(sa[0][1], within(1e-12));
        double[][] inner = mul(mul(rootA, sb), rootA);
        double[][] rootInner = sqrt2x2(inner);
        double expected = sq(ma[0] - mb[0]) + sq(ma[1] - mb[1])
                + (sa[0][0] + sa[1][1]) + (sb[0][0] + sb[1][1]) - 2 * (rootInner[0][0] + rootInner[1][1]);
        // The same through tr(sqrt M) = sqrt(tr M + 2 sqrt(det M)), with tr M = tr(ΣaΣb) = 2 + 6 and
        // det M = det Σa · det Σb = 3 · 3: 5 + 4 + 4 − 2·sqrt(8 + 6).
        assertThat(expected).isCloseTo(13 - 2 * Math.sqrt(14), within(1e-12));

        Gaussian a = new Gaussian(ma, sa);
        Gaussian b = new Gaussian(mb, sb);
        assertThat(FrechetDistance.between(a, b)).isCloseTo(expected, within(1e-12));
        assertThat(FrechetDistance.between(b, a)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void isSymmetricForGeneralCovariances() {
        Random random = new Random(7);
        double[][] x = gaussianSamples(random, 50, new double[]{0, 0, 0}, new double[][]{{1, 0, 0}, {0.5, 1, 0},
                {0.2, -0.3, 1}});
        double[][] y = gaussianSamples(random, 40, new double[]{1, 0, -1}, new double[][]{{2, 0, 0}, {-0.7, 0.5, 0},
                {0.1, 0.9, 1.5}});
        double xy = FrechetDistance.between(x, y);
        double yx = FrechetDistance.between(y, x);
        assertThat(xy).isGreaterThan(0.5);
        assertThat(yx).isCloseTo(xy, within(1e-10 * xy));
    }

    @Test
    void sampleEstimateConvergesToTheAnalyticDistance() {
        double[] ma = {0, 1};
        double[][] la = {{1, 0}, {0.8, 0.6}}; // Σa = L Lᵀ = [[1, 0.8], [0.8, 1]]
        double[] mb = {0.5, 0};
        double[][] lb = {{2, 0}, {-0.5, 1}}; // Σb = [[4, −1], [−1, 1.25]]
        double analytic = FrechetDistance.between(new Gaussian(ma, mul(la, transpose(la))),
                new Gaussian(mb, mul(lb, transpose(lb))));
        Random random = new Random(20261123L);
        double sampled = FrechetDistance.between(gaussianSamples(random, 200_000, ma, la),
                gaussianSamples(random, 200_000, mb, lb));
        assertThat(analytic).isGreaterThan(1.0);
        assertThat(sampled).isCloseTo(analytic, within(0.03 * analytic));
    }

    @Test
    void refusesMismatchedDimensions() {
        Gaussian two = new Gaussian(new double[]{0, 0}, diag(new double[]{1, 1}));
        Gaussian three = new Gaussian(new double[]{0, 0, 0}, diag(new double[]{1, 1, 1}));
        assertThatThrownBy(() -> FrechetDistance.between(two, three))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("b: expected dimension 2").hasMessageContaining("found 3");
        assertThatThrownBy(() -> FrechetDistance.between(new double[][]{{1, 2}, {3, 4}},
                new double[][]{{1, 2, 3}, {4, 5, 6}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("b: expected 2 features per row").hasMessageContaining("found 3");
        assertThatThrownBy(() -> new Gaussian(new double[]{0, 0}, diag(new double[]{1, 1, 1})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("covariance: expected 2 rows").hasMessageContaining("found 3");
    }

    @Test
    void refusesTooFewRowsRaggedRowsAndBadCovariances() {
        assertThatThrownBy(() -> Gaussian.fit(new double[][]{{1, 2}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("samples: expected at least 2 rows").hasMessageContaining("found 1");
        assertThatThrownBy(() -> Gaussian.fit(new double[][]{{1, 2}, {3, 4}, {5}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected row 2 of length 2").hasMessageContaining("found 1");
        assertThatThrownBy(() -> FrechetDistance.between(new double[][]{{1}}, new double[][]{{1}, {2}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("a: ");
        assertThatThrownBy(() -> Gaussian.fit(new double[][]{{1, Double.NaN}, {3, 4}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected finite values");
        assertThatThrownBy(() -> new Gaussian(new double[]{0, 0}, new double[][]{{1, 0.5}, {0.4, 1}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("covariance: expected a symmetric matrix");
    }

    @Test
    void aGaussianCannotBeChangedThroughItsArrays() {
        double[] mean = {1, 2};
        double[][] cov = {{1, 0}, {0, 1}};
        Gaussian g = new Gaussian(mean, cov);
        mean[0] = 99;
        cov[0][0] = 99;
        g.covariance()[1][1] = 42;
        assertThat(g).isEqualTo(new Gaussian(new double[]{1, 2}, new double[][]{{1, 0}, {0, 1}}));
    }

    /** The PSD square root of a 2×2 matrix: (M + s·I)/t with s = sqrt(det M), t = sqrt(tr M + 2s). */
    private static double[][] sqrt2x2(double[][] m) {
        double s = Math.sqrt(m[0][0] * m[1][1] - m[0][1] * m[1][0]);
        double t = Math.sqrt(m[0][0] + m[1][1] + 2 * s);
        return new double[][]{{(m[0][0] + s) / t, m[0][1] / t}, {m[1][0] / t, (m[1][1] + s) / t}};
    }

    /** n rows of mean + L·z with z standard normal, so the covariance is L·Lᵀ. */
    private static double[][] gaussianSamples(Random random, int n, double[] mean, double[][] lower) {
        int d = mean.length;
        double[][] out = new double[n][d];
        double[] z = new double[d];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                z[j] = random.nextGaussian();
            }
            for (int i = 0; i < d; i++) {
                double v = mean[i];
                for (int j = 0; j < d; j++) {
                    v += lower[i][j] * z[j];
                }
                out[r][i] = v;
            }
        }
        return out;
    }

    private static double[][] diag(double[] values) {
        double[][] m = new double[values.length][values.length];
        for (int i = 0; i < values.length; i++) {
            m[i][i] = values[i];
        }
        return m;
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b[0].length; j++) {
                for (int k = 0; k < b.length; k++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    private static double sq(double x) {
        return x * x;
    }
}
