package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.moma.auxiliary.AuxiliaryRouterTrainer;
import io.fusion4j.moma.auxiliary.AuxiliaryRouters;
import io.fusion4j.moma.auxiliary.Confusion;
import io.fusion4j.moma.auxiliary.RoutedValidation;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Training auxiliary routers: the losses and counts by hand, learning a simple routing, and a frozen main model. */
class AuxiliaryRouterTrainingTest {
    private static final int VOCAB = 8;
    private static final int DIM = 8;

    @Test
    void precisionAndRecallCountByHand() {
        // Two experts, four rows: predictions > 0.5 against labels.
        float[] p = {0.9f, 0.2f, 0.6f, 0.7f, 0.4f, 0.1f, 0.5f, 0.8f};
        float[] y = {1, 0, 0, 1, 1, 0, 0, 0};
        Confusion e0 = Confusion.of(p, y, 2, 0); // p: .9 .6 .4 .5 → predicted T T F F; labels 1 0 1 0
        assertThat(e0).isEqualTo(new Confusion(1, 1, 1, 1));
        assertThat(e0.precision()).isEqualTo(0.5);
        assertThat(e0.recall()).isEqualTo(0.5);
        Confusion e1 = Confusion.of(p, y, 2, 1); // p: .2 .7 .1 .8 → F T F T; labels 0 1 0 0
        assertThat(e1).isEqualTo(new Confusion(1, 1, 0, 2));
        assertThat(e1.precision()).isEqualTo(0.5);
        assertThat(e1.recall()).isEqualTo(1.0);
        assertThat(e1.positives()).isEqualTo(1);
        assertThat(e1.predicted()).isEqualTo(2);
        // Nothing predicted, nothing taken: both shares are vacuously 1.
        assertThat(Confusion.NONE.precision()).isEqualTo(1.0);
        assertThat(Confusion.NONE.recall()).isEqualTo(1.0);
    }

    /** {@code sigmoid(silu(x W1ᵀ) W2ᵀ)} and its binary cross-entropy on a case small enough to do by hand. */
    @Test
    void predictorAndItsCrossEntropyByHand() {
        try (Backend be = MomaFixtures.cpu(); StepArena arena = be.newArena()) {
            AuxiliaryRouters aux = new AuxiliaryRouters(List.of(new AuxiliaryRouters.Slot("r", 2)), 2, 0.1f);
            aux.parameters().allocate(be, 1);
            MomaFixtures.set(be, aux.parameters(), "r.aux.w1", new double[]{1, -1}); // [1, 2]
            MomaFixtures.set(be, aux.parameters(), "r.aux.w2", new double[]{2, -1}); // [2, 1]
            Graph g = new Graph(be, arena, false);
            Tensor x = arena.allocate(DType.F32, Shape.of(2, 2));
            be.copyFromHost(new float[]{1, 0, 0, 1}, x);
            Var z = aux.logits(g, "r", g.constant(x));
            // h = x·w1ᵀ = [1, -1]; silu(1) = 0.7310586, silu(-1) = -0.2689414; z = silu(h) · [2, -1].
            double s1 = 1 / (1 + Math.exp(-1));
            double sm1 = -1 / (1 + Math.exp(1));
            double[] want = {2 * s1, -s1, 2 * sm1, -sm1};
            double[] got = MomaFixtures.get(be, z.value());
            for (int i = 0; i < 4; i++) {
                assertThat(got[i]).isCloseTo(want[i], offset(1e-6));
            }
            double[] p = MomaFixtures.get(be, aux.probabilities(g, "r", g.constant(x)).value());
            assertThat(p[0]).isCloseTo(1 / (1 + Math.exp(-want[0])), offset(1e-6));
            // BCE against labels [[1, 0], [0, 1]]: −log p for the ones, −log(1 − p) for the zeros.
            Tensor y = arena.allocate(DType.F32, Shape.of(2, 2));
            be.copyFromHost(new float[]{1, 0, 0, 1}, y);
            LossValue bce = g.binaryCrossEntropy(z, y, 1f);
            double byHand = 0;
            float[] labels = {1, 0, 0, 1};
            for (int i = 0; i < 4; i++) {
                double q = 1 / (1 + Math.exp(-want[i]));
                byHand -= labels[i] == 1 ? Math.log(q) : Math.log(1 - q);
            }
            assertThat(bce.sum()).isCloseTo(byHand, offset(1e-5));
            assertThat(bce.count()).isEqualTo(4);
        }
    }

