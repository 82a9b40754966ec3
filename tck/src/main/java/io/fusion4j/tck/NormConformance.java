package io.fusion4j.tck;

import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

/** RMSNorm, LayerNorm, softmax and RoPE: forward against f64, backward against finite differences. */
public abstract class NormConformance extends ElementwiseConformance {

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {1, 7, 16, 67})
    void rmsNormForwardAndBackward(int cols) {
        SplittableRandom r = rng("rms" + cols);
        int rows = 6;
        float eps = 1e-5f;
        float[] x = uniform(r, rows * cols, -2, 2);
        float[] w = uniform(r, cols, 0.5, 1.5);
        float[] dy = uniform(r, rows * cols, -1, 1);
        float[] dw0 = uniform(r, cols, -1, 1);
        Tensor tx = tensor(x, rows, cols);
        Tensor tw = tensor(w, cols);
        Tensor out = zeros(rows, cols);
        Tensor rstd = zeros(rows);
        backend.rmsNorm(tx, tw, eps, out, rstd);
        double[] wd = Reference.d(w);
        assertClose("rmsNorm", read(out), Reference.rmsNorm(Reference.d(x), wd, eps, rows, cols), 2e-5, 2e-5);
        Tensor dx = zeros(rows, cols);
        Tensor dw = tensor(dw0, cols);
        backend.rmsNormBackward(tx, tw, rstd, tensor(dy, rows, cols), dx, dw);
        double[] g = Reference.d(dy);
        double[] xd = Reference.d(x);
        int[] cx = coords(r, x.length, 60);
        assertGradient("rmsNorm dx", read(dx), cx, Reference.numericGradient(
                v -> Reference.weighted(Reference.rmsNorm(v, wd, eps, rows, cols), g), xd, cx, 1e-5));
        int[] cw = coords(r, cols, cols);
        double[] num = Reference.numericGradient(
                v -> Reference.weighted(Reference.rmsNorm(xd, v, eps, rows, cols), g), wd.clone(), cw, 1e-5);
        for (int i = 0; i < cw.length; i++) {
            num[i] += dw0[cw[i]]; // dWeight accumulates
        }
        assertGradient("rmsNorm dWeight (accumulated)", read(dw), cw, num);
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {2, 16, 45})
    void layerNormForwardAndBackward(int cols) {
        SplittableRandom r = rng("ln" + cols);
        int rows = 5;
        float eps = 1e-5f;
        float[] x = uniform(r, rows * cols, -2, 2);
        float[] w = uniform(r, cols, 0.5, 1.5);
        float[] b = uniform(r, cols, -0.5, 0.5);
        float[] dy = uniform(r, rows * cols, -1, 1);
        Tensor tx = tensor(x, rows, cols);
        Tensor tw = tensor(w, cols);
        Tensor tb = tensor(b, cols);
        Tensor out = zeros(rows, cols);
        Tensor mean = zeros(rows);
        Tensor rstd = zeros(rows);
        backend.layerNorm(tx, tw, tb, eps, out, mean, rstd);
        double[] xd = Reference.d(x);
        double[] wd = Reference.d(w);
        double[] bd = Reference.d(b);
        assertClose("layerNorm", read(out), Reference.layerNorm(xd, wd, bd, eps, rows, cols), 3e-5, 3e-5);
        Tensor dx = zeros(rows, cols);
        Tensor dw = zeros(cols);
        Tensor db = zeros(cols);
        backend.layerNormBackward(tx, tw, mean, rstd, tensor(dy, rows, cols), dx, dw, db);
        double[] g = Reference.d(dy);
        int[] cx = coords(r, x.length, 60);
        assertGradient("layerNorm dx", read(dx), cx, Reference.numericGradient(
                v -> Reference.weighted(Reference.layerNorm(v, wd, bd, eps, rows, cols), g), xd, cx, 1e-5));
        int[] cw = coords(r, cols, cols);
        assertGradient("layerNorm dWeight", read(dw), cw, Reference.numericGradient(
                v -> Reference.weighted(Reference.layerNorm(xd, v, bd, eps, rows, cols), g), wd.clone(), cw, 1e-5));
        assertGradient("layerNorm dBias", read(db), cw, Reference.numericGradient(
                v -> Reference.weighted(Reference.layerNorm(xd, wd, v, eps, rows, cols), g), bd.clone(), cw, 1e-5));
    }

    @Test
    void softmaxForwardAndBackward() {
        SplittableRandom r = rng("softmax");
        int rows = 4, cols = 37;
        float[] x = uniform(r, rows * cols, -10, 10);
        x[0] = 80f; // large logits must not overflow
        float[] dy = uniform(r, rows * cols, -1, 1);
        Tensor y = zeros(rows, cols);
        backend.softmax(tensor(x, rows, cols), y);
        double[] xd = Reference.d(x);
        assertClose("softmax", read(y), Reference.softmax(xd, rows, cols), 1e-6, 1e-5);
        Tensor dx = zeros(rows, cols);
        backend.softmaxBackward(y, tensor(dy, rows, cols), dx);
        double[] g = Reference.d(dy);
        int[] cs = coords(r, x.length, 80);
        assertGradient("softmax backward", read(dx), cs, Reference.numericGradient(
                v -> Reference.weighted(Reference.softmax(v, rows, cols), g), xd, cs, 1e-5));
    }

    /**
     * A router's rows: 1 to 15 experts, narrower than a 512-bit vector, many rows. Backward against its closed form
     * {@code dx = y * (dy - sum(y * dy))} in f64 from the f64 softmax.
     */
    @Test
    void softmaxOverRowsNarrowerThanAVector() {
        SplittableRandom r = rng("narrow softmax");
        for (int cols : new int[]{1, 4, 8, 15}) {
            int rows = 33;
            float[] x = uniform(r, rows * cols, -6, 6);
            float[] dy = uniform(r, rows * cols, -1, 1);
            Tensor y = zeros(rows, cols);
            backend.softmax(tensor(x, rows, cols), y);
            double[] yd = Reference.softmax(Reference.d(x), rows, cols);
            assertClose("softmax cols=" + cols, read(y), yd, 1e-6, 1e-5);
            Tensor dx = zeros(rows, cols);
            backend.softmaxBackward(y, tensor(dy, rows, cols), dx);
            double[] ref = new double[rows * cols];
            for (int i = 0; i < rows; i++) {
                double dot = 0;
                for (int c = 0; c < cols; c++) {
                    dot += yd[i * cols + c] * dy[i * cols + c];
                }
                for (int c = 0; c < cols; c++) {
                    ref[i * cols + c] = yd[i * cols + c] * (dy[i * cols + c] - dot);
                }
            }
            assertClose("softmax backward cols=" + cols, read(dx), ref, 1e-6, 1e-5);
        }
    }

    /** Kernels documented as "out may alias x" give the same result in place. */
    @Test
    void inPlaceKernelsMatchOutOfPlace() {
        SplittableRandom r = rng("inplace");
        int rows = 3, cols = 21;
        float[] x = uniform(r, rows * cols, -5, 5);
        float[] y = uniform(r, rows * cols, -1, 1);
        Tensor out = zeros(rows, cols);
        Tensor a = tensor(x, rows, cols);
        backend.softmax(a, out);
        backend.softmax(a, a);
        assertClose("softmax in place", read(a), read(out), 0, 0);
        a = tensor(x, rows, cols);
        backend.add(a, tensor(y, rows, cols), out);
        backend.add(a, tensor(y, rows, cols), a);
        assertClose("add in place", read(a), read(out), 0, 0);
        a = tensor(x, rows, cols);
        backend.axpby(0.5f, a, 2f, tensor(y, rows, cols), out);
        backend.axpby(0.5f, a, 2f, tensor(y, rows, cols), a);
        assertClose("axpby in place", read(a), read(out), 0, 0);
        a = tensor(x, rows, cols);
        Tensor s = tensor(uniform(r, rows, -1, 1), rows);
        backend.mulRows(a, s, out);
        backend.mulRows(a, s, a);
        assertClose("mulRows in place", read(a), read(out), 0, 0);
        int[] pos = {0, 3, 7};
        Tensor p = ints(pos, 1, 3);
        Tensor qo = zeros(1, 3, 1, 20);
        Tensor q2 = tensor(java.util.Arrays.copyOf(x, 60), 1, 3, 1, 20);
        backend.rope(q2, p, 10000f, qo);
        backend.rope(q2, p, 10000f, q2);
        assertClose("rope in place", read(q2), read(qo), 0, 0);
    }

    @Test
    void ropeForwardAndBackward() {
        SplittableRandom r = rng("rope");
        int b = 2, t = 9, h = 3, d = 10;
        float theta = 10000f;
        float[] x = uniform(r, b * t * h * d, -1, 1);
        int[] pos = new int[b * t];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = (i % t) + (i / t) * 100; // second row starts at position 100
        }
        Tensor tp = ints(pos, b, t);
        Tensor out = zeros(b, t, h, d);
        backend.rope(tensor(x, b, t, h, d), tp, theta, out);
        double[] xd = Reference.d(x);
        assertClose("rope", read(out), Reference.rope(xd, pos, theta, b * t, h, d, false), 2e-5, 2e-5);
        float[] dy = uniform(r, x.length, -1, 1);
        Tensor dx = zeros(b, t, h, d);
        backend.ropeBackward(tensor(dy, b, t, h, d), tp, theta, dx);
        double[] g = Reference.d(dy);
        int[] cs = coords(r, x.length, 80);
        assertGradient("rope backward", read(dx), cs, Reference.numericGradient(
                v -> Reference.weighted(Reference.rope(v, pos, theta, b * t, h, d, false), g), xd, cs, 1e-5));
    }
}
