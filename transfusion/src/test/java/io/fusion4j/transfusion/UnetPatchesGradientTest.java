package io.fusion4j.transfusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Random;

/**
 * The U-Net patch codec's backward against central finite differences of its own forward, for patch sizes 1, 2 and 4
 * (zero, one and two stride-2 levels): {@code L = Σ decode(encode(x, t)) ⊙ r + Σ rows ⊙ q}, the trunk taken as the
 * identity, so the gradient reaches the inputs through both the long skips and the path through the bottleneck.
 */
class UnetPatchesGradientTest {
    private static final int IMAGES = 2;
    private static final int CHANNELS = 2;
    private static final int HIDDEN = 4;
    private static final int DIM = 4;
    private static final int GRID = 2;
    private static Backend be;

    @BeforeAll
    static void start() {
        be = Backends.discover().create("cpu", BackendOptions.withThreads(1));
    }

    @AfterAll
    static void stop() {
        be.close();
    }

    private record Case(Parameters params, UnetPatches unet, float[] x, float[] t, float[] r, float[] q, int rows,
                        int width) {
        double loss() {
            try (StepArena arena = be.newArena()) {
                Graph g = new Graph(be, arena, false);
                var enc = unet.encode(g, g.constant(upload(arena, x, Shape.of(rows, width))),
                        g.constant(upload(arena, t, Shape.of(IMAGES, DIM))));
                Var y = unet.decode(g, enc.rows(), enc);
                return dot(host(y.value()), r) + dot(host(enc.rows().value()), q);
            }
        }
    }

    private static Case build(int k, long seed) {
        Random rnd = new Random(seed);
        int width = k * k * CHANNELS;
        int rows = IMAGES * GRID * GRID;
        Parameters params = new Parameters();
        // A norm eps of 0.05 bounds LayerNorm's 1/σ over a few channels, which finite differences cannot follow near σ = 0.
        UnetPatches unet = new UnetPatches(params, k, width, HIDDEN, DIM, 0.05f);
        params.allocate(be, seed);
        // Move every parameter off its init (norm gains 1, biases 0) so no term of the gradient is trivially zero.
        float[] v = new float[(int) params.values().numel()];
        be.copyToHost(params.values(), v);
        for (int i = 0; i < v.length; i++) {
            v[i] += (float) (0.3 * rnd.nextGaussian());
        }
        be.copyFromHost(v, params.values());
        return new Case(params, unet, random(rnd, rows * width), random(rnd, IMAGES * DIM), random(rnd, rows * width),
                random(rnd, rows * DIM), rows, width);
    }

    @ParameterizedTest(name = "patch size {0}")
    @ValueSource(ints = {1, 2, 4})
    void gradientsMatchFiniteDifferences(int k) {
        Case c = build(k, 17L + k);
        float[] dx;
        float[] dt;
        be.fill(c.params().grads(), 0f);
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            Var x = g.variable(upload(arena, c.x(), Shape.of(c.rows(), c.width())));
            Var t = g.variable(upload(arena, c.t(), Shape.of(IMAGES, DIM)));
            var enc = c.unet().encode(g, x, t);
            assertThat(enc.rows().value().shape()).isEqualTo(Shape.of(c.rows(), DIM));
            Var y = c.unet().decode(g, enc.rows(), enc);
            assertThat(y.value().shape()).isEqualTo(Shape.of(c.rows(), c.width()));
            // L's two terms: seeding both outputs sums their gradients where the paths meet.
            g.seed(y, upload(arena, c.r(), y.value().shape()));
            g.seed(enc.rows(), upload(arena, c.q(), enc.rows().value().shape()));
            g.backward();
            dx = host(x.grad());
            dt = host(t.grad());
        }
        assertClose(dx, numeric(c.x(), c::loss), "dL/dx");
        assertClose(dt, numeric(c.t(), c::loss), "dL/dtime");
        Random pick = new Random(k);
        float[] all = new float[(int) c.params().values().numel()];
        be.copyToHost(c.params().values(), all);
        for (Map.Entry<String, Parameters.Parameter> e : c.params().all().entrySet()) {
            Parameters.Parameter p = e.getValue();
            float[] grad = host(p.grad());
            for (int s = 0; s < 3; s++) { // three elements of each tensor keep the test to about a second
                int i = pick.nextInt((int) p.shape().numel());
                int at = (int) p.offset() + i;
                double numeric = central(all, at, () -> {
                    be.copyFromHost(all, c.params().values());
                    return c.loss();
                });
                be.copyFromHost(all, c.params().values());
                assertClose(new float[]{grad[i]}, new double[]{numeric}, "dL/d" + e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void itRefusesPatchSizesItCannotBuildAndGridsThatAreNotSquare() {
        assertThatThrownBy(() -> new UnetPatches(new Parameters(), 3, 18, 4, 8, 1e-5f))
                .hasMessageContaining("patch size must be 1, 2 or 4, found 3");
        assertThatThrownBy(() -> new UnetPatches(new Parameters(), 2, 6, 4, 8, 1e-5f))
                .hasMessageContaining("not k·k·C for k=2");
        Case c = build(1, 3);
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            assertThatThrownBy(() -> c.unet().encode(g, g.constant(upload(arena, new float[2 * 3 * CHANNELS],
                    Shape.of(2 * 3, CHANNELS))), g.constant(upload(arena, new float[2 * DIM], Shape.of(2, DIM)))))
                    .hasMessageContaining("square grid, found 3 patches per image");
        }
    }

    interface Loss {
        double at();
    }

    /**
     * Richardson-extrapolated central differences, {@code (4·D(h/2) − D(h)) / 3}: error O(h⁴), so a step large enough
     * for f32 rounding still resolves LayerNorm's curvature over a few channels.
     */
    private static double central(float[] v, int i, Loss loss) {
        return (4 * difference(v, i, 2e-3f, loss) - difference(v, i, 4e-3f, loss)) / 3;
    }

    private static double difference(float[] v, int i, float h, Loss loss) {
        float old = v[i];
        v[i] = old + h;
        double up = loss.at();
        v[i] = old - h;
        double down = loss.at();
        v[i] = old;
        return (up - down) / (2 * (double) h);
    }

    private static double[] numeric(float[] v, Loss loss) {
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            g[i] = central(v, i, loss);
        }
        return g;
    }

    private static void assertClose(float[] actual, double[] expected, String what) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            // f32 forward: extrapolated differences land within about 1e-3 of the gradient's size.
            double tol = 1e-2 * Math.max(1, Math.abs(expected[i]));
            assertThat((double) actual[i]).as(what + " [" + i + "]").isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(tol));
        }
    }

    private static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    private static Tensor upload(StepArena arena, float[] v, Shape s) {
        Tensor t = arena.allocate(DType.F32, s);
        be.copyFromHost(v, t);
        return t;
    }

    private static float[] host(Tensor t) {
        float[] f = new float[(int) t.numel()];
        be.copyToHost(t, f);
        return f;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
