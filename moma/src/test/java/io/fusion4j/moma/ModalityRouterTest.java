package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.data.Modality;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * MoMa's modality split (moma.md §1.2 step 1, §10.3): on random mixed batches with padding, no text row reaches an
 * image expert and no image row a text expert, padding reaches none, each group's routing is its sub-router's over
 * that modality's rows alone (checked against the f64 reference), and a group of one expert takes every row of its
 * modality with weight 1 (no gates at all when both groups are single experts).
 */
class ModalityRouterTest extends CpuBackendTest {
    private static final int D = 4;
    private static final Routers ROUTERS = MomaFixtures.routers();

    /** A sub-router choice and how the reference computes it. */
    private record Sub(RouterSpec spec, boolean expertChoice, boolean softmax, long num, long den, int k) {
        static Sub ec(long num, long den, boolean softmax) {
            return new Sub(RouterSpec.of("expert-choice", "capacity", (double) num / den, "scores",
                    softmax ? "softmax" : "sigmoid"), true, softmax, num, den, 0);
        }

        static Sub tc(int k, long num, long den) {
            return new Sub(RouterSpec.of("token-choice", "k", k, "capacity", num == 0 ? 0.0 : (double) num / den),
                    false, true, num, den, k);
        }

        MomaReference.Routed reference(double[][] z, int experts) {
            return expertChoice ? MomaReference.expertChoice(z, experts, softmax, num, den)
                    : MomaReference.tokenChoice(z, experts, k, num, den);
        }
    }

    private record Built(Router router, Parameters params) {
    }

    private static Built build(int experts, int text, Sub textSub, Sub imageSub, long seed) {
        Parameters params = new Parameters();
        RouterSpec spec = RouterSpec.of("modality", "text", text, "textRouter", textSub.spec(), "imageRouter",
                imageSub.spec());
        Router r = ROUTERS.create(spec, new RouterContext(params, "ffn.router", D, experts, 0, 1.0f, ROUTERS));
        params.allocate(be, seed);
        return new Built(r, params);
    }

    private record Result(Routing routing, List<Map<Integer, Double>> perExpert, boolean gated, int[] offsets) {
    }

