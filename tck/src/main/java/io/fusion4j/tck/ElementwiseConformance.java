package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.Reduction;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/** Element-wise arithmetic, activations with finite-difference backward checks, and reductions. */
public abstract class ElementwiseConformance extends GemmConformance {
    private static final double ATOL = 2e-5;
    private static final double RTOL = 2e-5;

    private static double[] map(float[] x, DoubleUnaryOperator f) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = f.applyAsDouble(x[i]);
        }
        return r;
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 15, 16, 17, 255, 1031})
    void arithmeticMatchesF64(int n) {
        SplittableRandom r = rng("arith" + n);
        float[] a = uniform(r, n, -2, 2);
        float[] b = uniform(r, n, -2, 2);
        Tensor ta = tensor(a, n);
        Tensor tb = tensor(b, n);
        Tensor out = zeros(n);
        backend.add(ta, tb, out);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = (double) a[i] + b[i];
        }
        assertClose("add", read(out), ref, ATOL, RTOL);
        backend.mul(ta, tb, out);
        for (int i = 0; i < n; i++) {
            ref[i] = (double) a[i] * b[i];
        }
        assertClose("mul", read(out), ref, ATOL, RTOL);
        backend.axpby(0.5f, ta, -3f, tb, out);
        for (int i = 0; i < n; i++) {
            ref[i] = 0.5 * a[i] - 3.0 * b[i];
        }
        assertClose("axpby", read(out), ref, ATOL, RTOL);
        backend.scale(ta, -1.5f, ta); // in place
        for (int i = 0; i < n; i++) {
            ref[i] = -1.5 * a[i];
        }
        assertClose("scale in place", read(ta), ref, ATOL, RTOL);
    }

    @Test
    void rowBroadcastAndRowWiseOps() {
        SplittableRandom r = rng("broadcast");
        int rows = 7, cols = 19;
        float[] x = uniform(r, rows * cols, -1, 1);
        float[] row = uniform(r, cols, -1, 1);
        float[] s = uniform(r, rows, -1, 1);
        Tensor tx = tensor(x, rows, cols);
        Tensor out = zeros(rows, cols);
        backend.add(tx, tensor(row, cols), out);
        double[] ref = new double[rows * cols];
        for (int i = 0; i < rows * cols; i++) {
            ref[i] = (double) x[i] + row[i % cols];
        }
        assertClose("add broadcast", read(out), ref, ATOL, RTOL);
        backend.mul(tx, tensor(row, cols), out);
        for (int i = 0; i < rows * cols; i++) {
            ref[i] = (double) x[i] * row[i % cols];
        }
        assertClose("mul broadcast", read(out), ref, ATOL, RTOL);
        backend.mulRows(tx, tensor(s, rows), out);
        for (int i = 0; i < rows * cols; i++) {
            ref[i] = (double) x[i] * s[i / cols];
        }
        assertClose("mulRows", read(out), ref, ATOL, RTOL);
        Tensor dots = zeros(rows);
        backend.rowDot(tx, out, dots);
        double[] dref = new double[rows];
        for (int i = 0; i < rows * cols; i++) {
            dref[i / cols] += (double) x[i] * ref[i];
        }
        assertClose("rowDot", read(dots), dref, 1e-5, 1e-5);
        assertThatThrownBy(() -> backend.add(tx, zeros(rows), out)).hasMessageContaining("'b'")
                .hasMessageContaining("[" + rows + "]");
    }

    enum Activation { SILU, GELU, SIGMOID }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationsAndTheirGradients(Activation act) {
        SplittableRandom r = rng("act" + act);
        int n = 203;
        float[] x = uniform(r, n, -6, 6);
        x[0] = 0f;
        x[1] = -30f;
        x[2] = 30f;
        float[] dy = uniform(r, n, -1, 1);
        DoubleUnaryOperator f = switch (act) {
            case SILU -> Reference::silu;
            case GELU -> Reference::gelu;
            case SIGMOID -> Reference::sigmoid;
        };
        Tensor tx = tensor(x, n);
        Tensor y = zeros(n);
        Tensor dx = zeros(n);
        switch (act) {
            case SILU -> backend.silu(tx, y);
            case GELU -> backend.gelu(tx, y);
            case SIGMOID -> backend.sigmoid(tx, y);
        }
        assertClose(act + " forward", read(y), map(x, f), ATOL, 1e-5);
        switch (act) {
            case SILU -> backend.siluBackward(tx, tensor(dy, n), dx);
            case GELU -> backend.geluBackward(tx, tensor(dy, n), dx);
            case SIGMOID -> backend.sigmoidBackward(y, tensor(dy, n), dx);
        }
        double[] xd = Reference.d(x);
        double[] w = Reference.d(dy);
        int[] cs = coords(r, n, n);
        double[] num = Reference.numericGradient(v -> Reference.weighted(mapD(v, f), w), xd, cs, 1e-5);
        assertGradient(act + " backward", read(dx), cs, num);
    }

    private static double[] mapD(double[] x, DoubleUnaryOperator f) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = f.applyAsDouble(x[i]);
        }
        return r;
    }

    @Test
    void swigluAndItsGradients() {
        SplittableRandom r = rng("swiglu");
        int n = 131;
        float[] g = uniform(r, n, -4, 4);
        float[] u = uniform(r, n, -2, 2);
        float[] dOut = uniform(r, n, -1, 1);
        Tensor out = zeros(n);
        backend.swiglu(tensor(g, n), tensor(u, n), out);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = Reference.silu(g[i]) * u[i];
        }
        assertClose("swiglu", read(out), ref, ATOL, 1e-5);
        Tensor dg = zeros(n);
        Tensor du = zeros(n);
        backend.swigluBackward(tensor(g, n), tensor(u, n), tensor(dOut, n), dg, du);
        double[] w = Reference.d(dOut);
        double[] gd = Reference.d(g);
        double[] ud = Reference.d(u);
        int[] cs = coords(r, n, n);
        assertGradient("dGate", read(dg), cs, Reference.numericGradient(v -> {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += w[i] * Reference.silu(v[i]) * ud[i];
            }
            return s;
        }, gd, cs, 1e-5));
        assertGradient("dUp", read(du), cs, Reference.numericGradient(v -> {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += w[i] * Reference.silu(gd[i]) * v[i];
            }
            return s;
        }, ud, cs, 1e-5));
    }

    @ParameterizedTest
    @EnumSource(Reduction.class)
    void reductionsAlongLastDim(Reduction op) {
        SplittableRandom r = rng("reduce" + op);
        // 5 and 8: rows narrower than a 512-bit vector, as a router's experts are.
        for (int cols : new int[]{1, 5, 8, 16, 17, 333}) {
            int rows = 5;
            float[] x = uniform(r, rows * cols, -3, 3);
            Tensor out = zeros(rows);
            backend.reduceLastDim(op, tensor(x, rows, cols), out);
            double[] ref = new double[rows];
            for (int i = 0; i < rows; i++) {
                double acc = op == Reduction.MAX ? Double.NEGATIVE_INFINITY : 0;
                for (int c = 0; c < cols; c++) {
                    double v = x[i * cols + c];
                    acc = switch (op) {
                        case SUM, MEAN -> acc + v;
                        case MAX -> Math.max(acc, v);
                        case SUM_OF_SQUARES -> acc + v * v;
                    };
                }
                ref[i] = op == Reduction.MEAN ? acc / cols : acc;
            }
            assertClose(op + " cols=" + cols, read(out), ref, 1e-4, 1e-5);
        }
    }

    @Test
    void squaredNormAccumulatesInDouble() {
        int n = 100_003;
        float[] x = uniform(rng("norm"), n, -1, 1);
        double ref = 0;
        for (float v : x) {
            ref += (double) v * v;
        }
        assertThat(backend.squaredNorm(tensor(x, n))).isCloseTo(ref, org.assertj.core.data.Offset.offset(ref * 1e-6));
    }
}
