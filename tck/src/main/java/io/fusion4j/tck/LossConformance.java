package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** Cross-entropy (with ignored rows and z-loss), MSE and BCE with logits, forward and backward. */
public abstract class LossConformance extends AttentionConformance {

    @Test
    void crossEntropyWithZLossAndIgnoredRows() {
        SplittableRandom r = rng("ce");
        int rows = 9, cols = 53;
        float z = 1e-3f;
        float scale = 1f / 7;
        float[] x = uniform(r, rows * cols, -8, 8);
        int[] t = new int[rows];
        for (int i = 0; i < rows; i++) {
            t[i] = r.nextInt(cols);
        }
        t[2] = -1;
        t[5] = -100;
        Tensor tx = tensor(x, rows, cols);
        Tensor tt = ints(t, rows);
        Tensor loss = zeros(rows);
        Tensor lse = zeros(rows);
        backend.crossEntropy(tx, tt, z, loss, lse);
        double[] xd = Reference.d(x);
        assertClose("cross-entropy", read(loss), Reference.crossEntropy(xd, t, z, rows, cols), 2e-5, 2e-5);
        Tensor dx = zeros(rows, cols);
        backend.crossEntropyBackward(tx, tt, lse, z, scale, dx);
        int[] cs = coords(r, x.length, 120);
        assertGradient("cross-entropy backward", read(dx), cs, Reference.numericGradient(v -> {
            double s = 0;
            for (double l : Reference.crossEntropy(v, t, z, rows, cols)) {
                s += l * scale;
            }
            return s;
        }, xd, cs, 1e-5));
        assertThatThrownBy(() -> backend.crossEntropy(tx, ints(new int[]{0, 1, 2, 3, 53, 0, 0, 0, 0}, rows), z,
                loss, lse)).hasMessageContaining("targets").hasMessageContaining("53").hasMessageContaining("row 4");
    }

    @Test
    void mseForwardAndBackward() {
        SplittableRandom r = rng("mse");
        int rows = 4, cols = 29;
        float[] p = uniform(r, rows * cols, -2, 2);
        float[] t = uniform(r, rows * cols, -2, 2);
        Tensor out = zeros(rows);
        backend.mse(tensor(p, rows, cols), tensor(t, rows, cols), out);
        double[] ref = new double[rows];
        for (int i = 0; i < rows * cols; i++) {
            double dd = p[i] - t[i];
            ref[i / cols] += dd * dd / cols;
        }
        assertClose("mse", read(out), ref, 1e-5, 1e-5);
        Tensor dp = zeros(rows, cols);
        backend.mseBackward(tensor(p, rows, cols), tensor(t, rows, cols), 0.5f, dp);
        double[] pd = Reference.d(p);
        int[] cs = coords(r, p.length, p.length);
        assertGradient("mse backward", read(dp), cs, Reference.numericGradient(v -> {
            double s = 0;
            for (int i = 0; i < v.length; i++) {
                double dd = v[i] - t[i];
                s += 0.5 * dd * dd / cols;
            }
            return s;
        }, pd, cs, 1e-5));
    }

    @Test
    void bceWithLogitsIsStableForLargeLogits() {
        SplittableRandom r = rng("bce");
        int n = 67;
        float[] x = uniform(r, n, -10, 10);
        x[0] = 100f;
        x[1] = -100f;
        float[] t = uniform(r, n, 0, 1);
        Tensor out = zeros(n);
        backend.bceWithLogits(tensor(x, n), tensor(t, n), out);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            double p = Reference.sigmoid(x[i]);
            ref[i] = Math.abs(x[i]) > 50 ? Math.max(x[i], 0) - x[i] * t[i]
                    : -(t[i] * Math.log(p) + (1 - t[i]) * Math.log(1 - p));
        }
        assertClose("bce", read(out), ref, 2e-5, 2e-5);
        Tensor dx = zeros(n);
        backend.bceWithLogitsBackward(tensor(x, n), tensor(t, n), 2f, dx);
        double[] xd = Reference.d(x);
        int[] cs = coords(r, n, n);
        double[] num = Reference.numericGradient(v -> {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 2 * (Math.max(v[i], 0) - v[i] * t[i] + Math.log1p(Math.exp(-Math.abs(v[i]))));
            }
            return sum;
        }, xd, cs, 1e-5);
        assertGradient("bce backward", read(dx), cs, num);
    }
}
