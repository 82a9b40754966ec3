package io.fusion4j.eval.metrics;

import java.util.Arrays;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between two Gaussians, the quantity behind FID:
 * {@code ‖μa−μb‖² + Tr(Σa + Σb − 2·(Σa^½ Σb Σa^½)^½)}, the squared 2-Wasserstein distance between
 * {@code N(μa, Σa)} and {@code N(μb, Σb)}. Here it is applied to classifier features ("classifier-FID").
 */
public final class FrechetDistance {

    private FrechetDistance() {
    }

    /**
     * A multivariate Gaussian given by its mean and its symmetric covariance. The arrays are copied in and out, so a
     * {@code Gaussian} cannot be changed after it is built.
     *
     * @param mean       the mean, one entry per feature (at least one)
     * @param covariance the {@code d×d} covariance, symmetric up to round-off, all entries finite
     */
    public record Gaussian(double[] mean, double[][] covariance) {

        /** @throws IllegalArgumentException if the shapes disagree, a value is not finite or Σ is not symmetric */
        public Gaussian {
            if (mean == null || covariance == null) {
                throw new IllegalArgumentException("mean and covariance: expected arrays, found null");
            }
            int d = mean.length;
            if (d == 0) {
                throw new IllegalArgumentException("mean: expected at least one feature, found 0");
            }
            requireFinite("mean", mean);
            if (covariance.length != d) {
                throw new IllegalArgumentException("covariance: expected " + d + " rows (the mean's length), found "
                        + covariance.length);
            }
            double[][] copy = new double[d][];
            double largest = 0;
            for (int i = 0; i < d; i++) {
                if (covariance[i] == null || covariance[i].length != d) {
                    throw new IllegalArgumentException("covariance: expected row " + i + " of length " + d
                            + ", found " + (covariance[i] == null ? "null" : covariance[i].length));
                }
                requireFinite("covariance row " + i, covariance[i]);
                copy[i] = covariance[i].clone();
                for (double v : copy[i]) {
                    largest = Math.max(largest, Math.abs(v));
                }
            }
            // The distance uses a symmetric eigensolver, which reads one triangle; an asymmetric input would give a
            // number with no meaning rather than an error, so refuse anything beyond round-off.
            double tolerance = 1e-9 * largest;
            for (int i = 0; i < d; i++) {
                for (int j = i + 1; j < d; j++) {
                    if (Math.abs(copy[i][j] - copy[j][i]) > tolerance) {
                        throw new IllegalArgumentException("covariance: expected a symmetric matrix, found ["
                                + i + "][" + j + "] = " + copy[i][j] + " but [" + j + "][" + i + "] = "
                                + copy[j][i]);
                    }
                }
            }
            mean = mean.clone();
            covariance = copy;
        }

