package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The mixture-of-experts layer against an f64 reference written from {@link ExpertFeedForward}'s Javadoc,
 * {@code y[t] = Σ_(e takes t) gate · w2_e(silu(w1_e x_t) ⊙ w3_e x_t)}, with the routing recomputed from moma.md and the
 * router Javadoc ({@link MomaReference}): the output, and the gradient of {@code J = Σ w ⊙ y + Σ_aux scale · aux} with
 * respect to every parameter (router weights, every expert's w1, w3, w2) and to the input, the f32 analytic gradient
 * of {@link Graph#backward} against central differences of the f64 reference. The cases cover tokens taken by no
 * expert, by one and by several, idle experts (token choice past capacity, a batch without image tokens), padding,
 * the auxiliary balance and z-losses, and a modality group of one ungated expert. Inputs are chosen (by the reference
 * alone) so that every routing decision is clear of its boundary and finite differences do not flip it.
 */
class ExpertFeedForwardGradientTest extends CpuBackendTest {
    private static final int D = 4;
    private static final int H = 6;
    private static final double BALANCE_SCALE = 0.7;
    private static final double Z_SCALE = 1.3;
    private static final Routers ROUTERS = MomaFixtures.routers();

    /** The reference routing of hidden rows {@code x} (all the batch's rows) under parameter values {@code p}. */
    @FunctionalInterface
    interface RefRouter {
        MomaReference.Routed route(Map<String, double[]> p, double[] x);
    }

    /** Router weights and input of one attempt; parameters not named keep their random values. */
    @FunctionalInterface
    interface Data {
        void fill(SplittableRandom r, Map<String, double[]> p, double[] x);
    }

    /**
     * One configuration: the router spec, expert parameter prefixes in routing order, the batch (its layout feeds the
     * modality router), aux terms with their weights, the reference router, and what the routing must show.
     */
    record Case(String name, RouterSpec spec, List<String> experts, MixedBatch batch, Map<String, Double> aux,
                RefRouter ref, Data data, boolean wantNone, boolean wantOne, boolean wantMany, boolean wantIdle) {
        @Override
        public String toString() {
            return name;
        }

        int rows() {
            return batch.rows() * batch.length();
        }
    }

    /**
     * Modality routing, 2 text + 2 image experts, expert choice in each group (sigmoid, capacity 1) over {@code b};
     * {@code wantIdle}: some expert must take no row (the image group of a text-only batch).
     */
    private static Case modality2t2i(String name, MixedBatch b, boolean wantIdle) {
        return new Case(name, RouterSpec.of("modality"), concat(names("text", 2), names("image", 2)), b, Map.of(),
                (p, x) -> modality(b, x, new int[]{2, 2}, (m, xs) -> MomaReference.expertChoice(
                        MomaReference.logits(xs, xs.length / D, D, p.get(m == 0 ? "ffn.router.text" : "ffn.router.image"),
                                2), 2, false, 1, 1)),
                (r, p, x) -> {
                    fill(p.get("ffn.router.text"), MomaFixtures.uniform(r, 2 * D, -1.5, 1.5));
                    fill(p.get("ffn.router.image"), MomaFixtures.uniform(r, 2 * D, -1.5, 1.5));
                    fill(x, MomaFixtures.uniform(r, x.length, -1, 1));
                }, true, true, true, wantIdle);
    }

    private static List<String> names(String group, int n) {
        List<String> l = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            l.add("ffn.experts." + (group.isEmpty() ? "" : group + ".") + j);
        }
        return l;
    }

    private static MixedBatch textRow(int n) {
        return MomaFixtures.batch(1, n, new byte[n], new int[]{n});
    }

    /** Reference routing of a modality router: text then image group, padding in neither. */
    private static MomaReference.Routed modality(MixedBatch b, double[] x, int[] sizes,
                                                 java.util.function.BiFunction<Integer, double[], MomaReference.Routed> sub) {
        List<Map<Integer, Double>> per = new ArrayList<>();
        double margin = Double.POSITIVE_INFINITY;
        long dropped = 0;
        Map<String, Double> aux = new LinkedHashMap<>();
        String[] groups = {"text", "image"};
        for (int m = 0; m < 2; m++) {
            List<Integer> rows = new ArrayList<>();
            for (int r = 0; r < b.rows(); r++) {
                for (int t = 0; t < b.validLength()[r]; t++) {
                    if (b.modality()[r * b.length() + t] == m) {
                        rows.add(r * b.length() + t);
                    }
                }
            }
            if (sizes[m] == 1) {
                Map<Integer, Double> all = new LinkedHashMap<>();
                rows.forEach(i -> all.put(i, 1.0));
                per.add(all);
                continue;
            }
            if (rows.isEmpty()) {
                for (int e = 0; e < sizes[m]; e++) {
                    per.add(new LinkedHashMap<>());
                }
                continue;
            }
            double[] xs = new double[rows.size() * D];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(x, rows.get(i) * D, xs, i * D, D);
            }
            MomaReference.Routed local = sub.apply(m, xs);
            for (Map<Integer, Double> lm : local.perExpert()) {
                Map<Integer, Double> gm = new LinkedHashMap<>();
                lm.forEach((i, g) -> gm.put(rows.get(i), g));
                per.add(gm);
            }
            margin = Math.min(margin, local.margin());
            dropped += local.dropped();
            for (Map.Entry<String, Double> e : local.auxSums().entrySet()) {
                aux.put("ffn.router." + groups[m] + "." + e.getKey(), e.getValue());
            }
        }
        return new MomaReference.Routed(per, margin, dropped, aux);
    }

    private static Map<String, Double> prefixed(Map<String, Double> aux) {
        Map<String, Double> m = new LinkedHashMap<>();
        aux.forEach((k, v) -> m.put("ffn.router." + k, v));
        return m;
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();

        // Expert choice, sigmoid, c = 1: 3 experts each take ceil(8/3) = 3 of 8 rows.
        MixedBatch eight = textRow(8);
        cases.add(new Case("expert-choice sigmoid c=1", RouterSpec.of("expert-choice"), names("", 3), eight, Map.of(),
                (p, x) -> MomaReference.expertChoice(MomaReference.logits(x, 8, D, p.get("ffn.router"), 3), 3, false,
                        1, 1),
                (r, p, x) -> {
                    fill(p.get("ffn.router"), MomaFixtures.uniform(r, 3 * D, -1.5, 1.5));
                    fill(x, MomaFixtures.uniform(r, x.length, -1, 1));
                }, true, true, true, false));

        // Expert choice, softmax, c = 2: 3 experts each take ceil(14/3) = 5 of 7 rows.
        MixedBatch seven = textRow(7);
        cases.add(new Case("expert-choice softmax c=2", RouterSpec.of("expert-choice", "capacity", 2.0, "scores",
                "softmax"), names("", 3), seven, Map.of(),
                (p, x) -> MomaReference.expertChoice(MomaReference.logits(x, 7, D, p.get("ffn.router"), 3), 3, true,
                        2, 1),
                (r, p, x) -> {
                    fill(p.get("ffn.router"), MomaFixtures.uniform(r, 3 * D, -2, 2));
                    fill(x, MomaFixtures.uniform(r, x.length, -1, 1));
                }, false, true, true, false));

        // Token choice, top-2 of 4, capacity 3/4: an expert keeps ceil(0.75·8·2/4) = 3 of 8 rows; the last expert's
        // router row points away from every input (x[:, 0] > 0.8, w[3][0] = -3), so no row picks it; late rows lose
        // one or both experts to capacity. Balance and z-loss on.
        cases.add(new Case("token-choice top-2 capacity 0.75 + balance + z", RouterSpec.of("token-choice", "k", 2,
                "capacity", 0.75, "balance", 0.1, "zLoss", 0.05), names("", 4), eight,
                Map.of("ffn.router.balance", 0.1, "ffn.router.z", 0.05),
                (p, x) -> {
                    MomaReference.Routed r = MomaReference.tokenChoice(
                            MomaReference.logits(x, 8, D, p.get("ffn.router"), 4), 4, 2, 3, 4);
                    return new MomaReference.Routed(r.perExpert(), r.margin(), r.dropped(), prefixed(r.auxSums()));
                },
                (r, p, x) -> {
                    double[] w = MomaFixtures.uniform(r, 4 * D, -1.5, 1.5);
                    w[3 * D] = -3;
                    fill(p.get("ffn.router"), w);
                    fill(x, MomaFixtures.uniform(r, x.length, -1, 1));
                    for (int t = 0; t < 8; t++) {
                        x[t * D] = (float) r.nextDouble(0.8, 1.5);
                    }
                }, true, true, true, true));

        // Expert choice as moe-8x uses it, over a whole pass with padding: 2 rows of 5, valid 5 and 3. The group is
        // the 8 real tokens (k = ceil(8/3) = 3); padding is never routed.
        MixedBatch padded = MomaFixtures.batch(2, 5, new byte[10], new int[]{5, 3});
        int[] real = {0, 1, 2, 3, 4, 5, 6, 7};
        cases.add(new Case("expert-choice sigmoid c=1 over a padded pass", RouterSpec.of("expert-choice"),
                names("", 3), padded, Map.of(),
                (p, x) -> {
                    MomaReference.Routed local = MomaReference.expertChoice(MomaReference.logits(
                            Arrays.copyOf(x, real.length * D), real.length, D, p.get("ffn.router"), 3), 3, false, 1, 1);
                    return local; // the real tokens are rows 0..7, so local and global indices agree
                },
                (r, p, x) -> {
                    fill(p.get("ffn.router"), MomaFixtures.uniform(r, 3 * D, -1.5, 1.5));
                    fill(x, MomaFixtures.uniform(r, x.length, -1, 1));
                }, true, true, true, false));

        // Modality, 2 text + 2 image experts, expert choice in each group, over a mixed batch with padding:
        // row 0 = T T I I I T, row 1 = T I I T pad pad; 5 text and 5 image rows, k = ceil(5/2) = 3 per expert.
        byte[] mixed = {0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0};
        MixedBatch mixedBatch = MomaFixtures.batch(2, 6, mixed, new int[]{6, 4});
        cases.add(modality2t2i("modality 2t2i expert-choice, mixed batch with padding", mixedBatch, false));

        // The same router over a text-only batch with padding: the image group is empty, its experts and router idle.
        MixedBatch textOnly = MomaFixtures.batch(2, 5, new byte[10], new int[]{5, 3});
        cases.add(modality2t2i("modality 2t2i expert-choice, text-only batch with padding", textOnly, true));

        // Modality, 2 text experts under token choice (top-1, capacity 1/2 so an expert keeps ceil(0.5·5/2) = 2 of the
        // 5 text rows and at least one is dropped, balance + z) and 1 ungated image expert taking every image row.
        cases.add(new Case("modality 2t1i, token-choice text group, ungated image expert",
                RouterSpec.of("modality", "text", 2, "textRouter",
                        RouterSpec.of("token-choice", "k", 1, "capacity", 0.5, "balance", 0.05, "zLoss", 0.02)),
                concat(names("text", 2), names("image", 1)), mixedBatch,
                Map.of("ffn.router.text.balance", 0.05, "ffn.router.text.z", 0.02),
                (p, x) -> modality(mixedBatch, x, new int[]{2, 1}, (m, xs) -> MomaReference.tokenChoice(
                        MomaReference.logits(xs, xs.length / D, D, p.get("ffn.router.text"), 2), 2, 1, 1, 2)),
                (r, p, x) -> {
                    fill(p.get("ffn.router.text"), MomaFixtures.uniform(r, 2 * D, -1.5, 1.5));
                    fill(x, MomaFixtures.uniform(r, x.length, -1, 1));
                }, true, true, false, false));
        return cases.stream().map(Arguments::of);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private static void fill(double[] dst, double[] src) {
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    /** The reference objective {@code Σ w ⊙ y + Σ_aux gradScale · aux sum} and output {@code y}. */
    private static double objective(Case c, Map<String, double[]> p, double[] x, double[] w, double[] yOut) {
        MomaReference.Routed routed = c.ref().route(p, x);
        int n = c.rows();
        double[] y = yOut != null ? yOut : new double[n * D];
        Arrays.fill(y, 0);
        for (int e = 0; e < c.experts().size(); e++) {
            String pre = c.experts().get(e);
            for (Map.Entry<Integer, Double> en : routed.perExpert().get(e).entrySet()) {
                double[] out = MomaReference.swiglu(x, en.getKey() * D, D, H, p.get(pre + ".w1"), p.get(pre + ".w3"),
                        p.get(pre + ".w2"));
                for (int j = 0; j < D; j++) {
                    y[en.getKey() * D + j] += en.getValue() * out[j];
                }
            }
        }
        double j = 0;
        for (int i = 0; i < y.length; i++) {
            j += w[i] * y[i];
        }
        for (Map.Entry<String, Double> a : c.aux().entrySet()) {
            j += gradScale(a.getKey(), a.getValue()) * routed.auxSums().get(a.getKey());
        }
        return j;
    }

    /** The gradient scale the recording sink gives a term: its scale times its weight, as a float. */
    private static double gradScale(String term, double weight) {
        double s = term.endsWith(".balance") ? BALANCE_SCALE : term.endsWith(".z") ? Z_SCALE : 1;
        return (float) (s * weight);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void outputAndEveryGradientMatchTheReference(Case c) {
        int n = c.rows();
        Parameters params = new Parameters();
        Router router = ROUTERS.create(c.spec(), new RouterContext(params, "ffn.router", D, c.experts().size(), 0,
                0.5f, ROUTERS));
        ExpertFeedForward ffn = new ExpertFeedForward(params, "ffn", router, D, H, 0.5f);
        params.allocate(be, 11);

        // Every parameter the layer declared, by the names its Javadoc gives them.
        Map<String, double[]> p = new LinkedHashMap<>();
        for (String name : params.all().keySet()) {
            p.put(name, new double[(int) params.get(name).shape().numel()]);
        }
        List<String> expected = new ArrayList<>();
        for (String pre : c.experts()) {
            for (String m : List.of(".w1", ".w3", ".w2")) {
                expected.add(pre + m);
            }
        }
        assertThat(p.keySet()).containsAll(expected);
        assertThat(p.keySet().stream().filter(k -> !expected.contains(k))).allMatch(k -> k.startsWith("ffn.router"));

        // Inputs whose reference routing shows what the case is about, with every decision clear of its boundary.
        double[] x = new double[n * D];
        double[] w = null;
        MomaReference.Routed want = null;
        for (long seed = 0; seed < 200 && want == null; seed++) {
            SplittableRandom r = new SplittableRandom(seed * 977 + c.name().hashCode());
            for (Map.Entry<String, double[]> e : p.entrySet()) {
                double[] v = e.getKey().endsWith(".w2") ? MomaFixtures.uniform(r, e.getValue().length, -0.5, 0.5)
                        : MomaFixtures.uniform(r, e.getValue().length, -0.8, 0.8);
                fill(e.getValue(), v);
            }
            c.data().fill(r, p, x);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) x[i];
            }
            w = MomaFixtures.uniform(r, n * D, -1, 1);
            MomaReference.Routed routed = c.ref().route(p, x);
            int[] taken = validTaken(c, routed);
            boolean idle = routed.perExpert().stream().anyMatch(Map::isEmpty);
            if (routed.margin() > 2e-3
                    && (!c.wantNone() || Arrays.stream(taken).anyMatch(v -> v == 0))
                    && (!c.wantOne() || Arrays.stream(taken).anyMatch(v -> v == 1))
                    && (!c.wantMany() || Arrays.stream(taken).anyMatch(v -> v >= 2))
                    && (!c.wantIdle() || idle)) {
                want = routed;
            }
        }
        assertThat(want).as("inputs whose routing shows the case").isNotNull();
        for (Map.Entry<String, double[]> e : p.entrySet()) {
            MomaFixtures.set(be, params, e.getKey(), e.getValue());
        }

        MomaFixtures.RecordingSink sink = new MomaFixtures.RecordingSink()
                .scale(c.aux().keySet().stream().filter(t -> t.endsWith(".balance")).findFirst().orElse("-"),
                        BALANCE_SCALE)
                .scale(c.aux().keySet().stream().filter(t -> t.endsWith(".z")).findFirst().orElse("-"), Z_SCALE);
        double[] y;
        Map<String, double[]> grads = new LinkedHashMap<>();
        double[] dx;
        try (StepArena arena = be.newArena()) {
            be.fill(params.grads(), 0f);
            Graph g = new Graph(be, arena, true);
            TokenMeta tokens = TokenMeta.upload(be, arena, c.batch(), false);
            Tensor tx = arena.allocate(DType.F32, Shape.of(n, D));
            be.copyFromHost(floats(x), tx);
            Var in = g.variable(tx);
            Var out = ffn.forward(new ForwardPass(g, tokens, sink), in);
            y = MomaFixtures.get(be, out.value());
            Tensor tw = arena.allocate(DType.F32, out.value().shape());
            be.copyFromHost(floats(w), tw);
            g.seed(out, tw);
            g.backward();
            for (String name : p.keySet()) {
                grads.put(name, MomaFixtures.get(be, params.get(name).grad()));
            }
            dx = in.grad() == null ? new double[x.length] : MomaFixtures.get(be, in.grad());
        }

        // Output and routing statistics against the reference.
        double[] yRef = new double[n * D];
        objective(c, p, x, w, yRef);
        for (int i = 0; i < y.length; i++) {
            assertThat(y[i]).as("%s: y[%d]", c, i).isCloseTo(yRef[i], offset(1e-5 + 1e-5 * Math.abs(yRef[i])));
        }
        int[] taken = want.takenBy(n);
        for (int t = 0; t < n; t++) {
            if (taken[t] == 0) {
                for (int j = 0; j < D; j++) {
                    assertThat(y[t * D + j]).as("%s: row %d, taken by no expert, outputs 0", c, t).isZero();
                    if (c.aux().isEmpty()) {
                        // No gate, no auxiliary loss: nothing of J depends on this row.
                        assertThat(dx[t * D + j]).as("%s: dJ/dx of row %d, taken by no expert", c, t).isZero();
                    }
                }
            }
        }
        for (int e = 0; e < c.experts().size(); e++) {
            assertThat(sink.metrics.get("ffn.routing.tokens." + e)).as("%s: tokens of expert %d", c, e)
                    .isEqualTo((double) want.perExpert().get(e).size());
            // The modality split counts each taken row by the modality the batch gives it.
            long image = want.perExpert().get(e).keySet().stream()
                    .filter(row -> c.batch().modality()[row] == Modality.IMAGE.ordinal()).count();
            assertThat(sink.metrics.get("ffn.routing.tokens." + e + ".image")).as("%s: image tokens of expert %d", c, e)
                    .isEqualTo((double) image);
            assertThat(sink.metrics.get("ffn.routing.tokens." + e + ".text")).as("%s: text tokens of expert %d", c, e)
                    .isEqualTo((double) (want.perExpert().get(e).size() - image));
        }
        // Shares are over the valid rows: padding is in none of them.
        int[] validTaken = validTaken(c, want);
        assertThat(sink.metrics.get("ffn.routing.taken_none"))
                .isCloseTo(Arrays.stream(validTaken).filter(v -> v == 0).count() / (double) validTaken.length,
                        offset(1e-12));
        assertThat(sink.metrics.get("ffn.routing.taken_many"))
                .isCloseTo(Arrays.stream(validTaken).filter(v -> v >= 2).count() / (double) validTaken.length,
                        offset(1e-12));
        assertThat(sink.metrics.get("ffn.routing.dropped")).isEqualTo((double) want.dropped());
        // Auxiliary terms: each reported once, with its option's weight and the reference's sum over its rows.
        assertThat(sink.losses.keySet()).containsExactlyInAnyOrderElementsOf(c.aux().keySet());
        for (Map.Entry<String, Double> a : c.aux().entrySet()) {
            assertThat(sink.weights.get(a.getKey())).isEqualTo(a.getValue());
            assertThat(sink.losses.get(a.getKey()).sum()).as("%s: %s", c, a.getKey())
                    .isCloseTo(want.auxSums().get(a.getKey()), offset(1e-5 * (1 + Math.abs(want.auxSums().get(a.getKey())))));
        }

        // Every gradient against central differences of the f64 objective.
        double hStep = 1e-5;
        int checked = 0;
        for (Map.Entry<String, double[]> e : p.entrySet()) {
            double[] v = e.getValue();
            double[] analytic = grads.get(e.getKey());
            boolean idleExpert = isIdleExpert(c, want, e.getKey());
            for (int i = 0; i < v.length; i++) {
                double fd = centralDifference(c, p, x, w, v, i, hStep);
                if (idleExpert) {
                    assertThat(analytic[i]).as("%s: %s[%d] of an idle expert", c, e.getKey(), i).isZero();
                }
                assertThat(analytic[i]).as("%s: dJ/d%s[%d]", c, e.getKey(), i)
                        .isCloseTo(fd, offset(2e-3 * Math.abs(fd) + 2e-5));
                checked++;
            }
        }
        double routerGrad = 0;
        for (Map.Entry<String, double[]> e : grads.entrySet()) {
            if (e.getKey().startsWith("ffn.router")) {
                routerGrad = Math.max(routerGrad, Arrays.stream(e.getValue()).map(Math::abs).max().orElse(0));
            }
        }
        assertThat(routerGrad).as("%s: the router learns through its gates", c).isGreaterThan(1e-3);
        for (int i = 0; i < x.length; i++) {
            double fd = centralDifference(c, p, x, w, x, i, hStep);
            assertThat(dx[i]).as("%s: dJ/dx[%d]", c, i).isCloseTo(fd, offset(2e-3 * Math.abs(fd) + 2e-5));
            int row = i / D / c.batch().length();
            if (i / D % c.batch().length() >= c.batch().validLength()[row]) {
                assertThat(dx[i]).as("%s: padding row %d takes no gradient", c, i / D).isZero();
                assertThat(y[i]).as("%s: padding row %d outputs 0", c, i / D).isZero();
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(100);
    }

    /** How many experts take each row; padding rows count as taken by none but are not asked for. */
    private static int[] validTaken(Case c, MomaReference.Routed routed) {
        int[] all = routed.takenBy(c.rows());
        List<Integer> valid = new ArrayList<>();
        MixedBatch b = c.batch();
        for (int r = 0; r < b.rows(); r++) {
            for (int t = 0; t < b.validLength()[r]; t++) {
                valid.add(all[r * b.length() + t]);
            }
        }
        return valid.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Whether {@code param} belongs to an expert that takes no row, or to the router of a group with no row. */
    private static boolean isIdleExpert(Case c, MomaReference.Routed want, String param) {
        for (int e = 0; e < c.experts().size(); e++) {
            if (param.startsWith(c.experts().get(e) + ".") && want.perExpert().get(e).isEmpty()) {
                return true;
            }
        }
        MixedBatch b = c.batch();
        boolean anyImage = false;
        for (int r = 0; r < b.rows(); r++) {
            for (int t = 0; t < b.validLength()[r]; t++) {
                anyImage |= b.modality()[r * b.length() + t] == 1;
            }
        }
        return param.equals("ffn.router.image") && !anyImage;
    }

    private static double centralDifference(Case c, Map<String, double[]> p, double[] x, double[] w, double[] v, int i,
                                            double h) {
        double keep = v[i];
        v[i] = keep + h;
        double up = objective(c, p, x, w, null);
        v[i] = keep - h;
        double down = objective(c, p, x, w, null);
        v[i] = keep;
        return (up - down) / (2 * h);
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
