package io.fusion4j.transfusion.vae;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The VAE's bottleneck (the split of the encoder's output into means and σ-logits, the reparameterised sample and
 * the KL term) against an f64 reference written from the definition: value, and gradients with respect to the
 * encoder's output as central finite differences of the reference's own loss
 * {@code L = Σ z ⊙ r + w·Σ ½(μ² + σ² − 1 − log σ²)}, {@code σ = 1 / (1 + e^−s)}. The conv stacks around it are
 * checked by moma's ConvLayersGradientTest.
 */
class VaeGradientTest {
    private static Backend be;

    @BeforeAll
    static void open() {
        be = Backends.discover().create("cpu", BackendOptions.withThreads(1));
    }

    @AfterAll
    static void close() {
        be.close();
    }

    /** The reference loss of encoder output {@code e [R, 2C]} (per row C means, then C logits). */
    static double loss(double[] e, double[] eps, double[] r, int rows, int c, double w) {
        double l = 0;
        for (int row = 0; row < rows; row++) {
            for (int j = 0; j < c; j++) {
                double mu = e[row * 2 * c + j];
                double s = e[row * 2 * c + c + j];
                double sigma = 1 / (1 + Math.exp(-s));
                double z = mu + sigma * eps[row * c + j];
                l += z * r[row * c + j] + w * 0.5 * (mu * mu + sigma * sigma - 1 - Math.log(sigma * sigma));
            }
        }
        return l;
    }

    static double klOnly(double[] e, int rows, int c) {
        return loss(e, new double[rows * c], new double[rows * c], rows, c, 1);
    }

    @Test
    void bottleneckMatchesTheDefinitionForwardAndBackward() {
        int b = 2, grid = 2, c = 3, rows = b * grid * grid;
        double w = 0.7;
        VaeConfig cfg = new VaeConfig(3, 8, 4, List.of(4, 4, 4), c, 1e-4f, 1e-5f, 0f, 1f, 1f);
        VaeAutoencoder model = new VaeAutoencoder(cfg).allocate(be, 1);
        Random rnd = new Random(3);
        double[] e = gaussian(rnd, rows * 2 * c);
        double[] eps = gaussian(rnd, rows * c);
        double[] r = gaussian(rnd, rows * c);
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            Var ev = g.variable(upload(e, Shape.of(b, grid, grid, 2 * c)));
            VaeAutoencoder.Posterior q = model.posterior(g, ev);
            Var sigma = g.sigmoid(q.logit());
            Var z = VaeObjective.sample(g, q.mean(), sigma, upload(eps, Shape.of(rows, c)));
            LossValue kl = VaeObjective.kl(g, q, sigma, (float) w);
            assertThat(kl.count()).isEqualTo(rows * c);
            assertThat(kl.sum()).as("KL sum").isCloseTo(klOnly(e, rows, c), within(1e-4 * rows * c));
            g.seed(z, upload(r, Shape.of(rows, c)));
            g.backward();
            double[] expected = numeric(e, () -> loss(e, eps, r, rows, c, w));
            double[] actual = host(ev.grad());
            double scale = 1e-3;
            for (double x : expected) {
                scale = Math.max(scale, Math.abs(x));
            }
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("dL/de [" + i + "]").isCloseTo(expected[i], within(2e-3 * scale));
            }
        }
    }

    /** Central differences of {@code loss} in every element of {@code v}, each restored after use. */
    static double[] numeric(double[] v, java.util.function.DoubleSupplier loss) {
        return java.util.stream.IntStream.range(0, v.length).mapToDouble(i -> {
            double old = v[i];
            v[i] = old + 1e-5;
            double up = loss.getAsDouble();
            v[i] = old - 1e-5;
            double down = loss.getAsDouble();
            v[i] = old;
            return (up - down) / 2e-5;
        }).toArray();
    }

    static double[] gaussian(Random r, int n) {
        return r.doubles(n).map(u -> r.nextGaussian()).toArray();
    }

    static Tensor upload(double[] v, Shape s) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        Tensor t = be.allocate(DType.F32, s);
        be.copyFromHost(f, t);
        return t;
    }

    static double[] host(Tensor t) {
        float[] f = new float[(int) t.numel()];
        be.copyToHost(t, f);
        return java.util.stream.IntStream.range(0, f.length).mapToDouble(i -> f[i]).toArray();
    }
}
