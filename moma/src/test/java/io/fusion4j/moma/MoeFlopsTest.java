package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The FLOPs the backend counts for one training step of a small expert-choice MoE model equal a figure derived by
 * hand, op by op, from the formula table in {@link io.fusion4j.api.backend.KernelFlops}'s Javadoc: forward and
 * backward alone ({@link Trainer#computeGradients}, no optimizer), and a whole trainer step (plus AdamW). Nothing
 * here calls {@code KernelFlops}; the sum below is the specification of what a step costs.
 */
class MoeFlopsTest extends CpuBackendTest {
    // Shapes: B rows of T tokens, width d, H heads of D, SwiGLU hidden F, vocabulary V, L layers, E experts.
    private static final int B = 2;
    private static final int T = 11;
    private static final int D_MODEL = 16;
    private static final int H = 2;
    private static final int F = 24;
    private static final int V = 32;
    private static final int L = 2;
    private static final int E = 4;
    private static final DecoderConfig BASE = new DecoderConfig(V, D_MODEL, L, H, F, 10000f, 1e-5f,
            NormPlacement.CHAMELEON, true, 1e-5f, 0.1f);
    private static final MomaConfig MOE = new MomaConfig(BASE, E, RouterSpec.of(ExpertChoiceProvider.NAME), null);


    /** Row 0 holds two documents (4 and 7 tokens), row 1 one of 11; no padding; the last position has no target. */
    private static MixedBatch batch(long index) {
        SplittableRandom r = new SplittableRandom(31 + index);
        int[] ids = new int[B * T];
        int[] tg = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(V);
        }
        for (int i = 0; i < ids.length; i++) {
            tg[i] = (i + 1) % T == 0 ? MixedBatch.IGNORE : ids[i + 1];
        }
        int[] valid = {T, T};
        return new MixedBatch(B, T, ids, tg, new byte[B * T], new byte[B * T], valid, new int[][]{{4}, {}},
                List.of(), null, 0, new DataPosition(0, index + 1));
    }

    private static TrainConfig config() {
        return new TrainConfig(B, T, 1, 1e-3, 1e-4, 0, 0.1f, 1.0, 0.9f, 0.95f, 1e-8f, 3, 1, 2, 1, 0, 0);
    }

    /** Forward plus backward of one step, summed from the KernelFlops table for every kernel the step runs. */
    private static long expectedForwardBackward() {
        long n = (long) B * T;          // rows of the residual stream: 22
        long d = D_MODEL;
        long hd = D_MODEL / H;          // head size D
        // Visible (query, key) pairs of the causal mask, document by document: a document of m tokens has
        // m(m+1)/2. Row 0: 4 and 7 tokens, row 1: 11.
        long pairs = 4 * 5 / 2 + 7 * 8 / 2 + 11 * 12 / 2; // 104
        // Expert choice at capacity 1 over the 22 rows: each expert takes k = ceil(22 / 4) = 6 rows, M = E·k = 24
        // assignments (not 22: the experts' FLOPs follow what they process).
        long k = (n + E - 1) / E;
        long m = E * k;

        long perLayerForward = 0;
        // Attention, Chameleon order h = x + norm(attn(x)). q and k: a linear (gemm 2·n·d·d), QK-norm as RMSNorm
        // over [n·H, D] (4·n·d), RoPE (3·n·d).
        perLayerForward += 2 * (2 * n * d * d + 4 * n * d + 3 * n * d);
        perLayerForward += 2 * n * d * d;            // v linear
        perLayerForward += 4 * H * hd * pairs;       // attention: 4·H·D per visible pair
        perLayerForward += 2 * n * d * d;            // wo linear
        perLayerForward += 4 * n * d + n * d;        // attn_norm (RMSNorm 4·n), residual add (n)
        // Expert-choice feed-forward on h.
        perLayerForward += 2 * n * E * d;            // router logits: gemm [n, d]·[d, E]
        perLayerForward += 4 * n * E;                // sigmoid scores (transpose and top-k are movement: 0)
        // gather rows: 0; grouped GEMMs count only rows in groups: 2·M·K·N
        perLayerForward += 2 * (2 * m * d * F);      // w1 and w3: [M, d] → [M, F]
        perLayerForward += 6 * m * F;                // SwiGLU: 6 per element of the gate
        perLayerForward += 2 * m * F * d;            // w2: [M, F] → [M, d]
        perLayerForward += 2 * m * d;                // gated scatter-add: 2 per element of src [M, d]
        perLayerForward += 4 * n * d + n * d;        // ffn_norm, residual add

        long perLayerBackward = 0;
        // Reverse order. out = h + norm(ffn): the add passes its gradient on unchanged (no FLOPs).
        perLayerBackward += 10 * n * d;              // ffn_norm backward
        // scatter-add backward: gather dOut rows (0), gate gradient rowDot (2·M·d), source gradient mulRows (M·d)
        perLayerBackward += 2 * m * d + m * d;
        perLayerBackward += 2 * m * d * F + 2 * m * d * F; // w2: dX grouped GEMM, dW grouped weight-grad
        perLayerBackward += 14 * m * F;              // SwiGLU backward
        perLayerBackward += 2 * (2 * m * d * F + 2 * m * d * F); // w3 then w1: dX and dW each
        perLayerBackward += m * d;                   // the gathered rows get dX from w3 and w1: one add of [M, d]
        // gather backward: scatter-add of dX [M, d] into a fresh [n, d] (2·M·d), then added to h's gradient,
        // which already holds what the residual passed (n·d).
        perLayerBackward += 2 * m * d + n * d;
        // top-k backward and transpose backward: movement (0). Sigmoid backward: 3 per element of the scores.
        perLayerBackward += 3 * n * E;
        perLayerBackward += 2 * n * E * d + 2 * n * E * d; // router linear: dX and dW
        perLayerBackward += n * d;                   // the router's dX added to h's gradient
        // h = x + norm(attn(x)): the add passes on unchanged.
        perLayerBackward += 10 * n * d;              // attn_norm backward
        perLayerBackward += 2 * (2 * n * d * d);     // wo: dX, dW
        perLayerBackward += 10 * H * hd * pairs;     // attention backward: 10·H·D per visible pair
        perLayerBackward += 2 * (2 * n * d * d) + n * d; // wv: dX, dW; dX added to x's gradient (residual came first)
        // k then q: RoPE backward (3·n·d), QK-norm backward (10·n·d), linear dX and dW, dX added to x's gradient.
        perLayerBackward += 2 * (3 * n * d + 10 * n * d + 2 * (2 * n * d * d) + n * d);

        long head = 4 * n * d                        // final norm
                + 2 * n * V * d                      // output projection
                + 4 * n * V;                         // cross-entropy: 4 per logit (every row, ignored or not)
        long headBackward = 4 * n * V                // cross-entropy backward
                + 2 * (2 * n * V * d)                // output projection: dX, dW
                + 10 * n * d;                        // final norm backward
        long embedding = 0;                          // a gather
        long embeddingBackward = 2 * n * d;          // scatter-add of dOut into the table's gradient

        return embedding + L * perLayerForward + head + headBackward + L * perLayerBackward + embeddingBackward;
    }

    private static final BatchSource<MixedBatch> SOURCE = from -> Stream.iterate(from.index(), i -> i + 1)
            .map(MoeFlopsTest::batch);

    @Test
    void forwardAndBackwardCountWhatTheTableSaysEachOpCosts() {
        Decoder model = MomaModel.build(MOE, Routers.discover());
        model.parameters().allocate(be, 3);
        Trainer<MixedBatch> trainer = new Trainer<>(be, model.parameters(), new NextTokenObjective(model), SOURCE,
                List.of(), config(), null, "{}\n");
        long before = be.flops().total();
        try (StepArena arena = be.newArena()) {
            trainer.computeGradients(batch(0), 1, arena);
        }
        long counted = be.flops().total() - before;
        // The figure derived above: 2 layers of (forward 122,848 + backward 251,560), the head (26,752 + 51,392)
        // and the embedding's backward (704).
        assertThat(expectedForwardBackward()).isEqualTo(827_664L);
        assertThat(counted).isEqualTo(expectedForwardBackward());
    }

    @Test
    void aTrainerStepAddsAdamWOverEveryParameter() throws Exception {
        Decoder model = MomaModel.build(MOE, Routers.discover());
        List<TrainEvent.Step> steps = new ArrayList<>();
        new Trainer<>(be, model.parameters(), new NextTokenObjective(model), SOURCE, List.of(), config(), null, "{}\n")
                .run(false, e -> {
                    if (e instanceof TrainEvent.Step s) {
                        steps.add(s);
                    }
                });
        assertThat(steps).hasSize(1);
        // Parameters: embedding and head V·d each; per layer wq, wk, wv, wo (d·d each), q_norm and k_norm (D each),
        // two block norms (d each), the router (E·d) and E experts of w1, w3, w2 (F·d each); the final norm (d).
        long d = D_MODEL;
        long params = 2 * V * d + d + L * (4 * d * d + 2 * (d / H) + 2 * d + E * d + E * 3 * F * d);
        assertThat(model.parameters().count()).isEqualTo(params);
        // The optimizer: the global norm for clipping (squaredNorm, 2 per element) and AdamW (14 per element).
        assertThat(steps.getFirst().flops()).isEqualTo(expectedForwardBackward() + 2 * params + 14 * params);
    }
}
