package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.LossValue;
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
import io.fusion4j.moma.routing.TokenChoiceRouter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Token-choice routing on small hand-made cases, the router weight the identity so the logits are the hidden rows:
 * the balance loss against Switch's closed form {@code E · Σ_e f_e · P_e} (f_e counted before capacity), the z-loss
 * against {@code mean_t (log Σ_e exp z_te)²}, the rows kept and dropped under a capacity, and the terms' weights and
 * gradient scales.
 */
class TokenChoiceRouterTest extends CpuBackendTest {
    private static final Routers ROUTERS = MomaFixtures.routers();

    private static Router build(int experts, Object... options) {
        Parameters params = new Parameters();
        Router r = ROUTERS.create(RouterSpec.of("token-choice", options),
                new RouterContext(params, "r", experts, experts, 0, 0.02f, ROUTERS));
        params.allocate(be, 1);
        double[] identity = new double[experts * experts];
        for (int e = 0; e < experts; e++) {
            identity[e * experts + e] = 1;
        }
        MomaFixtures.set(be, params, "r", identity);
        return r;
    }

    private record Routed(List<Map<Integer, Double>> perExpert, long dropped, int[] counts) {
    }

    /** Routes hidden rows {@code z} (the logits) in a graph that records gradients when {@code train}. */
    private static Routed route(Router r, double[][] z, LossSink sink, boolean train) {
        int n = z.length;
        int e = z[0].length;
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, train);
            TokenMeta tokens = TokenMeta.upload(be, arena,
                    MixedBatch.textOnly(1, n, new int[n], new int[n], DataPosition.START), false);
            Tensor h = arena.allocate(DType.F32, Shape.of(n, e));
            float[] f = new float[n * e];
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < e; j++) {
                    f[t * e + j] = (float) z[t][j];
                }
            }
            be.copyFromHost(f, h);
            Routing routing = r.route(new RouterInput(new ForwardPass(g, tokens, sink),
                    train ? g.variable(h) : g.constant(h), tokens));
            return new Routed(MomaFixtures.perExpert(be, routing), routing.dropped(), routing.counts().clone());
        }
    }

    private static double[][] floats(double[][] z) {
        double[][] o = new double[z.length][];
        for (int t = 0; t < z.length; t++) {
            o[t] = new double[z[t].length];
            for (int e = 0; e < z[t].length; e++) {
                o[t][e] = (float) z[t][e];
            }
        }
        return o;
    }

    /** Switch's balance loss {@code E · Σ_e f_e · P_e} and the mean squared log-partition, from their definitions. */
    private static double[] closedForm(double[][] z, int k, int[] wantedPerExpert) {
        int n = z.length;
        int experts = z[0].length;
        double[] meanP = new double[experts];
        double lse2 = 0;
        for (double[] row : z) {
            double s = 0;
            for (double v : row) {
                s += Math.exp(v);
            }
            for (int e = 0; e < experts; e++) {
                meanP[e] += Math.exp(row[e]) / s / n;
            }
            lse2 += Math.log(s) * Math.log(s) / n;
        }
        double balance = 0;
        for (int e = 0; e < experts; e++) {
            balance += experts * (wantedPerExpert[e] / (double) (n * k)) * meanP[e];
        }
        return new double[]{balance, lse2};
    }

    @Test
    void balanceAndZLossAreTheirClosedFormsTopOne() {
        // Row 3 ties experts 0 and 1: the tie goes to the lower expert, so f = (3/4, 1/4, 0).
        double[][] z = floats(new double[][]{{2, 0, 0}, {0, 1, 0}, {3, 0, 1}, {0.5, 0.5, -1}});
        Router r = build(3, "k", 1, "capacity", 0.0, "balance", 0.01, "zLoss", 0.001);
        MomaFixtures.RecordingSink sink = new MomaFixtures.RecordingSink().scale("r.balance", 0.25).scale("r.z", 0.25);
        Routed got = route(r, z, sink, true);

        assertThat(new TreeMap<>(got.perExpert().get(0)).keySet()).containsExactly(0, 2, 3);
        assertThat(got.perExpert().get(1).keySet()).containsExactly(1);
        assertThat(got.perExpert().get(2)).isEmpty();
        assertThat(got.dropped()).isZero();
        // Gates are the probabilities themselves, not renormalised over the chosen expert(s).
        assertThat(got.perExpert().get(0).get(2)).isCloseTo(Math.exp(3) / (Math.exp(3) + 1 + Math.exp(1)),
                offset(1e-6));
        assertThat(got.perExpert().get(0).get(3)).isCloseTo(Math.exp(0.5) / (2 * Math.exp(0.5) + Math.exp(-1)),
                offset(1e-6));

        double[] want = closedForm(z, 1, new int[]{3, 1, 0});
        LossValue balance = sink.losses.get("r.balance");
        LossValue zl = sink.losses.get("r.z");
        assertThat(balance.count()).isEqualTo(4);
        assertThat(balance.mean()).isCloseTo(want[0], offset(1e-6));
        assertThat(zl.count()).isEqualTo(4);
        assertThat(zl.mean()).isCloseTo(want[1], offset(1e-5));
        assertThat(sink.weights).containsEntry("r.balance", 0.01).containsEntry("r.z", 0.001);
        assertThat(sink.scaleAsked).containsExactlyInAnyOrder("r.balance", "r.z");
        // Guard the premise: an unbalanced routing, so E·Σ f·P differs from its balanced value 1.
        assertThat(Math.abs(balance.mean() - 1)).isGreaterThan(0.05);
    }

    @Test
    void balanceCountsAssignmentsBeforeCapacity() {
        // 5 rows, 3 experts, top-2, capacity 0.6: an expert keeps ceil(0.6·5·2/3) = 2 assignments. Rows 0-3 want
        // experts 0 and 1, row 4 wants 1 and 2: expert 0 keeps rows 0, 1 (drops 2, 3), expert 1 keeps 0, 1 (drops 2,
        // 3, 4), expert 2 keeps 4. f, before capacity, is (4, 5, 1) / 10.
        double[][] z = floats(new double[][]{{2, 1, 0}, {1.5, 1.2, -1}, {3, 0.4, 0.1}, {1, 2, -0.5}, {-1, 1, 0.3}});
        assertThat(TokenChoiceRouter.limit(0.6, 5, 2, 3)).isEqualTo(2);
        Router r = build(3, "k", 2, "capacity", 0.6, "balance", 0.02, "zLoss", 0.003);
        MomaFixtures.RecordingSink sink = new MomaFixtures.RecordingSink();
        Routed got = route(r, z, sink, true);

        MomaReference.Routed ref = MomaReference.tokenChoice(z, 3, 2, 3, 5);
        assertThat(new TreeMap<>(got.perExpert().get(0)).keySet()).containsExactly(0, 1);
        assertThat(new TreeMap<>(got.perExpert().get(1)).keySet()).containsExactly(0, 1);
        assertThat(got.perExpert().get(2).keySet()).containsExactly(4);
        assertThat(got.counts()).containsExactly(2, 2, 1);
        assertThat(got.dropped()).isEqualTo(5).isEqualTo(ref.dropped());
        for (int e = 0; e < 3; e++) {
            for (Map.Entry<Integer, Double> en : ref.perExpert().get(e).entrySet()) {
                assertThat(got.perExpert().get(e).get(en.getKey())).isCloseTo(en.getValue(), offset(1e-6));
            }
        }
        double[] want = closedForm(z, 2, new int[]{4, 5, 1});
        assertThat(sink.losses.get("r.balance").mean()).isCloseTo(want[0], offset(1e-6));
        assertThat(sink.losses.get("r.balance").sum()).isCloseTo(ref.auxSums().get("balance"), offset(1e-5));
        assertThat(sink.losses.get("r.z").mean()).isCloseTo(want[1], offset(1e-5));
        // Counting the kept assignments (2, 2, 1) / 5 instead would give a different value: guard the premise.
        assertThat(Math.abs(closedForm(z, 1, new int[]{2, 2, 1})[0] - want[0])).isGreaterThan(1e-3);
    }

    @Test
    void aCapacityKeepsTheEarlierRowsAndCountsTheRestDropped() {
        // 6 rows, 2 experts, top-1, capacity 1: an expert keeps ceil(6/2) = 3 rows. Five rows want expert 0.
        double[][] z = floats(new double[][]{{1, 0}, {2, -1}, {0, 1}, {0.3, 0.1}, {1.5, 1.4}, {4, 0}});
        assertThat(TokenChoiceRouter.limit(1.0, 6, 1, 2)).isEqualTo(3);
        Router r = build(2, "k", 1, "capacity", 1.0, "balance", 0.0, "zLoss", 0.0);
        MomaFixtures.RecordingSink sink = new MomaFixtures.RecordingSink();
        Routed got = route(r, z, sink, true);
        assertThat(new TreeMap<>(got.perExpert().get(0)).keySet()).containsExactly(0, 1, 3);
        assertThat(got.perExpert().get(1).keySet()).containsExactly(2);
        assertThat(got.dropped()).isEqualTo(2);
        assertThat(got.counts()).containsExactly(3, 1);
        // Both auxiliary weights 0: no term is reported and no gradient scale asked.
        assertThat(sink.losses).isEmpty();
        assertThat(sink.scaleAsked).isEmpty();
        assertThat(r.causal()).isFalse();
    }

    @Test
    void withoutCapacityNothingIsDroppedAndTheRouterIsCausal() {
        double[][] z = floats(new double[][]{{1, 0}, {2, -1}, {0, 1}, {0.3, 0.1}, {1.5, 1.4}, {4, 0}});
        Router r = build(2, "k", 1, "capacity", 0.0);
        Routed got = route(r, z, new MomaFixtures.RecordingSink(), true);
        assertThat(new TreeMap<>(got.perExpert().get(0)).keySet()).containsExactly(0, 1, 3, 4, 5);
        assertThat(got.dropped()).isZero();
        assertThat(r.causal()).isTrue();
    }

    @Test
    void givenTheLayoutPaddingIsNeitherRoutedNorInTheLosses() {
        // 2 rows of 3, the second valid for 1 position: 4 real tokens (rows 0-3), padding rows 4, 5. The real tokens
        // are the hand case above, so the losses must be its closed forms over 4 rows, and capacity 1 lets an
        // expert keep ceil(1·4·1/3) = 2 rows (3 if the padding counted).
        double[][] z = floats(new double[][]{{2, 0, 0}, {0, 1, 0}, {3, 0, 1}, {0.5, 0.5, -1}, {9, 0, 0}, {9, 0, 0}});
        MixedBatch b = MomaFixtures.batch(2, 3, new byte[6], new int[]{3, 1});
        Router r = build(3, "k", 1, "capacity", 1.0, "balance", 0.01, "zLoss", 0.001);
        MomaFixtures.RecordingSink sink = new MomaFixtures.RecordingSink();
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            TokenMeta tokens = TokenMeta.upload(be, arena, b, false);
            Tensor h = arena.allocate(DType.F32, Shape.of(6, 3));
            float[] f = new float[18];
            for (int t = 0; t < 6; t++) {
                for (int e = 0; e < 3; e++) {
                    f[t * 3 + e] = (float) z[t][e];
                }
            }
            be.copyFromHost(f, h);
            Routing routing = r.route(new RouterInput(new ForwardPass(g, tokens, sink), g.variable(h), tokens));
            List<Map<Integer, Double>> got = MomaFixtures.perExpert(be, routing);
            // Rows 0, 2, 3 want expert 0, which keeps 2: row 3 is dropped; row 1 goes to expert 1.
            assertThat(new TreeMap<>(got.get(0)).keySet()).containsExactly(0, 2);
            assertThat(got.get(1).keySet()).containsExactly(1);
            assertThat(got.get(2)).isEmpty();
            assertThat(routing.dropped()).isEqualTo(1);
            assertThat(routing.tokens()).isEqualTo(6);
        }
        double[][] real = java.util.Arrays.copyOf(z, 4);
        double[] want = closedForm(real, 1, new int[]{3, 1, 0});
        assertThat(sink.losses.get("r.balance").count()).isEqualTo(4);
        assertThat(sink.losses.get("r.balance").mean()).isCloseTo(want[0], offset(1e-6));
        assertThat(sink.losses.get("r.z").count()).isEqualTo(4);
        assertThat(sink.losses.get("r.z").mean()).isCloseTo(want[1], offset(1e-5));
    }

    @Test
    void capacityLimitIsTheCeilingOfItsExactValue() {
        // c·n·k/E an integer that floating point overshoots: 7/3 · 27 · 1 / 7 = 9.
        assertThat(TokenChoiceRouter.limit(7.0 / 3, 27, 1, 7)).isEqualTo(9);
        assertThat(TokenChoiceRouter.limit(1.25, 10, 2, 4)).isEqualTo(7); // ceil(6.25)
        assertThat(TokenChoiceRouter.limit(8.0, 10, 2, 4)).isEqualTo(10); // at most n
        assertThat(TokenChoiceRouter.limit(0.0, 10, 2, 4)).isEqualTo(10); // no capacity
    }

    @Test
    void evaluationReportsTheLossesWithoutAskingForAGradientScale() {
        double[][] z = floats(new double[][]{{2, 0, 0}, {0, 1, 0}, {1, 0, 3}, {0.5, 0.5, -1}});
        Router r = build(3, "k", 1, "capacity", 0.0);
        MomaFixtures.RecordingSink sink = new MomaFixtures.RecordingSink();
        route(r, z, sink, false);
        assertThat(sink.scaleAsked).isEmpty();
        assertThat(sink.losses.get("r.balance").mean()).isCloseTo(closedForm(z, 1, new int[]{2, 1, 1})[0],
                offset(1e-6));
        // The default weights.
        assertThat(sink.weights).containsEntry("r.balance", 0.01).containsEntry("r.z", 0.001);
        // LossSink.UNSCALED refuses a gradient scale: an evaluation pass must not ask for one.
        route(r, z, LossSink.UNSCALED, false);
    }
}
