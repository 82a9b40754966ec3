package io.fusion4j.moma.vq;

import io.fusion4j.moma.CpuBackendTest;

import io.fusion4j.moma.MomaFixtures;
import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.Conv2d;
import io.fusion4j.api.nn.Upsample;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Conv2d and Upsample against an f64 reference written from the definition (direct sums over the kernel window,
 * NHWC maps, PyTorch's weight layout), forward and gradients; the reference's gradients are central finite
 * differences of its own loss {@code L = Σ y ⊙ r}, so no backward formula is shared with the code under test.
 */
class ConvLayersGradientTest extends CpuBackendTest {
    /** {@code y[b, oy, ox, o] = bias[o] + Σ_{c,ky,kx} x[b, oy·s − p + ky, ox·s − p + kx, c] · w[o, c, ky, kx]}. */
    static double[] convRef(double[] x, int b, int h, int w, int cin, double[] wt, double[] bias, int cout, int k,
                            int s, int p) {
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        double[] y = new double[b * oh * ow * cout];
        for (int n = 0; n < b; n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int o = 0; o < cout; o++) {
                        double acc = bias[o];
                        for (int c = 0; c < cin; c++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * s - p + ky;
                                    int ix = ox * s - p + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                        acc += x[((n * h + iy) * w + ix) * cin + c] * wt[((o * cin + c) * k + ky) * k + kx];
                                    }
                                }
                            }
                        }
                        y[((n * oh + oy) * ow + ox) * cout + o] = acc;
                    }
                }
            }
        }
        return y;
    }

    static double dot(double[] a, double[] r) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * r[i];
        }
        return s;
    }

    interface Loss {
        double at();
    }

    /** Central differences of {@code loss} with respect to every element of {@code v} (restored afterwards). */
    static double[] numeric(double[] v, Loss loss) {
        double eps = 1e-4;
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double old = v[i];
            v[i] = old + eps;
            double up = loss.at();
            v[i] = old - eps;
            double down = loss.at();
            v[i] = old;
            g[i] = (up - down) / (2 * eps);
        }
        return g;
    }

    static double[] random(Random r, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        return d;
    }

    static Tensor upload(double[] v, Shape s) {
        return MomaFixtures.upload(be, v, s);
    }

    static double[] host(Tensor t) {
        return MomaFixtures.get(be, t);
    }

    static void assertClose(double[] actual, double[] expected, String what) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        double scale = 1e-3;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as(what + " [" + i + "]").isCloseTo(expected[i], within(2e-3 * scale));
        }
    }

    @ParameterizedTest(name = "kernel {0}, stride {1}, padding {2}")
    @CsvSource({"3, 1, 1", "4, 2, 1", "1, 1, 0", "3, 2, 0"})
    void conv2dMatchesTheDefinitionForwardAndBackward(int k, int s, int p) {
        int b = 2, h = 6, w = 5, cin = 3, cout = 4;
        Random rnd = new Random(31L * k + s + 7L * p);
        double[] x = random(rnd, b * h * w * cin);
        double[] wt = random(rnd, cout * cin * k * k);
        double[] bias = random(rnd, cout);
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        double[] r = random(rnd, b * oh * ow * cout);

        Parameters params = new Parameters();
        Conv2d conv = new Conv2d(params, "conv", cin, cout, k, s, p);
        params.allocate(be, 1);
        be.copyFromHost(floats(wt), params.get("conv.weight").value());
        be.copyFromHost(floats(bias), params.get("conv.bias").value());
        be.fill(params.grads(), 0f);
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            Var xv = g.variable(upload(x, Shape.of(b, h, w, cin)));
            Var y = conv.forward(g, xv);
            assertThat(y.value().shape()).isEqualTo(Shape.of(b, oh, ow, cout));
            assertClose(host(y.value()), convRef(x, b, h, w, cin, wt, bias, cout, k, s, p), "forward");
            g.seed(y, upload(r, y.value().shape()));
            g.backward();
            Loss loss = () -> dot(convRef(x, b, h, w, cin, wt, bias, cout, k, s, p), r);
            assertClose(host(xv.grad()), numeric(x, loss), "dL/dx");
            assertClose(host(params.get("conv.weight").grad()), numeric(wt, loss), "dL/dweight");
            assertClose(host(params.get("conv.bias").grad()), numeric(bias, loss), "dL/dbias");
        }
    }

    /** {@code y[b, y, x, c] = x[b, y / s, x / s, c]}. */
    static double[] upsampleRef(double[] x, int b, int h, int w, int c, int f) {
        double[] y = new double[b * h * f * w * f * c];
        for (int n = 0; n < b; n++) {
            for (int yy = 0; yy < h * f; yy++) {
                for (int xx = 0; xx < w * f; xx++) {
                    for (int ch = 0; ch < c; ch++) {
                        y[((n * h * f + yy) * w * f + xx) * c + ch] = x[((n * h + yy / f) * w + xx / f) * c + ch];
                    }
                }
            }
        }
        return y;
    }

    @Test
    void upsampleMatchesTheDefinitionForwardAndBackwardAndReusesItsIndexMap() {
        int b = 2, h = 3, w = 4, c = 3, f = 2;
        Random rnd = new Random(5);
        double[] x = random(rnd, b * h * w * c);
        double[] r = random(rnd, b * h * f * w * f * c);
        Upsample up = new Upsample("up", f);
        try (StepArena arena = be.newArena()) {
            for (int pass = 0; pass < 2; pass++) { // the second pass reuses the cached map
                Graph g = new Graph(be, arena, true);
                Var xv = g.variable(upload(x, Shape.of(b, h, w, c)));
                Var y = up.forward(g, xv);
                assertThat(y.value().shape()).isEqualTo(Shape.of(b, h * f, w * f, c));
                assertClose(host(y.value()), upsampleRef(x, b, h, w, c, f), "forward");
                g.seed(y, upload(r, y.value().shape()));
                g.backward();
                assertClose(host(xv.grad()), numeric(x, () -> dot(upsampleRef(x, b, h, w, c, f), r)), "dL/dx");
                arena.release();
            }
        }
    }

    static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
