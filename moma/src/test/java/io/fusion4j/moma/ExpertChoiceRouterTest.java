package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.moma.routing.ExpertChoiceRouter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Expert-choice routing against a naive per-expert f64 reference ({@link MomaReference#expertChoice}): each expert's
 * rows and gates for sigmoid and softmax scores, {@code k = clamp(ceil(c·n/E), 1, n)} over several n, E and c
 * (including c = 2, n not divisible by E, and c·n/E an integer that floating point overshoots), ties to the lower
 * row, and the empty group.
 */
class ExpertChoiceRouterTest extends CpuBackendTest {
    private static final Routers ROUTERS = MomaFixtures.routers();

    /** A router of {@code experts} experts over width {@code dim} with weight {@code w [E, dim]}. */
    private record Built(Router router, Parameters params) {
    }

    private static Built build(String scores, double capacity, int dim, int experts, double[] w) {
        Parameters params = new Parameters();
        Router r = ROUTERS.create(RouterSpec.of("expert-choice", "capacity", capacity, "scores", scores),
                new RouterContext(params, "ffn.router", dim, experts, 0, 0.02f, ROUTERS));
        params.allocate(be, 3);
        MomaFixtures.set(be, params, "ffn.router", w);
        return new Built(r, params);
    }

    /** Routes {@code x [n, dim]} as one group (no layout), in an evaluation graph. */
    private static List<Map<Integer, Double>> route(Router r, double[] x, int n, int dim, int[] countsOut) {
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            TokenMeta any = TokenMeta.upload(be, arena,
                    MixedBatch.textOnly(1, 1, new int[1], new int[1], DataPosition.START), false);
            Tensor h = arena.allocate(DType.F32, Shape.of(n, dim));
            if (n > 0) {
                float[] f = new float[x.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) x[i];
                }
                be.copyFromHost(f, h);
            }
            Routing routing = r.route(new RouterInput(new ForwardPass(g, any, LossSink.NONE), g.constant(h), null));
            assertThat(routing.tokens()).isEqualTo(n);
            assertThat(routing.experts()).isEqualTo(r.experts());
            assertThat(routing.dropped()).isZero();
            if (countsOut != null) {
                System.arraycopy(routing.counts(), 0, countsOut, 0, countsOut.length);
            }
            return MomaFixtures.perExpert(be, routing);
        }
    }

    /** Asserts the routing took exactly the reference's rows per expert with its gates (order within an expert free). */
    private static void assertSameRouting(List<Map<Integer, Double>> got, List<Map<Integer, Double>> want, String what) {
        assertThat(got).as(what).hasSameSizeAs(want);
        for (int e = 0; e < want.size(); e++) {
            assertThat(new TreeMap<>(got.get(e)).keySet()).as("%s: rows of expert %d", what, e)
                    .containsExactlyElementsOf(new TreeMap<>(want.get(e)).keySet());
            for (Map.Entry<Integer, Double> en : want.get(e).entrySet()) {
                assertThat(got.get(e).get(en.getKey())).as("%s: gate of row %d under expert %d", what, en.getKey(), e)
                        .isCloseTo(en.getValue(), offset(2e-6));
            }
        }
    }

    @ParameterizedTest(name = "{0} n={1} E={2} c={3}/{4}")
    @CsvSource({
            // scores, n, E, c = num/den
            "sigmoid, 7, 3, 1, 1",     // ceil(7/3) = 3
            "sigmoid, 9, 3, 1, 1",     // exactly 3
            "sigmoid, 10, 4, 2, 1",    // c = 2: ceil(5) = 5
            "sigmoid, 5, 4, 2, 1",     // c = 2, ceil(2.5) = 3
            "sigmoid, 3, 4, 1, 1",     // ceil(0.75) = 1
            "sigmoid, 5, 2, 1, 10",    // ceil(0.25) = 1
            "sigmoid, 4, 2, 8, 1",     // ceil(16) clamped to n = 4
            "sigmoid, 1, 3, 1, 1",     // one row: every expert takes it
            "sigmoid, 13, 8, 1, 8",    // MoE-8x's c = 1/8 with E = 8: ceil(13/64) = 1
            "sigmoid, 27, 7, 7, 3",    // c·n/E = 9 exactly, which 7.0/3·27/7 overshoots in floating point
            "softmax, 7, 3, 1, 1",
            "softmax, 10, 4, 2, 1",
            "softmax, 5, 4, 2, 1",
            "softmax, 11, 3, 2, 1",    // c = 2, ceil(22/3) = 8
            "softmax, 3, 4, 1, 1",
            "softmax, 4, 2, 8, 1",
            "softmax, 27, 7, 7, 3",
    })
    void takesEachExpertsTopRowsAsTheReference(String scores, int n, int experts, long num, long den) {
        int dim = 5;
        boolean softmax = scores.equals("softmax");
        double c = (double) num / den;
        int k = MomaReference.expertChoiceK(num, den, n, experts);
        assertThat(ExpertChoiceRouter.capacity(c, n, experts)).as("k").isEqualTo(k);

        // The first seed whose reference routing leaves every expert's k-th and (k+1)-th score clearly apart, so f32
        // rounding cannot decide the choice.
        for (long seed = 0; ; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed * 31 + n * 7L + experts);
            double[] x = MomaFixtures.uniform(rnd, n * dim, -1.5, 1.5);
            double[] w = MomaFixtures.uniform(rnd, experts * dim, -1, 1);
            MomaReference.Routed want = MomaReference.expertChoice(MomaReference.logits(x, n, dim, w, experts),
                    experts, softmax, num, den);
            if (want.margin() < 1e-4) {
                assertThat(seed).as("a seed with separated scores").isLessThan(50);
                continue;
            }
            int[] counts = new int[experts];
            List<Map<Integer, Double>> got = route(build(scores, c, dim, experts, w).router(), x, n, dim, counts);
            assertThat(counts).containsOnly(k);
            assertSameRouting(got, want.perExpert(), scores + " seed " + seed);
            return;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "softmax"})
    void tiedScoresGoToTheLowerRow(String scores) {
        int experts = 3;
        int dim = 4;
        int n = 7;
        // Zero router weights: every score is the same (1/2 for sigmoid, 1/E for softmax), so with k = ceil(7/3) = 3
        // each expert takes rows 0, 1, 2.
        List<Map<Integer, Double>> got = route(build(scores, 1.0, dim, experts, new double[experts * dim]).router(),
                MomaFixtures.uniform(new SplittableRandom(4), n * dim, -1, 1), n, dim, null);
        double gate = scores.equals("sigmoid") ? 0.5 : 1.0 / experts;
        for (int e = 0; e < experts; e++) {
            assertThat(new TreeMap<>(got.get(e)).keySet()).as("expert %d", e).containsExactly(0, 1, 2);
            assertThat(got.get(e).values()).allSatisfy(v -> assertThat(v).isCloseTo(gate, offset(1e-7)));
        }
    }

    @ParameterizedTest(name = "{0} c={1}/{2}")
    @CsvSource({
            // scores, c = num/den, then the rows experts 0 and 1 must take
            "sigmoid, 1, 1, 0 1 2 5, 0 2 3 5",
            "sigmoid, 1, 2, 0 2, 2 3",
            "softmax, 1, 1, 1 2 4 6, 0 2 3 5",
            "softmax, 1, 2, 1 4, 0 3",
    })
    void duplicatedRowsAtTheCapacityBoundaryGoToTheLowerRow(String scores, long num, long den, String rows0,
                                                            String rows1) {
        // Identity router weight: the logits are the hidden rows. Rows 1, 4 and 6 are one row repeated, and so are
        // rows 0 and 5. With k = ceil(c·7/2) = 4 (c = 1) or 2 (c = 1/2):
        //  - sigmoid, expert 0 ranks 2 (1.3), 0 = 5 (0.4), 1 = 4 = 6 (0.2), 3: k = 2 cuts the pair 0 = 5 and k = 4
        //    the triple 1 = 4 = 6, each keeping the lower rows; expert 1 ranks 3 (1.6), 2 (1.1), 0 = 5 (0.9), ...
        //  - softmax over 2 experts ranks rows by z0 − z1 for expert 0: 1 = 4 = 6 (0.5), 2 (0.2), 0 = 5 (−0.5), 3
        //    (−2.1), so k = 2 cuts the triple; expert 1 the reverse, and k = 2 cuts the pair 0 = 5.
        int experts = 2;
        double[][] hidden = {
                {0.4, 0.9},   // 0 = 5
                {0.2, -0.3},  // 1 = 4 = 6
                {1.3, 1.1},   // 2
                {-0.5, 1.6},  // 3
                {0.2, -0.3},  // 4
                {0.4, 0.9},   // 5
                {0.2, -0.3},  // 6
        };
        int n = hidden.length;
        double[] x = new double[n * experts];
        for (int t = 0; t < n; t++) {
            System.arraycopy(hidden[t], 0, x, t * experts, experts);
        }
        double[] identity = {1, 0, 0, 1};
        MomaReference.Routed want = MomaReference.expertChoice(MomaReference.logits(x, n, experts, identity, experts),
                experts, scores.equals("softmax"), num, den);
        List<Map<Integer, Double>> got = route(build(scores, (double) num / den, experts, experts, identity).router(),
                x, n, experts, null);
        assertSameRouting(got, want.perExpert(), scores);
        assertThat(new TreeMap<>(got.get(0)).keySet()).containsExactlyElementsOf(ints(rows0));
        assertThat(new TreeMap<>(got.get(1)).keySet()).containsExactlyElementsOf(ints(rows1));
    }

    private static List<Integer> ints(String spaced) {
        return java.util.Arrays.stream(spaced.trim().split(" +")).map(Integer::valueOf).toList();
    }

    @Test
    void duplicatedRowsStraddlingTheBoundaryKeepTheLowerOneWhateverTheirOrder() {
        // The same hidden row at positions 0 and 5 and a higher one at 3: with k = 2 one expert takes 3 and the lower
        // duplicate 0, never 5, even though 5 came later and comes first in no scan from the end.
        int experts = 2;
        int dim = 3;
        int n = 6;
        SplittableRandom rnd = new SplittableRandom(9);
        double[] x = MomaFixtures.uniform(rnd, n * dim, -0.3, 0.3);
        double[] high = {1.0, 1.0, 1.0};
        double[] dup = {0.8, 0.7, 0.9};
        System.arraycopy(high, 0, x, 3 * dim, dim);
        System.arraycopy(dup, 0, x, 0, dim);
        System.arraycopy(dup, 0, x, 5 * dim, dim);
        double[] w = {1, 1, 1, 0.5, 0.5, 0.5}; // both experts rank rows by their sum
        // c = 2/3: k = ceil(2/3 · 6 / 2) = 2.
        List<Map<Integer, Double>> got = route(build("sigmoid", 2.0 / 3, dim, experts, w).router(), x, n, dim, null);
        for (int e = 0; e < experts; e++) {
            assertThat(new TreeMap<>(got.get(e)).keySet()).as("expert %d", e).containsExactly(0, 3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "softmax"})
    void anEmptyGroupRoutesNothing(String scores) {
        int experts = 4;
        int dim = 3;
        assertThat(ExpertChoiceRouter.capacity(1.0, 0, experts)).isZero();
        Router r = build(scores, 2.0, dim, experts, MomaFixtures.uniform(new SplittableRandom(1), experts * dim, -1, 1))
                .router();
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            TokenMeta any = TokenMeta.upload(be, arena,
                    MixedBatch.textOnly(1, 1, new int[1], new int[1], DataPosition.START), false);
            Tensor h = arena.allocate(DType.F32, Shape.of(0, dim));
            Routing routing = r.route(new RouterInput(ForwardPass.of(g, any), g.variable(h), null));
            assertThat(routing.tokens()).isZero();
            assertThat(routing.counts()).containsExactly(0, 0, 0, 0);
            assertThat(routing.assignments()).isZero();
            assertThat(MomaFixtures.ints(be, routing.offsets())).containsExactly(0, 0, 0, 0, 0);
            assertThat(routing.gates() == null || routing.gates().value().numel() == 0).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "softmax"})
    void givenTheLayoutPaddingIsNeitherRoutedNorCounted(String scores) {
        // A moe-8x layer routes the whole pass with its layout: 2 rows of 5, the second valid for 2 positions, so 7
        // real tokens. Padding must not be routed (Router's contract, moma.md §9: padded positions take no part in EC)
        // and the group is the 7 tokens: k = ceil(7/3) = 3, not ceil(10/3) = 4. The padding rows' hidden states are
        // made the ones every expert would like most.
        int experts = 3;
        int dim = 4;
        MixedBatch b = MomaFixtures.batch(2, 5, new byte[10], new int[]{5, 2});
        SplittableRandom rnd = new SplittableRandom(12);
        double[] w = MomaFixtures.uniform(rnd, experts * dim, 0.2, 1);
        double[] x = MomaFixtures.uniform(rnd, 10 * dim, -1, 1);
        for (int row = 7; row < 10; row++) {
            java.util.Arrays.fill(x, row * dim, row * dim + dim, 2.0);
        }
        int[] valid = {0, 1, 2, 3, 4, 5, 6};
        double[] xv = java.util.Arrays.copyOf(x, 7 * dim);
        MomaReference.Routed want = MomaReference.expertChoice(MomaReference.logits(xv, 7, dim, w, experts), experts,
                scores.equals("softmax"), 1, 1);
        assertThat(want.margin()).isGreaterThan(1e-4);
        Router r = build(scores, 1.0, dim, experts, w).router();
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            TokenMeta tokens = TokenMeta.upload(be, arena, b, false);
            Tensor h = arena.allocate(DType.F32, Shape.of(10, dim));
            float[] f = new float[x.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) x[i];
            }
            be.copyFromHost(f, h);
            Routing routing = r.route(new RouterInput(new ForwardPass(g, tokens, LossSink.NONE), g.constant(h), tokens));
            assertThat(routing.tokens()).isEqualTo(10);
            assertThat(routing.counts()).containsOnly(3);
            List<Map<Integer, Double>> got = MomaFixtures.perExpert(be, routing);
            for (Map<Integer, Double> m : got) {
                assertThat(m.keySet()).isSubsetOf(java.util.Arrays.stream(valid).boxed().toList());
            }
            assertSameRouting(got, want.perExpert(), scores); // the valid rows are rows 0..6, so indices agree
        }
    }

    @Test
    void isNotCausalAndRoutesToOneUnnamedGroup() {
        Router r = build("sigmoid", 1.0, 2, 3, new double[6]).router();
        assertThat(r.causal()).isFalse();
        assertThat(r.experts()).isEqualTo(3);
        assertThat(r.groups()).singleElement().satisfies(gr -> {
            assertThat(gr.name()).isEmpty();
            assertThat(gr.experts()).isEqualTo(3);
        });
    }
}