    private static Result route(Router r, MixedBatch b, double[] x) {
        int n = b.rows() * b.length();
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            TokenMeta tokens = TokenMeta.upload(be, arena, b, false);
            Tensor h = arena.allocate(DType.F32, Shape.of(n, D));
            float[] f = new float[x.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) x[i];
            }
            be.copyFromHost(f, h);
            Routing routing = r.route(new RouterInput(new ForwardPass(g, tokens, LossSink.NONE), g.constant(h), tokens));
            assertThat(routing.tokens()).isEqualTo(n);
            return new Result(routing, MomaFixtures.perExpert(be, routing), routing.gates() != null,
                    MomaFixtures.ints(be, routing.offsets()));
        }
    }

    /** Valid rows of modality {@code m}, ascending. */
    private static List<Integer> rowsOf(MixedBatch b, int m) {
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < b.rows(); r++) {
            for (int t = 0; t < b.validLength()[r]; t++) {
                if (b.modality()[r * b.length() + t] == m) {
                    rows.add(r * b.length() + t);
                }
            }
        }
        return rows;
    }

    /** A random batch: runs of text and image positions, random valid lengths (a row may be all padding). */
    private static MixedBatch randomBatch(SplittableRandom r) {
        int rows = 1 + r.nextInt(3);
        int len = 4 + r.nextInt(7);
        byte[] mod = new byte[rows * len];
        int[] valid = new int[rows];
        for (int row = 0; row < rows; row++) {
            valid[row] = r.nextInt(6) == 0 ? 0 : 1 + r.nextInt(len);
            byte cur = (byte) r.nextInt(2);
            for (int t = 0; t < len; t++) {
                if (r.nextInt(3) == 0) {
                    cur = (byte) (1 - cur);
                }
                mod[row * len + t] = cur;
            }
        }
        return MomaFixtures.batch(rows, len, mod, valid);
    }

    private static Sub randomSub(SplittableRandom r, int experts) {
        long[][] caps = {{1, 1}, {1, 2}, {2, 1}, {3, 2}};
        long[] c = caps[r.nextInt(caps.length)];
        if (r.nextBoolean()) {
            return Sub.ec(c[0], c[1], r.nextBoolean());
        }
        return r.nextBoolean() ? Sub.tc(1 + r.nextInt(Math.min(2, experts)), 0, 1)
                : Sub.tc(1 + r.nextInt(Math.min(2, experts)), c[0], c[1]);
    }

    @Test
    void randomBatchesNeverCrossModalitiesNorRoutePadding() {
        int compared = 0;
        int single = 0;
        for (long seed = 0; seed < 40; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            MixedBatch b = randomBatch(rnd);
            int n = b.rows() * b.length();
            int experts = 2 + rnd.nextInt(5);
            int text = 1 + rnd.nextInt(experts - 1);
            int[] sizes = {text, experts - text};
            Sub[] subs = {randomSub(rnd, sizes[0]), randomSub(rnd, sizes[1])};
            Built built = build(experts, text, subs[0], subs[1], seed);
            double[] x = MomaFixtures.uniform(rnd, n * D, -1, 1);
            Result got = route(built.router(), b, x);
            String what = "seed " + seed + ": " + b.rows() + "x" + b.length() + " valid "
                    + java.util.Arrays.toString(b.validLength()) + ", " + text + " text + " + sizes[1] + " image experts";

            assertThat(built.router().experts()).isEqualTo(experts);
            assertThat(built.router().groups()).extracting(g -> g.name() + ":" + g.experts())
                    .containsExactly("text:" + sizes[0], "image:" + sizes[1]);
            long dropped = 0;
            for (int m = 0; m < 2; m++) {
                List<Integer> rows = rowsOf(b, m);
                int first = m == 0 ? 0 : sizes[0];
                for (int j = 0; j < sizes[m]; j++) {
                    // No row of the other modality and no padding under this group's experts.
                    assertThat(got.perExpert().get(first + j).keySet()).as("%s: %s expert %d", what,
                            Modality.of(m), j).isSubsetOf(rows);
                }
                if (sizes[m] == 1) {
                    assertThat(new ArrayList<>(got.perExpert().get(first).keySet())).as("%s: single %s expert", what,
                            Modality.of(m)).containsExactlyElementsOf(rows);
                    if (got.gated()) {
                        assertThat(got.perExpert().get(first).values()).as(what).allMatch(v -> v == 1.0);
                    }
                    single++;
                    continue;
                }
                if (rows.isEmpty()) {
                    for (int j = 0; j < sizes[m]; j++) {
                        assertThat(got.routing().counts()[first + j]).as(what).isZero();
                    }
                    continue;
                }
                // The group's routing is its sub-router's over this modality's rows alone.
                double[] xs = new double[rows.size() * D];
                for (int i = 0; i < rows.size(); i++) {
                    System.arraycopy(x, rows.get(i) * D, xs, i * D, D);
                }
                double[] w = MomaFixtures.get(be, built.params().get("ffn.router." + (m == 0 ? "text" : "image")).value());
                MomaReference.Routed ref = subs[m].reference(MomaReference.logits(xs, rows.size(), D, w, sizes[m]),
                        sizes[m]);
                dropped += ref.dropped();
                if (ref.margin() < 1e-5) {
                    continue; // too close for f32 to be sure which way it goes
                }
                for (int j = 0; j < sizes[m]; j++) {
                    Map<Integer, Double> want = new TreeMap<>();
                    ref.perExpert().get(j).forEach((i, gate) -> want.put(rows.get(i), gate));
                    Map<Integer, Double> have = new TreeMap<>(got.perExpert().get(first + j));
                    assertThat(have.keySet()).as("%s: rows of %s expert %d", what, Modality.of(m), j)
                            .containsExactlyElementsOf(want.keySet());
                    for (Map.Entry<Integer, Double> en : want.entrySet()) {
                        assertThat(have.get(en.getKey())).as(what).isCloseTo(en.getValue(), offset(2e-6));
                    }
                }
                compared++;
            }
            assertThat(got.routing().dropped()).as(what).isEqualTo(dropped);
            boolean routedGroup = false;
            for (int m = 0; m < 2; m++) {
                routedGroup |= sizes[m] > 1 && !rowsOf(b, m).isEmpty();
            }
            assertThat(got.gated()).as("%s: gated when a group of several experts has rows", what)
                    .isEqualTo(routedGroup);
        }
        // Guard the premise: most groups were compared with the reference, and single-expert groups occurred.
        assertThat(compared).isGreaterThan(30);
        assertThat(single).isGreaterThan(5);
    }

    @Test
    void oneTextAndOneImageExpertTakeTheirModalitiesWholeWithoutGates() {
        byte[] mod = {0, 1, 1, 0, 0, 1, 1, 1, 0, 0};
        MixedBatch b = MomaFixtures.batch(2, 5, mod, new int[]{5, 3});
        Built built = build(2, 1, Sub.ec(1, 1, false), Sub.ec(1, 1, false), 1);
        Result got = route(built.router(), b, MomaFixtures.uniform(new SplittableRandom(2), 10 * D, -1, 1));
        assertThat(got.routing().gates()).isNull();
        assertThat(got.perExpert().get(0).keySet()).containsExactly(0, 3, 4);
        assertThat(got.perExpert().get(1).keySet()).containsExactly(1, 2, 5, 6, 7);
        assertThat(built.router().causal()).isTrue();
        assertThat(built.params().all()).isEmpty(); // 1t1i has no router parameters
    }

    @Test
    void aSingleImageExpertBesideAGatedTextGroupHasGateOne() {
        byte[] mod = {0, 1, 1, 0, 0, 1, 1, 1, 0, 0};
        MixedBatch b = MomaFixtures.batch(2, 5, mod, new int[]{5, 3});
        Built built = build(3, 2, Sub.ec(1, 1, false), Sub.ec(1, 1, false), 1);
        Result got = route(built.router(), b, MomaFixtures.uniform(new SplittableRandom(3), 10 * D, -1, 1));
        assertThat(got.gated()).isTrue();
        assertThat(got.perExpert().get(2)).containsOnlyKeys(1, 2, 5, 6, 7);
        assertThat(got.perExpert().get(2).values()).containsOnly(1.0);
        // The text group's 3 rows: each of the 2 experts takes ceil(3/2) = 2 of them.
        assertThat(got.routing().counts()).containsExactly(2, 2, 5);
        assertThat(got.perExpert().get(0).keySet()).isSubsetOf(0, 3, 4);
        assertThat(got.perExpert().get(1).keySet()).isSubsetOf(0, 3, 4);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void aBatchOfOneModalityWithoutPaddingGoesWholeToItsGroup(int modality) {
        // No padding and one modality: the token layout has no row index to dispatch by.
        MixedBatch b = MomaFixtures.batch(2, 4, modality == 0 ? new byte[8] : new byte[]{1, 1, 1, 1, 1, 1, 1, 1},
                new int[]{4, 4});
        Built built = build(4, 2, Sub.ec(1, 1, false), Sub.tc(1, 0, 1), 5);
        double[] x = MomaFixtures.uniform(new SplittableRandom(6), 8 * D, -1, 1);
        Result got = route(built.router(), b, x);
        int first = modality == 0 ? 0 : 2;
        int other = 2 - first;
        assertThat(got.routing().counts()[other]).isZero();
        assertThat(got.routing().counts()[other + 1]).isZero();
        java.util.Set<Integer> seen = new java.util.TreeSet<>(got.perExpert().get(first).keySet());
        seen.addAll(got.perExpert().get(first + 1).keySet());
        assertThat(seen).isSubsetOf(0, 1, 2, 3, 4, 5, 6, 7);
        if (modality == 0) {
            assertThat(got.routing().counts()).containsExactly(4, 4, 0, 0); // expert choice: ceil(8/2) each
        } else {
            assertThat(seen).hasSize(8); // token choice without capacity: every row one expert
            assertThat(got.routing().assignments()).isEqualTo(8);
        }
    }

    @Test
    void aBatchOfOnlyPaddingRoutesNothing() {
        MixedBatch b = MomaFixtures.batch(2, 3, new byte[]{0, 1, 0, 1, 1, 0}, new int[]{0, 0});
        Built built = build(4, 2, Sub.ec(1, 1, false), Sub.ec(1, 1, true), 7);
        Result got = route(built.router(), b, MomaFixtures.uniform(new SplittableRandom(8), 6 * D, -1, 1));
        assertThat(got.routing().assignments()).isZero();
        assertThat(got.routing().counts()).containsOnly(0);
        assertThat(got.offsets()).containsExactly(0, 0, 0, 0, 0);
    }

    @Test
    void refusesRowsWithoutTheirLayoutAndIsCausalOnlyWhenBothGroupsAre() {
        Built ec = build(4, 2, Sub.ec(1, 1, false), Sub.ec(1, 1, false), 1);
        assertThat(ec.router().causal()).isFalse();
        assertThat(build(4, 2, Sub.tc(1, 0, 1), Sub.tc(1, 0, 1), 1).router().causal()).isTrue();
        assertThat(build(4, 2, Sub.tc(1, 0, 1), Sub.tc(1, 1, 1), 1).router().causal()).isFalse();
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            MixedBatch b = MomaFixtures.batch(1, 2, new byte[]{0, 1}, new int[]{2});
            TokenMeta tokens = TokenMeta.upload(be, arena, b, false);
            Tensor h = arena.allocateZeroed(DType.F32, Shape.of(2, D));
            assertThatThrownBy(() -> ec.router().route(new RouterInput(new ForwardPass(g, tokens, LossSink.NONE),
                    g.constant(h), null))).isInstanceOf(IllegalStateException.class).hasMessageContaining("modalit");
        }
    }
}