        /**
         * Fits a Gaussian to samples: the sample mean and the unbiased (n−1) sample covariance.
         *
         * @param samples one row per sample, one column per feature; at least 2 rows of equal, non-zero length
         * @throws IllegalArgumentException on fewer than 2 rows, ragged or empty rows, or non-finite values
         */
        public static Gaussian fit(double[][] samples) {
            if (samples == null) {
                throw new IllegalArgumentException("samples: expected a matrix, found null");
            }
            int n = samples.length;
            if (n < 2) {
                throw new IllegalArgumentException("samples: expected at least 2 rows to estimate a covariance, found "
                        + n);
            }
            if (samples[0] == null || samples[0].length == 0) {
                throw new IllegalArgumentException("samples: expected row 0 to hold at least one feature, found "
                        + (samples[0] == null ? "null" : "0"));
            }
            int d = samples[0].length;
            double[] mean = new double[d];
            for (int r = 0; r < n; r++) {
                double[] row = samples[r];
                if (row == null || row.length != d) {
                    throw new IllegalArgumentException("samples: expected row " + r + " of length " + d
                            + " (as row 0), found " + (row == null ? "null" : row.length));
                }
                requireFinite("samples row " + r, row);
                for (int j = 0; j < d; j++) {
                    mean[j] += row[j];
                }
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
            }
            // Two passes (centre, then multiply) rather than E[xxᵀ] − μμᵀ, which cancels catastrophically when
            // the features have a large mean next to a small variance.
            double[][] cov = new double[d][d];
            double[] centred = new double[d];
            for (double[] row : samples) {
                for (int j = 0; j < d; j++) {
                    centred[j] = row[j] - mean[j];
                }
                for (int i = 0; i < d; i++) {
                    double ci = centred[i];
                    for (int j = i; j < d; j++) {
                        cov[i][j] += ci * centred[j];
                    }
                }
            }
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    cov[i][j] /= n - 1;
                    cov[j][i] = cov[i][j];
                }
            }
            return new Gaussian(mean, cov);
        }

        /** The number of features. */
        public int dimension() {
            return mean.length;
        }

        /** A copy of the mean. */
        @Override
        public double[] mean() {
            return mean.clone();
        }

        /** A copy of the covariance. */
        @Override
        public double[][] covariance() {
            double[][] copy = new double[covariance.length][];
            for (int i = 0; i < covariance.length; i++) {
                copy[i] = covariance[i].clone();
            }
            return copy;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Gaussian g && Arrays.equals(mean, g.mean) && Arrays.deepEquals(covariance,
                    g.covariance);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(mean) + Arrays.deepHashCode(covariance);
        }

        @Override
        public String toString() {
            return "Gaussian[mean=" + Arrays.toString(mean) + ", covariance=" + Arrays.deepToString(covariance) + "]";
        }
    }

    /**
     * The Fréchet distance between two Gaussians of the same dimension. {@code Tr((Σa^½ Σb Σa^½)^½)} is the sum of
     * the square roots of the eigenvalues of the symmetric matrix {@code Σa^½ Σb Σa^½}, and {@code Σa^½} comes from
     * a symmetric eigendecomposition of Σa; this avoids the non-symmetric {@code sqrtm(Σa Σb)} of common FID code,
     * which can return complex parts. Eigenvalues that round-off made slightly negative are taken as 0, and the
     * result, which is ≥ 0 in exact arithmetic, is clamped to ≥ 0.
     *
     * @return the distance, in squared feature units (not its square root)
     * @throws IllegalArgumentException if the dimensions differ or the eigensolver fails
     */
    public static double between(Gaussian a, Gaussian b) {
        if (a == null || b == null) {
            throw new IllegalArgumentException("a and b: expected Gaussians, found null");
        }
        int d = a.dimension();
        if (b.dimension() != d) {
            throw new IllegalArgumentException("b: expected dimension " + d + " (as a), found " + b.dimension());
        }
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mean[i] - b.mean[i];
            meanTerm += diff * diff;
        }
        DMatrixRMaj sigmaA = new DMatrixRMaj(a.covariance);
        DMatrixRMaj sigmaB = new DMatrixRMaj(b.covariance);
        double traceA = CommonOps_DDRM.trace(sigmaA);
        double traceB = CommonOps_DDRM.trace(sigmaB);

        DMatrixRMaj rootA = psdSquareRoot(sigmaA);
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj inner = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(rootA, sigmaB, tmp);
        CommonOps_DDRM.mult(tmp, rootA, inner);
        symmetrise(inner);
        double traceRoot = 0;
        for (double lambda : symmetricEigenvalues(inner)) {
            traceRoot += Math.sqrt(Math.max(0, lambda));
        }
        return Math.max(0, meanTerm + traceA + traceB - 2 * traceRoot);
    }

    /**
     * Fits a Gaussian to each sample set ({@link Gaussian#fit}) and returns the distance between them.
     *
     * @throws IllegalArgumentException if either set cannot be fitted or their feature counts differ
     */
    public static double between(double[][] a, double[][] b) {
        Gaussian ga;
        Gaussian gb;
        try {
            ga = Gaussian.fit(a);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a: " + e.getMessage(), e);
        }
        try {
            gb = Gaussian.fit(b);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("b: " + e.getMessage(), e);
        }
        if (ga.dimension() != gb.dimension()) {
            throw new IllegalArgumentException("b: expected " + ga.dimension() + " features per row (as a), found "
                    + gb.dimension());
        }
        return between(ga, gb);
    }

    /** V·diag(√max(λ,0))·Vᵀ from the symmetric eigendecomposition of {@code m}. */
    private static DMatrixRMaj psdSquareRoot(DMatrixRMaj m) {
        int d = m.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(m.copy())) {
            throw new IllegalArgumentException("covariance: expected a matrix the eigensolver can decompose, found "
                    + "one it failed on");
        }
        DMatrixRMaj root = new DMatrixRMaj(d, d);
        for (int k = 0; k < eig.getNumberOfEigenvalues(); k++) {
            double s = Math.sqrt(Math.max(0, eig.getEigenvalue(k).real));
            DMatrixRMaj v = eig.getEigenVector(k);
            for (int i = 0; i < d; i++) {
                double vi = s * v.get(i, 0);
                for (int j = 0; j < d; j++) {
                    root.add(i, j, vi * v.get(j, 0));
                }
            }
        }
        return root;
    }

    private static double[] symmetricEigenvalues(DMatrixRMaj m) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m.numRows, false, true);
        if (!eig.decompose(m.copy())) {
            throw new IllegalArgumentException("covariances: expected Σa^½ Σb Σa^½ to be decomposable, found a matrix "
                    + "the eigensolver failed on");
        }
        double[] values = new double[eig.getNumberOfEigenvalues()];
        for (int k = 0; k < values.length; k++) {
            values[k] = eig.getEigenvalue(k).real;
        }
        return values;
    }

    // The product of symmetric matrices is symmetric only up to round-off; the symmetric solver reads one triangle.
    private static void symmetrise(DMatrixRMaj m) {
        for (int i = 0; i < m.numRows; i++) {
            for (int j = i + 1; j < m.numCols; j++) {
                double avg = 0.5 * (m.get(i, j) + m.get(j, i));
                m.set(i, j, avg);
                m.set(j, i, avg);
            }
        }
    }

    private static void requireFinite(String what, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(what + ": expected finite values, found " + values[i]
                        + " at index " + i);
            }
        }
    }
}
