package io.fusion4j.tck;

import io.fusion4j.api.backend.AttentionMask;

/**
 * Independent f64 implementations of the Backend kernels' forward math, written from the formulas in
 * the {@link io.fusion4j.api.backend.Backend} contract, plus a central-difference gradient. Backward
 * kernels are checked against finite differences of these forwards.
 */
public final class Reference {
    private Reference() {
    }

    /** Widens floats to doubles. */
    public static double[] d(float[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i];
        }
        return r;
    }

    /** A scalar function of a vector, for finite differences. */
    @FunctionalInterface
    public interface Loss {
        double at(double[] x);
    }

    /** Central differences of {@code loss} at {@code x} for the given coordinates (step {@code h}). */
    public static double[] numericGradient(Loss loss, double[] x, int[] coords, double h) {
        double[] g = new double[coords.length];
        for (int c = 0; c < coords.length; c++) {
            int i = coords[c];
            double old = x[i];
            x[i] = old + h;
            double up = loss.at(x);
            x[i] = old - h;
            double down = loss.at(x);
            x[i] = old;
            g[c] = (up - down) / (2 * h);
        }
        return g;
    }

    /** {@code sum_i w[i] * y[i]}: the scalar whose gradient wrt y is w. */
    public static double weighted(double[] y, double[] w) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += y[i] * w[i];
        }
        return s;
    }

    /** Logical {@code A[M,K] · B[K,N]}, row-major. */
    public static double[] matmul(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double av = a[i * k + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += av * b[p * n + j];
                }
            }
        }
        return c;
    }

    /** Transposes a row-major {@code [r, c]} matrix. */
    public static double[] transpose(double[] x, int r, int c) {
        double[] t = new double[x.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                t[j * r + i] = x[i * c + j];
            }
        }
        return t;
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    public static double silu(double x) {
        return x * sigmoid(x);
    }

    public static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    public static double[] rmsNorm(double[] x, double[] w, double eps, int rows, int cols) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < cols; c++) {
                ss += x[r * cols + c] * x[r * cols + c];
            }
            double rs = 1 / Math.sqrt(ss / cols + eps);
            for (int c = 0; c < cols; c++) {
                y[r * cols + c] = x[r * cols + c] * rs * w[c];
            }
        }
        return y;
    }

    public static double[] layerNorm(double[] x, double[] w, double[] b, double eps, int rows, int cols) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mu = 0;
            for (int c = 0; c < cols; c++) {
                mu += x[r * cols + c];
            }
            mu /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                double dd = x[r * cols + c] - mu;
                var += dd * dd;
            }
            double rs = 1 / Math.sqrt(var / cols + eps);
            for (int c = 0; c < cols; c++) {
                y[r * cols + c] = (x[r * cols + c] - mu) * rs * w[c] + b[c];
            }
        }
        return y;
    }

    public static double[] softmax(double[] x, int rows, int cols) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                mx = Math.max(mx, x[r * cols + c]);
            }
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += Math.exp(x[r * cols + c] - mx);
            }
            for (int c = 0; c < cols; c++) {
                y[r * cols + c] = Math.exp(x[r * cols + c] - mx) / s;
            }
        }
        return y;
    }

    public static double logSumExp(double[] x, int off, int n) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            mx = Math.max(mx, x[off + i]);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(x[off + i] - mx);
        }
        return mx + Math.log(s);
    }

    /** Per-row cross-entropy with z-loss; negative targets give 0. */
    public static double[] crossEntropy(double[] logits, int[] targets, double z, int rows, int cols) {
        double[] loss = new double[rows];
        for (int r = 0; r < rows; r++) {
            if (targets[r] < 0) {
                continue;
            }
            double l = logSumExp(logits, r * cols, cols);
            loss[r] = l - logits[r * cols + targets[r]] + z * l * l;
        }
        return loss;
    }

    /** Rotate-half RoPE on {@code [B,T,H,D]} with positions {@code [B,T]}; {@code inverse} rotates backwards. */
    public static double[] rope(double[] x, int[] pos, double theta, int bt, int heads, int dim, boolean inverse) {
        double[] y = new double[x.length];
        int half = dim / 2;
        for (int r = 0; r < bt; r++) {
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * dim;
                for (int i = 0; i < half; i++) {
                    double ang = pos[r] * Math.pow(theta, -2.0 * i / dim) * (inverse ? -1 : 1);
                    double a = x[base + i];
                    double b = x[base + i + half];
                    y[base + i] = a * Math.cos(ang) - b * Math.sin(ang);
                    y[base + i + half] = a * Math.sin(ang) + b * Math.cos(ang);
                }
            }
        }
        return y;
    }

    /** Attention output {@code [B,T,H,D]} and, into {@code lseOut [B,H,T]} when non-null, the log-sum-exp. */
    public static double[] attention(double[] q, double[] k, double[] v, AttentionMask mask, double scale,
                                     int b, int t, int h, int dim, double[] lseOut) {
        double[] out = new double[q.length];
        double[] s = new double[t];
        for (int bb = 0; bb < b; bb++) {
            for (int hh = 0; hh < h; hh++) {
                for (int i = 0; i < t; i++) {
                    int qi = ((bb * t + i) * h + hh) * dim;
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (!mask.visible(bb, i, j)) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        int kj = ((bb * t + j) * h + hh) * dim;
                        double dot = 0;
                        for (int d = 0; d < dim; d++) {
                            dot += q[qi + d] * k[kj + d];
                        }
                        s[j] = dot * scale;
                        mx = Math.max(mx, s[j]);
                    }
                    if (mx == Double.NEGATIVE_INFINITY) {
                        if (lseOut != null) {
                            lseOut[(bb * h + hh) * t + i] = Double.NEGATIVE_INFINITY;
                        }
                        continue;
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        s[j] = s[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(s[j] - mx);
                        sum += s[j];
                    }
                    for (int j = 0; j < t; j++) {
                        if (s[j] == 0) {
                            continue;
                        }
                        int vj = ((bb * t + j) * h + hh) * dim;
                        double p = s[j] / sum;
                        for (int d = 0; d < dim; d++) {
                            out[qi + d] += p * v[vj + d];
                        }
                    }
                    if (lseOut != null) {
                        lseOut[(bb * h + hh) * t + i] = mx + Math.log(sum);
                    }
                }
            }
        }
        return out;
    }

    /** AdamW with decoupled decay, PyTorch's formulation, one step in place. */
    public static void adamw(double[] p, double[] g, double[] m, double[] v, double lr, double b1, double b2,
                             double eps, double wd, long step, double gradScale) {
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        for (int i = 0; i < p.length; i++) {
            double gr = g[i] * gradScale;
            m[i] = b1 * m[i] + (1 - b1) * gr;
            v[i] = b2 * v[i] + (1 - b2) * gr * gr;
            p[i] = p[i] * (1 - lr * wd) - lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + eps);
        }
    }
}