    /**
     * A one-layer model whose expert choice is a function of the token: attention's output projection is zero, so the
     * router sees the embedding; ids 0..3 score high for expert 0 and low for expert 1, ids 4..7 the other way, and
     * every batch holds as many of each, so expert 0 takes exactly ids 0..3. The predictors learn it, and the model
     * does not move.
     */
    @Test
    void predictorsLearnARoutingThatIsAFunctionOfTheTokenAndLeaveTheModelAlone() {
        try (Backend be = MomaFixtures.cpu()) {
            DecoderConfig base = new DecoderConfig(VOCAB, DIM, 1, 2, 12, 10000f, 1e-5f, NormPlacement.CHAMELEON, true,
                    0f, 0.3f);
            MomaConfig c = new MomaConfig(base, 2, RouterSpec.of(ExpertChoiceProvider.NAME), null);
            Decoder model = MomaModel.build(c, MomaFixtures.routers());
            model.parameters().allocate(be, 3);
            SplittableRandom r = new SplittableRandom(5);
            double[] u = MomaFixtures.uniform(r, DIM, -1, 1);
            double[] emb = new double[VOCAB * DIM];
            for (int i = 0; i < VOCAB; i++) {
                double sign = i < VOCAB / 2 ? 1 : -1;
                double[] noise = MomaFixtures.uniform(r, DIM, -0.3, 0.3);
                for (int j = 0; j < DIM; j++) {
                    emb[i * DIM + j] = sign * u[j] + noise[j];
                }
            }
            MomaFixtures.set(be, model.parameters(), "tok_embeddings", emb);
            MomaFixtures.set(be, model.parameters(), "layers.0.attn.wo", new double[DIM * DIM]);
            double[] router = new double[2 * DIM];
            for (int j = 0; j < DIM; j++) {
                router[j] = 4 * u[j];
                router[DIM + j] = -4 * u[j];
            }
            MomaFixtures.set(be, model.parameters(), "layers.0.ffn.router", router);
            double[] before = MomaFixtures.get(be, model.parameters().values());

            AuxiliaryRouters aux = AuxiliaryRouters.of(model);
            aux.parameters().allocate(be, 9);
            double[] auxBefore = MomaFixtures.get(be, aux.parameters().values());
            AdamW opt = new AdamW(be, aux.parameters(), 0.9f, 0.95f, 1e-8f, 0f, 1.0);
            AuxiliaryRouterTrainer trainer = new AuxiliaryRouterTrainer(model, aux, be, opt);
            List<MixedBatch> heldOut = List.of(balanced(new SplittableRandom(100)), balanced(new SplittableRandom(101)));
            AuxiliaryRouterTrainer.RouterQuality untrained = trainer.evaluate(heldOut).getFirst();
            double first = 0;
            double last = 0;
            SplittableRandom data = new SplittableRandom(7);
            for (int s = 0; s < 150; s++) {
                double bce = trainer.step(balanced(data), 1e-2);
                first = s == 0 ? bce : first;
                last = bce;
            }
            List<AuxiliaryRouterTrainer.RouterQuality> q = trainer.evaluate(heldOut);
            assertThat(q).hasSize(1);
            AuxiliaryRouterTrainer.RouterQuality layer0 = q.getFirst();
            assertThat(layer0.router()).isEqualTo("layers.0.ffn.router");
            assertThat(last).isLessThan(first / 4);
            assertThat(layer0.bce()).isLessThan(untrained.bce() / 4);
            for (int e = 0; e < 2; e++) {
                Confusion conf = layer0.experts().get(e);
                assertThat(conf.positives()).as("expert %d takes half of the held-out tokens", e).isEqualTo(2 * 32 / 2);
                assertThat(conf.recall()).as("expert %d recall", e).isGreaterThanOrEqualTo(0.97);
                assertThat(conf.precision()).as("expert %d precision", e).isGreaterThanOrEqualTo(0.97);
            }
            // Frozen: the model's weights are bit for bit what they were; the predictors moved.
            assertThat(MomaFixtures.get(be, model.parameters().values())).containsExactly(before);
            assertThat(MomaFixtures.get(be, aux.parameters().values())).isNotEqualTo(auxBefore);

            // With predictors this good, causal routing reproduces batch routing: the two validation losses agree.
            RoutedValidation.Comparison both = RoutedValidation.compare(model, be, heldOut, 1, aux);
            assertThat(both.causal().term("lm").value()).isCloseTo(both.batch().term("lm").value(), offset(1e-3));
        }
    }

    /** Four rows of eight tokens, each row four ids from 0..3 and four from 4..7, in random order. */
    private static MixedBatch balanced(SplittableRandom r) {
        int rows = 4;
        int t = 8;
        int[] ids = new int[rows * t];
        for (int row = 0; row < rows; row++) {
            List<Integer> s = new ArrayList<>();
            for (int i = 0; i < t / 2; i++) {
                s.add(r.nextInt(VOCAB / 2));
                s.add(VOCAB / 2 + r.nextInt(VOCAB / 2));
            }
            java.util.Collections.shuffle(s, new java.util.Random(r.nextLong()));
            for (int i = 0; i < t; i++) {
                ids[row * t + i] = s.get(i);
            }
        }
        int[] targets = new int[rows * t];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = ids[(i + 1) % targets.length];
        }
        return MixedBatch.textOnly(rows, t, ids, targets, DataPosition.START);
    }
}
