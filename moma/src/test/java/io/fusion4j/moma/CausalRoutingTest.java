package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.CausalRouting;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.moma.auxiliary.AuxiliaryRouters;
import io.fusion4j.moma.routing.DepthProvider;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Causal routing by auxiliary routers: prefix invariance, ragged MoD batches, and KV-cached decoding. */
class CausalRoutingTest {
    static DecoderConfig base(int layers) {
        return new DecoderConfig(32, 16, layers, 2, 24, 10000f, 1e-5f, NormPlacement.CHAMELEON, true, 0f, 0.3f);
    }

    /** MoD on layers 0 and 2 around MoMa 2t2i (expert choice in the text group), three layers. */
    static MomaConfig modMoma() {
        return new MomaConfig(base(3), 4, RouterSpec.of(ModalityProvider.NAME, "text", 2),
                new MomaConfig.DepthSpec(2, 0, RouterSpec.of(DepthProvider.NAME, "capacity", 0.5)));
    }

    static MomaConfig flatExpertChoice() {
        return new MomaConfig(base(2), 4, RouterSpec.of(ExpertChoiceProvider.NAME), null);
    }

    /** A model and its auxiliary routers, both at random weights on {@code be}. */
    record Built(Decoder model, AuxiliaryRouters aux) {
    }

    static Built build(Backend be, MomaConfig c, long seed) {
        Decoder d = MomaModel.build(c, MomaFixtures.routers());
        d.parameters().allocate(be, seed);
        AuxiliaryRouters aux = AuxiliaryRouters.of(d);
        aux.parameters().allocate(be, seed + 100);
        return new Built(d, aux);
    }

