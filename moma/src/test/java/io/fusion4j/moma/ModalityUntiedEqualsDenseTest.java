package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.moma.routing.DepthProvider;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;
import io.fusion4j.moma.routing.TokenChoiceProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * MoMa 1t1i (moma.md §10.3: one text and one image feed-forward, no gate) with both experts set to the dense
 * model's feed-forward is the dense model: same logits on a mixed text/image batch. Parameters are copied by name
 * ({@code layers.i.ffn.experts.text.0.w1} ← {@code layers.i.ffn.w1}, every other name unchanged).
 */
class ModalityUntiedEqualsDenseTest extends CpuBackendTest {
    private static final int VOCAB = 32;
    private static final DecoderConfig BASE = new DecoderConfig(VOCAB, 16, 2, 2, 24, 10000f, 1e-5f,
            NormPlacement.CHAMELEON, true, 1e-5f, 0.1f);
    private static final Routers ROUTERS = new Routers(List.of(new ExpertChoiceProvider(), new TokenChoiceProvider(),
            new ModalityProvider(), new DepthProvider()));

    /** 3 rows of 12: images (ids in the upper half of the vocabulary) in every row, a padded row, a second document. */
    private static MixedBatch batch() {
        int rows = 3;
        int len = 12;
        int[] valid = {12, 9, 12};
        int[][] docs = {{}, {}, {6}};
        List<ImageSpan> spans = List.of(new ImageSpan(0, 2, 7), new ImageSpan(1, 0, 3), new ImageSpan(2, 7, 12));
        int[] ids = new int[rows * len];
        byte[] mod = new byte[rows * len];
        for (ImageSpan s : spans) {
            for (int i = s.start(); i < s.end(); i++) {
                mod[s.row() * len + i] = (byte) Modality.IMAGE.ordinal();
            }
        }
        SplittableRandom r = new SplittableRandom(23);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = mod[i] == Modality.IMAGE.ordinal() ? VOCAB / 2 + r.nextInt(VOCAB / 2) : r.nextInt(VOCAB / 2);
        }
        int[] tg = new int[rows * len];
        byte[] tmod = new byte[rows * len];
        for (int i = 0; i < ids.length; i++) {
            boolean last = (i + 1) % len == 0;
            tg[i] = last ? MixedBatch.IGNORE : ids[i + 1];
            tmod[i] = last ? mod[i] : mod[i + 1];
        }
        return new MixedBatch(rows, len, ids, tg, mod, tmod, valid, docs, spans, null, 0, DataPosition.START);
    }

    private static float[] host(Parameters.Parameter p) {
        float[] h = new float[(int) p.value().numel()];
        be.copyToHost(p.value(), h);
        return h;
    }

    private static float[] logits(Decoder d, MixedBatch b) {
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            var out = d.logits(ForwardPass.of(g, TokenMeta.upload(be, arena, b, false)));
            float[] h = new float[(int) out.value().numel()];
            be.copyToHost(out.value(), h);
            return h;
        }
    }

    /** The dense parameter a 1t1i parameter is copied from. */
    private static String denseName(String moma) {
        return moma.replaceFirst("\\.ffn\\.experts\\.(text|image)\\.0\\.", ".ffn.");
    }

    @Test
    void bothExpertsEqualToTheDenseFeedForwardGiveTheDenseLogits() {
        Decoder dense = MomaModel.build(new MomaConfig(BASE, 1, null, null), ROUTERS);
        Decoder untied = MomaModel.build(new MomaConfig(BASE, 2, RouterSpec.of(ModalityProvider.NAME, "text", 1), null),
                ROUTERS);
        dense.parameters().allocate(be, 1);
        untied.parameters().allocate(be, 2);
        MixedBatch b = batch();
        assertThat(b.targetCount(Modality.TEXT)).isPositive();
        assertThat(b.targetCount(Modality.IMAGE)).isPositive();

        // 1t1i has exactly the dense names with each ffn weight twice, as a text and an image expert: no router.
        Set<String> mapped = new TreeSet<>();
        int experts = 0;
        for (String n : untied.parameters().all().keySet()) {
            mapped.add(denseName(n));
            experts += n.contains(".experts.") ? 1 : 0;
        }
        assertThat(mapped).isEqualTo(new TreeSet<>(dense.parameters().all().keySet()));
        assertThat(experts).isEqualTo(2 * 3 * BASE.layers());
        assertThat(untied.parameters().all()).containsKeys("layers.0.ffn.experts.text.0.w1",
                "layers.1.ffn.experts.image.0.w2");

        float[] before = logits(untied, b);
        for (Parameters.Parameter p : untied.parameters().all().values()) {
            Parameters.Parameter from = dense.parameters().get(denseName(p.name()));
            assertThat(p.shape()).isEqualTo(from.shape());
            be.copyFromHost(host(from), p.value());
        }
        float[] want = logits(dense, b);
        float[] got = logits(untied, b);

        int v = BASE.vocab();
        double maxBefore = 0;
        int compared = 0;
        for (int row = 0; row < b.rows(); row++) {
            // Padding is in no modality: 1t1i gives it no feed-forward while dense runs it; no valid position sees it.
            for (int t = 0; t < b.validLength()[row]; t++) {
                int p = row * b.length() + t;
                for (int c = 0; c < v; c++) {
                    int i = p * v + c;
                    assertThat((double) got[i]).as("row %d, position %d (%s), logit %d", row, t, b.modalityAt(row, t), c)
                            .isCloseTo(want[i], offset(1e-5));
                    maxBefore = Math.max(maxBefore, Math.abs(before[i] - want[i]));
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(33);
        // Premise: with its own random weights the 1t1i model is another model.
        assertThat(maxBefore).isGreaterThan(1e-2);
    }
}
