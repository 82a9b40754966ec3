package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.Reduction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Kernels that work one row (last dim) at a time: reductions, norms, softmax, losses. */
final class RowKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private RowKernels() {
    }

    static float sum(float[] x, int o, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            acc = acc.add(FloatVector.fromArray(S, x, o + i, S.indexInRange(i, n)));
        }
        float[] lanes = VectorMath.lanes();
        acc.intoArray(lanes, 0);
        return VectorMath.sumLanes(lanes);
    }

    static float max(float[] x, int o, int n) {
        if (n < L) {
            return narrowMax(x, o, n);
        }
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, o + i, m), m);
        }
        return acc.reduceLanes(VectorOperators.MAX);
    }

    /*
     * Rows narrower than one vector (a router's 4-8 experts) run scalar. Their vector form is a single masked
     * iteration with vectors made before it, and some runs' compiles kept those on the heap, one per row: about
     * 600 KB a MoE step for each such kernel. The scalar forms give the same bits: max is exact in any order, and
     * the dot below sums its products in VectorMath's lane tree, as the masked vector would.
     */

    /** Same result as the vector max: Math.max is the Vector API's MAX, and max is exact in any order. */
    private static float narrowMax(float[] x, int o, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x[o + i]);
        }
        return m;
    }

    static float sumSquares(float[] x, int o, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i, S.indexInRange(i, n));
            acc = v.fma(v, acc);
        }
        float[] lanes = VectorMath.lanes();
        acc.intoArray(lanes, 0);
        return VectorMath.sumLanes(lanes);
    }

    static void reduce(Reduction op, float[] x, int xo, float[] out, int oo, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = xo + r * cols;
            out[oo + r] = switch (op) {
                case SUM -> sum(x, o, cols);
                case MEAN -> cols == 0 ? Float.NaN : sum(x, o, cols) / cols;
                case MAX -> max(x, o, cols);
                case SUM_OF_SQUARES -> sumSquares(x, o, cols);
            };
        }
    }

    /** {@code out[o+i] = x[i] * s * w[i]}. */
    private static void scaleByWeight(float[] x, int xo, float s, float[] w, int wo, float[] out, int oo, int n) {
        FloatVector vs = FloatVector.broadcast(S, s);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).mul(vs).mul(FloatVector.fromArray(S, w, wo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void rmsNorm(float[] x, int xo, float[] w, int wo, float eps, float[] out, int oo, float[] rstd, int ro,
                        int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = xo + r * cols;
            float rs = (float) (1.0 / Math.sqrt(sumSquares(x, o, cols) / cols + eps));
            rstd[ro + r] = rs;
            scaleByWeight(x, o, rs, w, wo, out, oo + r * cols, cols);
        }
    }

    static void rmsNormBackward(float[] x, int xo, float[] w, int wo, float[] rstd, int ro, float[] dy, int dyo,
                                float[] dx, int dxo, float[] dw, int dwo, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * cols;
            int dr = dyo + r * cols;
            int dxr = dxo + r * cols;
            float rs = rstd[ro + r];
            // dot = sum_k w_k dy_k x_k
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector xv = FloatVector.fromArray(S, x, xr + i, m);
                FloatVector gv = FloatVector.fromArray(S, dy, dr + i, m);
                FloatVector wv = FloatVector.fromArray(S, w, wo + i, m);
                acc = gv.mul(wv).fma(xv, acc);
                // dW += dy * x * rstd
                FloatVector.fromArray(S, dw, dwo + i, m).add(gv.mul(xv).mul(rs)).intoArray(dw, dwo + i, m);
            }
            float[] lanes = VectorMath.lanes();
            acc.intoArray(lanes, 0);
            float dot = VectorMath.sumLanes(lanes);
            float c = rs * rs * rs * dot / cols;
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector xv = FloatVector.fromArray(S, x, xr + i, m);
                FloatVector gv = FloatVector.fromArray(S, dy, dr + i, m);
                FloatVector wv = FloatVector.fromArray(S, w, wo + i, m);
                gv.mul(wv).mul(rs).sub(xv.mul(c)).intoArray(dx, dxr + i, m);
            }
        }
    }

    static void layerNorm(float[] x, int xo, float[] w, int wo, float[] b, int bo, float eps, float[] out, int oo,
                          float[] mean, int mo, float[] rstd, int ro, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * cols;
            float mu = sum(x, xr, cols) / cols;
            FloatVector vmu = FloatVector.broadcast(S, mu);
            // Two-pass variance (mean first) for accuracy; masked lanes are zeroed.
            float var = 0f;
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector d = FloatVector.fromArray(S, x, xr + i, m).sub(vmu).blend(0f, m.not());
                float[] lanes = VectorMath.lanes();
                d.mul(d).intoArray(lanes, 0);
                var += VectorMath.sumLanes(lanes);
            }
            float rs = (float) (1.0 / Math.sqrt(var / cols + eps));
            mean[mo + r] = mu;
            rstd[ro + r] = rs;
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector xh = FloatVector.fromArray(S, x, xr + i, m).sub(vmu).mul(rs);
                xh.mul(FloatVector.fromArray(S, w, wo + i, m)).add(FloatVector.fromArray(S, b, bo + i, m))
                        .intoArray(out, oo + r * cols + i, m);
            }
        }
    }

    static void layerNormBackward(float[] x, int xo, float[] w, int wo, float[] mean, int mo, float[] rstd, int ro,
                                  float[] dy, int dyo, float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo,
                                  int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * cols;
            int dr = dyo + r * cols;
            float mu = mean[mo + r];
            float rs = rstd[ro + r];
            FloatVector vmu = FloatVector.broadcast(S, mu);
            FloatVector sumG = FloatVector.zero(S);
            FloatVector sumGX = FloatVector.zero(S);
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector xh = FloatVector.fromArray(S, x, xr + i, m).sub(vmu).mul(rs).blend(0f, m.not());
                FloatVector gv = FloatVector.fromArray(S, dy, dr + i, m);
                FloatVector g = gv.mul(FloatVector.fromArray(S, w, wo + i, m));
                sumG = sumG.add(g);
                sumGX = g.fma(xh, sumGX);
                FloatVector.fromArray(S, dw, dwo + i, m).add(gv.mul(xh)).intoArray(dw, dwo + i, m);
                FloatVector.fromArray(S, db, dbo + i, m).add(gv).intoArray(db, dbo + i, m);
            }
            float[] lanes = VectorMath.lanes();
            sumG.intoArray(lanes, 0);
            float meanG = VectorMath.sumLanes(lanes) / cols;
            sumGX.intoArray(lanes, 0);
            float meanGX = VectorMath.sumLanes(lanes) / cols;
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector xh = FloatVector.fromArray(S, x, xr + i, m).sub(vmu).mul(rs);
                FloatVector g = FloatVector.fromArray(S, dy, dr + i, m).mul(FloatVector.fromArray(S, w, wo + i, m));
                g.sub(meanG).sub(xh.mul(meanGX)).mul(rs).intoArray(dx, dxo + r * cols + i, m);
            }
        }
    }

    /**
     * Row softmax; {@code out} may be {@code x}: the max is read first, then each element is read before
     * it is written. Full vectors unmasked, scalar tail (see {@link VectorMath}).
     */
    static void softmax(float[] x, int xo, float[] out, int oo, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * cols;
            int o = oo + r * cols;
            float mx = max(x, xr, cols);
            if (mx == Float.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(out, o, o + cols, 0f);
                continue;
            }
            float sum = VectorMath.expMinusAndSum(x, xr, out, o, cols, mx);
            // A plain loop, which C2 vectorizes itself: through Elementwise.scale, some runs' compiles kept the
            // broadcast vector on the heap, one per row (router rows of 4-8 experts: 620 KB a moma step).
            float inv = 1f / sum;
            for (int i = 0; i < cols; i++) {
                out[o + i] *= inv;
            }
        }
    }

    static void softmaxBackward(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int rows, int cols) {
        if (cols < L) {
            narrowSoftmaxBackward(y, yo, dy, dyo, dx, dxo, rows, cols);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int yr = yo + r * cols;
            int dr = dyo + r * cols;
            float dot = Elementwise.dot(y, yr, dy, dr, cols);
            FloatVector vd = FloatVector.broadcast(S, dot);
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector yv = FloatVector.fromArray(S, y, yr + i, m);
                yv.mul(FloatVector.fromArray(S, dy, dr + i, m).sub(vd)).intoArray(dx, dxo + r * cols + i, m);
            }
        }
    }

    /**
     * {@link #softmaxBackward} for rows narrower than a vector, bit for bit: the dot's products in the lanes the
     * masked fma would fill (fma with a zero addend, the others zero), summed in the same tree, then
     * {@code y * (dy - dot)} per element as the vector form rounds it.
     */
    private static void narrowSoftmaxBackward(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int rows,
                                              int cols) {
        float[] lanes = VectorMath.lanes();
        for (int r = 0; r < rows; r++) {
            int yr = yo + r * cols;
            int dr = dyo + r * cols;
            java.util.Arrays.fill(lanes, 0f);
            for (int i = 0; i < cols; i++) {
                lanes[i] = Math.fma(y[yr + i], dy[dr + i], 0f);
            }
            float dot = VectorMath.sumLanes(lanes);
            int o = dxo + r * cols;
            for (int i = 0; i < cols; i++) {
                dx[o + i] = y[yr + i] * (dy[dr + i] - dot);
            }
        }
    }

    /** Returns the row's log-sum-exp without writing anything (full vectors unmasked, scalar tail). */
    static float logSumExp(float[] x, int xo, int n) {
        float mx = max(x, xo, n);
        if (mx == Float.NEGATIVE_INFINITY) {
            return mx;
        }
        FloatVector vm = FloatVector.broadcast(S, mx);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = acc.add(VectorMath.exp(FloatVector.fromArray(S, x, xo + i).sub(vm)));
        }
        float tail = 0f;
        for (; i < n; i++) {
            tail += (float) Math.exp(x[xo + i] - mx);
        }
        float[] lanes = VectorMath.lanes();
        acc.intoArray(lanes, 0);
        return mx + (float) Math.log(VectorMath.sumLanes(lanes) + tail);
    }

    static void crossEntropy(float[] x, int xo, int[] t, int to, float z, float[] loss, int lo, float[] lse, int so,
                             int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * cols;
            float l = logSumExp(x, xr, cols);
            lse[so + r] = l;
            int target = t[to + r];
            loss[lo + r] = target < 0 ? 0f : l - x[xr + target] + z * l * l;
        }
    }

    static void crossEntropyBackward(float[] x, int xo, int[] t, int to, float[] lse, int so, float z, float scale,
                                     float[] dx, int dxo, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * cols;
            int dr = dxo + r * cols;
            int target = t[to + r];
            if (target < 0) {
                java.util.Arrays.fill(dx, dr, dr + cols, 0f);
                continue;
            }
            float l = lse[so + r];
            FloatVector vl = FloatVector.broadcast(S, l);
            float coef = scale * (1f + 2f * z * l);
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                VectorMath.exp(FloatVector.fromArray(S, x, xr + i, m).sub(vl)).mul(coef)
                        .intoArray(dx, dr + i, m);
            }
            dx[dr + target] -= scale;
        }
    }

    static void mse(float[] p, int po, float[] t, int to, float[] out, int oo, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            FloatVector acc = FloatVector.zero(S);
            int pr = po + r * cols;
            int tr = to + r * cols;
            for (int i = 0; i < cols; i += L) {
                VectorMask<Float> m = S.indexInRange(i, cols);
                FloatVector d = FloatVector.fromArray(S, p, pr + i, m).sub(FloatVector.fromArray(S, t, tr + i, m));
                acc = d.fma(d, acc);
            }
            float[] lanes = VectorMath.lanes();
            acc.intoArray(lanes, 0);
            out[oo + r] = VectorMath.sumLanes(lanes) / cols;
        }
    }

    static void mseBackward(float[] p, int po, float[] t, int to, float scale, float[] dp, int dpo, int rows, int cols) {
        Elementwise.axpby(2f * scale / cols, p, po, -2f * scale / cols, t, to, dp, dpo, rows * cols);
    }

    /** Scalar on purpose: no tier-independent vector log1p here, and BCE rows are small. */
    static void bce(float[] x, int xo, float[] t, int to, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            out[oo + i] = (float) (Math.max(v, 0f) - (double) v * t[to + i] + Math.log1p(Math.exp(-Math.abs((double) v))));
        }
    }

    static void bceBackward(float[] x, int xo, float[] t, int to, float scale, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector s = ONE.div(VectorMath.exp(v.neg()).add(1f));
            s.sub(FloatVector.fromArray(S, t, to + i, m)).mul(scale).intoArray(dx, dxo + i, m);
        }
    }
}