    /** Logits {@code [rows · T, V]} of text sequences (all of one length) routed by {@code mode}. */
    static float[] logits(Backend be, Decoder d, int[][] seqs, RoutingMode mode) {
        int rows = seqs.length;
        int t = seqs[0].length;
        int[] ids = new int[rows * t];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(seqs[r], 0, ids, r * t, t);
        }
        MixedBatch b = MixedBatch.textOnly(rows, t, ids, new int[rows * t], DataPosition.START);
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            TokenMeta tokens = TokenMeta.upload(be, arena, b, false);
            Var l = d.logits(new ForwardPass(g, tokens, LossSink.NONE, null, mode));
            float[] out = new float[(int) l.value().numel()];
            be.copyToHost(l.value(), out);
            return out;
        }
    }

    static int[] tokens(long seed, int n, int vocab) {
        return new SplittableRandom(seed).ints(n, 0, vocab).toArray();
    }

    /** Records, for one router, every decision its predictor made (probability > 0.5), in call order. */
    static final class Recording implements CausalRouting {
        final CausalRouting inner;
        final String router;
        final List<boolean[]> calls = new ArrayList<>();

        Recording(CausalRouting inner, String router) {
            this.inner = inner;
            this.router = router;
        }

        @Override
        public Var probabilities(Graph g, String name, Var hidden) {
            Var p = inner.probabilities(g, name, hidden);
            if (name.equals(router)) {
                float[] v = new float[(int) p.value().numel()];
                g.backend().copyToHost(p.value(), v);
                boolean[] taken = new boolean[v.length];
                for (int i = 0; i < v.length; i++) {
                    taken[i] = v[i] > 0.5f;
                }
                calls.add(taken);
            }
            return p;
        }

        static int count(boolean[] b) {
            int c = 0;
            for (boolean x : b) {
                c += x ? 1 : 0;
            }
            return c;
        }
    }

    @Test
    void theModelsNeedAPredictorPerExpertChoiceAndDepthRouter() {
        Decoder d = MomaModel.build(modMoma(), MomaFixtures.routers());
        assertThat(AuxiliaryRouters.slots(d)).containsExactly(
                new AuxiliaryRouters.Slot("layers.0.ffn.router.text", 2),
                new AuxiliaryRouters.Slot("layers.0.ffn.router.image", 2),
                new AuxiliaryRouters.Slot("layers.0.depth_router", 1),
                new AuxiliaryRouters.Slot("layers.1.ffn.router.text", 2),
                new AuxiliaryRouters.Slot("layers.1.ffn.router.image", 2),
                new AuxiliaryRouters.Slot("layers.2.ffn.router.text", 2),
                new AuxiliaryRouters.Slot("layers.2.ffn.router.image", 2),
                new AuxiliaryRouters.Slot("layers.2.depth_router", 1));
        AuxiliaryRouters aux = AuxiliaryRouters.of(d);
        assertThat(aux.parameters().declaredCount()).isEqualTo(8 * 8 * 16 + 8 * (2 + 2 + 1 + 2 + 2 + 2 + 2 + 1));
        // The main model keeps its parameters: no aux name among them.
        assertThat(d.parameters().all()).isEmpty(); // declared, not allocated yet
        Decoder dense = MomaModel.build(new MomaConfig(base(2), 1, null, null), MomaFixtures.routers());
        assertThat(AuxiliaryRouters.of(dense).isEmpty()).isTrue();
    }

    /** Under causal routing the logits at a position do not change, bit for bit, when later tokens are appended. */
    @Test
    void causalRoutingIsPrefixInvariant() {
        try (Backend be = MomaFixtures.cpu()) {
            for (MomaConfig c : List.of(modMoma(), flatExpertChoice())) {
                Built m = build(be, c, 3);
                int[] seq = tokens(11, 14, 32);
                int prefix = 9;
                RoutingMode causal = RoutingMode.causal(m.aux());
                float[] full = logits(be, m.model(), new int[][]{seq}, causal);
                float[] part = logits(be, m.model(), new int[][]{Arrays.copyOf(seq, prefix)}, causal);
                assertThat(part).containsExactly(Arrays.copyOf(full, part.length));
            }
        }
    }

    /** Batch expert choice is not: appending tokens changes every expert's top k, and with it earlier logits. */
    @Test
    void batchExpertChoiceIsNotPrefixInvariant() {
        try (Backend be = MomaFixtures.cpu()) {
            Built m = build(be, flatExpertChoice(), 3);
            int[] seq = tokens(11, 14, 32);
            int prefix = 9;
            float[] full = logits(be, m.model(), new int[][]{seq}, RoutingMode.BATCH);
            float[] part = logits(be, m.model(), new int[][]{Arrays.copyOf(seq, prefix)}, RoutingMode.BATCH);
            double worst = 0;
            for (int i = 0; i < part.length; i++) {
                worst = Math.max(worst, Math.abs(part[i] - full[i]));
            }
            assertThat(worst).as("largest change of an early logit when 5 tokens are appended").isGreaterThan(1e-3);
        }
    }

    /**
     * Sequences whose depth predictor keeps different numbers of tokens share a causal batch: each row's logits are
     * those of the row alone (the filler padding the shorter rows is attended by nobody).
     */
    @Test
    void raggedCausalDepthRoutingMatchesEachSequenceAlone() {
        try (Backend be = MomaFixtures.cpu()) {
            Built m = build(be, modMoma(), 5);
            int t = 12;
            int[][] seqs = {tokens(1, t, 32), tokens(2, t, 32), tokens(3, t, 32)};
            Recording rec = new Recording(m.aux(), "layers.0.depth_router");
            float[] together = logits(be, m.model(), seqs, RoutingMode.causal(rec));
            boolean[] layer0 = rec.calls.getFirst();
            int[] kept = new int[seqs.length];
            for (int r = 0; r < seqs.length; r++) {
                kept[r] = Recording.count(Arrays.copyOfRange(layer0, r * t, (r + 1) * t));
            }
            assertThat(Arrays.stream(kept).distinct().count()).as("tokens layer 0 keeps per sequence: %s",
                    Arrays.toString(kept)).isGreaterThan(1);
            int v = 32;
            for (int r = 0; r < seqs.length; r++) {
                float[] alone = logits(be, m.model(), new int[][]{seqs[r]}, RoutingMode.causal(m.aux()));
                float[] mine = Arrays.copyOfRange(together, r * t * v, (r + 1) * t * v);
                for (int i = 0; i < alone.length; i++) {
                    assertThat(mine[i]).as("row %d, logit %d", r, i)
                            .isCloseTo(alone[i], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }

    /**
     * One-token decoding with causal routing gives the full causal forward's logits at every position, with MoD
     * layers that skip some tokens (and store no keys for them) and experts that take 0..E tokens each.
     */
    @Test
    void cachedDecodingWithCausalRoutingMatchesTheFullForward() {
        try (Backend be = MomaFixtures.cpu()) {
            Built m = build(be, modMoma(), 7);
            int t = 12;
            int v = 32;
            int[] seq = tokens(21, t, v);
            float[] full = logits(be, m.model(), new int[][]{seq}, RoutingMode.causal(m.aux()));
            Recording rec = new Recording(m.aux(), "layers.0.depth_router");
            RoutingMode mode = RoutingMode.causal(rec);
            KvCache cache = new KvCache(be, m.model().config(), t);
            try (StepArena arena = be.newArena()) {
                for (int i = 0; i < t; i++) {
                    Var step = m.model().decodeStep(new Graph(be, arena, false), seq[i], Modality.TEXT, cache, mode);
                    float[] got = new float[v];
                    be.copyToHost(step.value(), got);
                    for (int j = 0; j < v; j++) {
                        assertThat(got[j]).as("position %d logit %d", i, j)
                                .isCloseTo(full[i * v + j], org.assertj.core.data.Offset.offset(5e-5f));
                    }
                    arena.release();
                }
            }
            int chosen = 0;
            for (boolean[] call : rec.calls) {
                chosen += Recording.count(call);
            }
            assertThat(rec.calls).hasSize(t);
            assertThat(chosen).as("tokens the layer-0 predictor sent through its block").isBetween(1, t - 1);
            assertThat(cache.length(0)).isEqualTo(chosen); // a skipped token stores no key
            assertThat(cache.length(1)).isEqualTo(t);
            assertThat(cache.position()).isEqualTo(t);
        }
    }

    @Test
    void batchDepthRoutingRefusesToDecode() {
        try (Backend be = MomaFixtures.cpu()) {
            Built m = build(be, modMoma(), 7);
            KvCache cache = new KvCache(be, m.model().config(), 4);
            try (StepArena arena = be.newArena()) {
                assertThatThrownBy(() -> m.model().decodeStep(new Graph(be, arena, false), 1, cache))
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("layer 0 is mixture-of-depths")
                        .hasMessageContaining("causal routing");
            }
        }
    }
}
