package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * The autograd group of the conformance kit: every backend runs the graph ops through its own kernels. Every
 * differentiable op added for the mixture and diffusion models, checked by central differences: the loss is
 * {@code Σ w ⊙ op(inputs)} for fixed random {@code w} (or the op's own summed loss), its analytic gradient with
 * respect to every input element is compared with {@code (L(x + h) - L(x - h)) / 2h} of the same f32 forward.
 * One op is defined here, outside {@code api.autograd}, through {@link Graph#op}: the public way other modules add
 * ops.
 */
public abstract class AutogradConformance extends DecoderConformance {
    /** An input of the op under test: host values and shape. */
    private record In(float[] values, Shape shape) {
    }

    private In in(SplittableRandom r, double lo, double hi, long... dims) {
        Shape s = Shape.of(dims);
        float[] v = new float[(int) s.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(lo, hi);
        }
        return new In(v, s);
    }

    private Tensor upload(float[] v, Shape s) {
        Tensor t = backend.allocate(DType.F32, s);
        backend.copyFromHost(v, t);
        return t;
    }

    private Tensor ints(int... v) {
        Tensor t = backend.allocate(DType.I32, Shape.of(v.length));
        backend.copyFromHost(v, t);
        return t;
    }

    /** The loss the op defines for the given inputs: a weighted sum of its output, or a summed loss op's value. */
    @FunctionalInterface
    private interface LossFn {
        double apply(Graph g, List<Var> vars);
    }

    /** Loss = Σ w ⊙ f(vars) with w seeded from {@code seed}; seeds w as the output gradient when recording. */
    private LossFn weighted(long seed, BiFunction<Graph, List<Var>, Var> f) {
        return (g, vars) -> {
            Var out = f.apply(g, vars);
            float[] o = new float[(int) out.value().numel()];
            backend.copyToHost(out.value(), o);
            SplittableRandom r = new SplittableRandom(seed);
            float[] w = new float[o.length];
            double s = 0;
            for (int i = 0; i < o.length; i++) {
                w[i] = (float) r.nextDouble(-1, 1);
                s += (double) w[i] * o[i];
            }
            if (g.recordsGradients() && out.requiresGrad()) {
                g.seed(out, upload(w, out.value().shape()));
            }
            return s;
        };
    }

    private double evaluate(LossFn fn, List<In> inputs, int which, int k, double h) {
        try (StepArena arena = backend.newArena()) {
            Graph g = new Graph(backend, arena, false);
            List<Var> vars = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                float[] v = inputs.get(i).values().clone();
                if (i == which) {
                    v[k] += (float) h;
                }
                vars.add(g.constant(upload(v, inputs.get(i).shape())));
            }
            return fn.apply(g, vars);
        }
    }

    /** Compares every input element's analytic gradient with central differences. */
    private void check(String op, LossFn fn, In... inputs) {
        List<In> list = List.of(inputs);
        try (StepArena arena = backend.newArena()) {
            Graph g = new Graph(backend, arena, true);
            List<Var> vars = new ArrayList<>();
            for (In i : list) {
                vars.add(g.variable(upload(i.values(), i.shape())));
            }
            fn.apply(g, vars);
            g.backward();
            for (int i = 0; i < list.size(); i++) {
                float[] grad = new float[list.get(i).values().length];
                Tensor gt = vars.get(i).grad();
                assertThat(gt).as("%s: input %d received no gradient", op, i).isNotNull();
                backend.copyToHost(gt, grad);
                double h = precision() == io.fusion4j.api.backend.Precision.BF16 ? 0.125 : 1e-2;
                double[] fd = new double[grad.length];
                for (int k = 0; k < grad.length; k++) {
                    fd[k] = (evaluate(fn, list, i, k, h) - evaluate(fn, list, i, k, -h)) / (2 * h);
                }
                double scale = rms(fd);
                for (int k = 0; k < grad.length; k++) {
                    assertThat((double) grad[k]).as("%s: d loss / d input%d[%d]", op, i, k)
                            .isCloseTo(fd[k], offset(throughProducts(2e-3 + 2e-3 * Math.abs(fd[k]), fd[k], scale)));
                }
            }
        }
    }

    @Test
    void autogradSigmoid() {
        SplittableRandom r = new SplittableRandom(1);
        check("sigmoid", weighted(11, (g, v) -> g.sigmoid(v.get(0))), in(r, -3, 3, 3, 5));
    }

    @Test
    void autogradScale() {
        SplittableRandom r = new SplittableRandom(2);
        check("scale", weighted(12, (g, v) -> g.scale(v.get(0), -1.75f)), in(r, -1, 1, 4, 3));
    }

    @Test
    void autogradMulOfEqualShapesAndRowBroadcast() {
        SplittableRandom r = new SplittableRandom(3);
        check("mul", weighted(13, (g, v) -> g.mul(v.get(0), v.get(1))), in(r, -1, 1, 3, 4), in(r, -1, 1, 3, 4));
        check("mul (row broadcast)", weighted(14, (g, v) -> g.mul(v.get(0), v.get(1))), in(r, -1, 1, 5, 4),
                in(r, -1, 1, 4));
        // One row [1, C] times [C]: a broadcast by shape although the element counts agree.
        check("mul (one-row broadcast)", weighted(21, (g, v) -> g.mul(v.get(0), v.get(1))), in(r, -1, 1, 1, 4),
                in(r, -1, 1, 4));
    }

    @Test
    void autogradMulRowsGatesEveryRowAndLearnsTheGates() {
        SplittableRandom r = new SplittableRandom(4);
        check("mulRows", weighted(15, (g, v) -> g.mulRows(v.get(0), v.get(1))), in(r, -1, 1, 5, 3), in(r, 0, 1, 5));
    }

    @Test
    void autogradTransposeSoftmaxAndTopKForRouters() {
        SplittableRandom r = new SplittableRandom(11);
        check("transpose", weighted(31, (g, v) -> g.transpose(v.get(0))), in(r, -1, 1, 5, 3));
        check("softmax", weighted(32, (g, v) -> g.softmax(v.get(0))), in(r, -2, 2, 4, 6));
        // Well-separated values (a permutation of spaced levels) so finite differences never reorder the top k.
        float[] spaced = new float[4 * 6];
        for (int row = 0; row < 4; row++) {
            int[] perm = {3, 0, 5, 1, 4, 2};
            for (int c = 0; c < 6; c++) {
                spaced[row * 6 + c] = 0.5f * perm[(c + row) % 6] - 1f;
            }
        }
        Tensor idx = backend.allocate(io.fusion4j.api.tensor.DType.I32, Shape.of(4, 3));
        check("topK", weighted(33, (g, v) -> g.topK(v.get(0), 3, idx)), new In(spaced, Shape.of(4, 6)));
    }

    @Test
    void autogradGatherRowsWithRepeatsAndSkippedRows() {
        SplittableRandom r = new SplittableRandom(5);
        Tensor idx = ints(3, 0, 3, 1); // row 2 never picked, row 3 twice
        check("gatherRows", weighted(16, (g, v) -> g.gatherRows(v.get(0), idx)), in(r, -1, 1, 4, 3));
    }

    @Test
    void autogradScatterAddRowsWithGatesAndWithout() {
        SplittableRandom r = new SplittableRandom(6);
        Tensor idx = ints(2, 0, 2, 5, 1);
        check("scatterAddRows (gated)", weighted(17, (g, v) -> g.scatterAddRows(v.get(0), idx, v.get(1), 6)),
                in(r, -1, 1, 5, 3), in(r, 0, 1, 5));
        check("scatterAddRows", weighted(18, (g, v) -> g.scatterAddRows(v.get(0), idx, null, 6)), in(r, -1, 1, 5, 3));
    }

    @Test
    void autogradGroupedLinearWithAnEmptyGroupAndTrailingRows() {
        SplittableRandom r = new SplittableRandom(7);
        // 7 rows, groups [0,3) [3,3) [3,6); row 6 is past offsets[G] and must get zero output and zero gradient.
        Tensor offsets = ints(0, 3, 3, 6);
        LossFn fn = weighted(19, (g, v) -> g.groupedLinear(v.get(0), v.get(1), offsets));
        check("groupedLinear", fn, in(r, -1, 1, 7, 4), in(r, -1, 1, 3, 5, 4));
    }

    /**
     * Groups that take every row, said on the host (rows gathered by a routing): nothing is zero-filled first, so the
     * kernels must write every row of the output and of the input gradient themselves.
     */
    @Test
    void autogradGroupedLinearOverEveryRowKnownOnTheHost() {
        SplittableRandom r = new SplittableRandom(11);
        Tensor offsets = ints(0, 3, 3, 7);
        LossFn fn = weighted(20, (g, v) -> g.groupedLinear(v.get(0), v.get(1), offsets, 7));
        check("groupedLinear (every row grouped)", fn, in(r, -1, 1, 7, 4), in(r, -1, 1, 3, 5, 4));
        try (StepArena arena = backend.newArena()) {
            Graph g = new Graph(backend, arena, true);
            Var x = g.constant(upload(new float[28], Shape.of(7, 4)));
            Var w = g.constant(upload(new float[60], Shape.of(3, 5, 4)));
            assertThatThrownBy(() -> g.groupedLinear(x, w, offsets, 8))
                    .hasMessageContaining("the groups take 8 rows, but x has 7");
        }
    }

    @Test
    void autogradStackedExpertParametersFeedGroupedLinearAndKeepTheirOwnGradients() {
        Parameters params = new Parameters();
        for (int e = 0; e < 3; e++) {
            params.declare("experts." + e + ".w1", Shape.of(5, 4), new Parameters.Init.Normal(0.5f), true);
        }
        params.allocate(backend, 8);
        Parameters.Parameter stacked = params.stack("experts.0.w1", "experts.1.w1", "experts.2.w1");
        assertThat(stacked.shape()).isEqualTo(Shape.of(3, 5, 4));
        SplittableRandom r = new SplittableRandom(10);
        In x = in(r, -1, 1, 6, 4);
        Tensor offsets = ints(0, 2, 2, 6); // expert 1 takes no row
        try (StepArena arena = backend.newArena()) {
            backend.fill(params.grads(), 0f);
            Graph g = new Graph(backend, arena, true);
            Var y = g.groupedLinear(g.constant(upload(x.values(), x.shape())), g.param(stacked), offsets);
            float[] out = new float[30];
            backend.copyToHost(y.value(), out);
            float[] w2 = new float[20];
            backend.copyToHost(params.get("experts.2.w1").value(), w2);
            double row2 = 0; // row 2 goes through expert 2: out[2][0] = x[2] · w2[0]
            for (int i = 0; i < 4; i++) {
                row2 += (double) x.values()[2 * 4 + i] * w2[i];
            }
            assertThat((double) out[2 * 5]).isCloseTo(row2, offset(throughProducts(1e-5, row2, rms(out))));
            g.seed(y, upload(new float[30], Shape.of(6, 5)));
            g.backward();
        }
        assertThatThrownBy(() -> params.stack("experts.0.w1", "experts.2.w1"))
                .hasMessageContaining("must have shape [5, 4] and be declared right after 'experts.0.w1'");
    }

    @Test
    void autogradLossOps() {
        SplittableRandom r = new SplittableRandom(8);
        In target = in(r, -1, 1, 3, 4);
        check("mse", (g, v) -> g.mse(v.get(0), upload(target.values(), target.shape()), 1f).sum(), in(r, -1, 1, 3, 4));
        // With gradient scale 0.25 the gradient is that of a quarter of the summed loss.
        check("mse (scaled)", (g, v) -> 0.25 * g.mse(v.get(0), upload(target.values(), target.shape()), 0.25f).sum(),
                in(r, -1, 1, 3, 4));
        In labels = in(r, 0, 1, 2, 5);
        check("binaryCrossEntropy", (g, v) -> g.binaryCrossEntropy(v.get(0), upload(labels.values(), labels.shape()), 1f)
                .sum(), in(r, -3, 3, 2, 5));
        check("binaryCrossEntropy (scaled)", (g, v) -> 3 * g.binaryCrossEntropy(v.get(0),
                upload(labels.values(), labels.shape()), 3f).sum(), in(r, -3, 3, 2, 5));
        Tensor tg = ints(2, -1, 0, 4);
        check("crossEntropySum", (g, v) -> g.crossEntropySum(v.get(0), tg, 1e-2f, 1f).sum(), in(r, -2, 2, 4, 5));
    }

    @Test
    void autogradLossOpsCountTheirTargetsAndScaleTheirGradient() {
        try (StepArena arena = backend.newArena()) {
            Graph g = new Graph(backend, arena, true);
            Var logits = g.variable(upload(new float[]{0, 0, 0, 1, 2, 3}, Shape.of(2, 3)));
            LossValue ce = g.crossEntropySum(logits, ints(-1, 2), 0f, 0.5f);
            // Row 1: lse(1,2,3) - 3 = log(e^-2 + e^-1 + 1).
            assertThat(ce.count()).isEqualTo(1);
            assertThat(ce.sum()).isCloseTo(Math.log(Math.exp(-2) + Math.exp(-1) + 1), offset(1e-6));
            g.backward();
            float[] d = new float[6];
            backend.copyToHost(logits.grad(), d);
            assertThat(d[0]).isZero();
            double p2 = 1 / (Math.exp(-2) + Math.exp(-1) + 1);
            assertThat((double) d[5]).isCloseTo(0.5 * (p2 - 1), offset(1e-6));
        }
    }

    @Test
    void autogradDetachStopsTheGradient() {
        try (StepArena arena = backend.newArena()) {
            Graph g = new Graph(backend, arena, true);
            Var x = g.variable(upload(new float[]{1, 2, 3}, Shape.of(1, 3)));
            Var y = g.mul(x, g.detach(x)); // d/dx of x·stop(x) = stop(x), not 2x
            g.seed(y, upload(new float[]{1, 1, 1}, Shape.of(1, 3)));
            g.backward();
            float[] d = new float[3];
            backend.copyToHost(x.grad(), d);
            assertThat(d).containsExactly(1f, 2f, 3f);
        }
    }

    /** An op written outside api.autograd: silu through the public {@link Graph#op}. */
    private Var externalSilu(Graph g, Var x) {
        Tensor y = g.arena().allocate(DType.F32, x.value().shape());
        g.backend().silu(x.value(), y);
        return g.op(y, (dy, grads) -> grads.accumulate(x, dx -> g.backend().siluBackward(x.value(), dy, dx)), x);
    }

    @Test
    void autogradAnOpDefinedOutsideTheAutogradPackageTrains() {
        SplittableRandom r = new SplittableRandom(9);
        check("external silu", weighted(20, (g, v) -> externalSilu(g, g.mul(v.get(0), v.get(0)))), in(r, -2, 2, 3, 4));
    }

    @Test
    void autogradFrozenParametersTakeNoGradientRecordNothingAndStayPut() {
        Parameters params = new Parameters();
        params.declare("a", Shape.of(3, 4), new Parameters.Init.Normal(0.5f), true);
        params.declare("b", Shape.of(2, 3), new Parameters.Init.Normal(0.5f), true);
        params.allocate(backend, 3);
        assertThat(params.freeze(n -> n.equals("a"))).isEqualTo(1);
        float[] before = new float[12];
        backend.copyToHost(params.get("a").value(), before);
        AdamW opt = new AdamW(backend, params, 0.9f, 0.95f, 1e-8f, 0.1f, 0);
        try (StepArena arena = backend.newArena()) {
            Tensor x = upload(new float[]{1, -1, 2, 0.5f, 0, 1, -2, 1}, Shape.of(2, 4));
            Graph g = new Graph(backend, arena, true);
            Var h = g.linear(g.constant(x), g.param(params.get("a")));
            assertThat(g.tapeLength()).as("an op of constants and frozen parameters records no backward").isZero();
            Var y = g.linear(h, g.param(params.get("b")));
            assertThat(g.tapeLength()).isEqualTo(1);
            g.seed(y, upload(new float[]{1, 1, 1, 1}, Shape.of(2, 2)));
            backend.fill(params.grads(), 0f);
            g.backward();
            float[] ga = new float[12];
            backend.copyToHost(params.get("a").grad(), ga);
            assertThat(ga).containsOnly(0f);
            assertThat(backend.squaredNorm(params.get("b").grad())).isPositive();
            opt.step(0.1);
        }
        float[] after = new float[12];
        backend.copyToHost(params.get("a").value(), after);
        assertThat(after).containsExactly(before);
        assertThat(params.unfreeze(n -> true)).isEqualTo(1);
        assertThat(params.get("a").trainable()).isTrue();
    }

    /**
     * AdamW updates runs of neighbouring parameters in one kernel call each: a frozen parameter between two that
     * decay, and one without decay, must still get exactly their own updates (f64 AdamW per parameter, with clipping).
     */
    @Test
    void autogradAdamWUpdatesEveryParameterByItsOwnRule() {
        Parameters params = new Parameters();
        String[] names = {"w0", "norm", "w1", "frozen", "w2"};
        boolean[] decay = {true, false, true, true, true};
        int[] sizes = {12, 4, 6, 5, 7};
        for (int i = 0; i < names.length; i++) {
            params.declare(names[i], Shape.of(sizes[i]), new Parameters.Init.Normal(0.5f), decay[i]);
        }
        params.allocate(backend, 12);
        params.freeze(n -> n.equals("frozen"));
        SplittableRandom r = new SplittableRandom(13);
        float[] grads = new float[(int) params.count()];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = (float) r.nextDouble(-1, 1);
        }
        float[] before = new float[grads.length];
        backend.copyToHost(params.values(), before);
        double clip = 0.5; // below the norm, so the gradient is scaled
        AdamW opt = new AdamW(backend, params, 0.9f, 0.95f, 1e-8f, 0.1f, clip);
        float lr = 0.01f;
        backend.copyFromHost(grads, params.grads());
        double norm = opt.step(lr);
        double ss = 0;
        for (float g : grads) {
            ss += (double) g * g;
        }
        assertThat(norm).isCloseTo(Math.sqrt(ss), offset(1e-6));
        float[] after = new float[grads.length];
        backend.copyToHost(params.values(), after);
        int off = 0;
        for (int i = 0; i < names.length; i++) {
            double[] p = new double[sizes[i]];
            double[] g = new double[sizes[i]];
            for (int j = 0; j < sizes[i]; j++) {
                p[j] = before[off + j];
                g[j] = grads[off + j];
            }
            if (!names[i].equals("frozen")) {
                io.fusion4j.tck.Reference.adamw(p, g, new double[sizes[i]], new double[sizes[i]], lr, 0.9, 0.95, 1e-8,
                        decay[i] ? 0.1 : 0, 1, clip / Math.sqrt(ss));
            }
            for (int j = 0; j < sizes[i]; j++) {
                assertThat((double) after[off + j]).as("%s[%d]", names[i], j).isCloseTo(p[j], offset(1e-6));
            }
            off += sizes[i];
        }
    }
}
