package io.fusion4j.transfusion;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.CaptionedImage;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.tensor.StepArena;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Transfusion's sequences: the attention mask against its definition ({@code j ≤ i} or the same image), which
 * positions carry LM targets and diffusion targets on a hand-built batch, and noise limiting for image-first pairs.
 */
class TransfusionLayoutTest {
    /** Text 0..9, BOS 10, EOS 11, BOI 12, EOI 13; no codes (images are patches). */
    private static final Vocabulary V = Vocabulary.of(10, 0);
    /** A 4x4 grey image: 2x2 pixel patches, 4 patches of 4 floats. */
    private static final Image IMG = new Image(1, 4, 4, new float[16]);

    private static MixedBatch batch(double captionFirst, double drop, int rows, int length, int pairs) {
        List<CaptionedImage> ps = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            ps.add(new CaptionedImage(new int[]{1 + i % 9, 2}, IMG));
        }
        return new MixedSequenceSource(V, new PixelPatches(2, 1, 4), ps, List.of(),
                new MixedSequenceSource.Options(rows, length, 5, captionFirst, 1.0).withCaptionDrop(drop))
                .batchAt(DataPosition.START);
    }

    @Test
    void theMaskIsCausalAndBidirectionalInsideEachImagePositionByPosition() {
        MixedBatch b = batch(0.5, 0, 2, 24, 8);
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            AttentionMask m = TokenMeta.upload(be, arena, b, true).mask();
            int checked = 0;
            for (int r = 0; r < b.rows(); r++) {
                for (int i = 0; i < b.validLength()[r]; i++) {
                    int doc = documentOf(b, r, i);
                    for (int j = 0; j < b.validLength()[r]; j++) {
                        ImageSpan si = spanOf(b, r, i);
                        boolean same = si != null && si == spanOf(b, r, j);
                        boolean expected = documentOf(b, r, j) == doc && (j <= i || same);
                        assertThat(m.visible(r, i, j)).as("row %d query %d key %d", r, i, j).isEqualTo(expected);
                        checked += same && j > i ? 1 : 0;
                    }
                }
            }
            assertThat(checked).as("future keys seen inside images").isPositive();
        }
    }

    private static ImageSpan spanOf(MixedBatch b, int row, int pos) {
        for (ImageSpan s : b.images()) {
            if (s.row() == row && pos >= s.start() && pos < s.end()) {
                return s;
            }
        }
        return null;
    }

    private static int documentOf(MixedBatch b, int row, int pos) {
        int d = 0;
        for (int s : b.documentStarts()[row]) {
            if (pos >= s) {
                d++;
            }
        }
        return d;
    }

    @Test
    void lmTargetsSkipBoiAndPatchesAndEoiPredictsTheNextTextToken() {
        // One caption-first pair: BOS 1 2 BOI p p p p EOI EOS.
        MixedBatch b = batch(1.0, 0, 1, 10, 1);
        int ig = MixedBatch.IGNORE;
        assertThat(b.ids()).containsExactly(10, 1, 2, 12, 0, 0, 0, 0, 13, 11);
        assertThat(b.targets()).containsExactly(1, 2, 12, ig, ig, ig, ig, ig, 11, ig);
        assertThat(b.images()).containsExactly(new ImageSpan(0, 4, 8));
        assertThat(b.imageInputWidth()).isEqualTo(4);
        assertThat(b.imageInputs()).hasSize(16).containsOnly(-1f); // black pixels at −1
        assertThat(TransfusionObjective.imageFirst(b, b.images().getFirst())).isFalse();
        // Image first: BOS BOI p p p p EOI 1 2 EOS; EOI predicts the caption's first token.
        MixedBatch f = batch(0.0, 0, 1, 10, 1);
        assertThat(f.ids()).containsExactly(10, 12, 0, 0, 0, 0, 13, 1, 2, 11);
        assertThat(f.targets()).containsExactly(12, ig, ig, ig, ig, ig, 1, 2, 11, ig);
        assertThat(TransfusionObjective.imageFirst(f, f.images().getFirst())).isTrue();
        // A dropped caption (BOS BOI p p p p EOI EOS) is an unconditional image, not an image-first pair.
        MixedBatch d = batch(0.0, 1.0, 1, 10, 1);
        assertThat(d.ids()).startsWith(10, 12, 0, 0, 0, 0, 13, 11);
        assertThat(TransfusionObjective.imageFirst(d, d.images().getFirst())).isFalse();
    }

    static TransfusionConfig tiny(int vocab, int width) {
        var base = new io.fusion4j.api.nn.DecoderConfig(vocab, 16, 2, 2, 24, 10000f, 1e-5f,
                io.fusion4j.api.nn.NormPlacement.PRE, false, 0f, 0.1f);
        return new TransfusionConfig(new io.fusion4j.moma.MomaConfig(base, 1, null, null), width, 8, 1000, 5, 500);
    }

    @Test
    void noiseLimitingNeverDrawsAboveFiveHundredForImageFirstPairs() {
        MixedBatch b = batch(0.5, 0.2, 8, 24, 16);
        TransfusionObjective o = new TransfusionObjective(TransfusionModel.build(tiny(V.size(), 4),
                io.fusion4j.api.router.Routers.discover()));
        int firsts = 0;
        int high = 0;
        for (long key = 0; key < 200; key++) {
            int[] t = o.timesteps(b, key * 7919, key << 32);
            assertThat(t).hasSize(b.images().size());
            for (int i = 0; i < t.length; i++) {
                assertThat(t[i]).isBetween(1, 1000);
                if (TransfusionObjective.imageFirst(b, b.images().get(i))) {
                    firsts++;
                    assertThat(t[i]).as("image-first pair, key %d", key).isLessThanOrEqualTo(500);
                } else if (t[i] > 500) {
                    high++;
                }
            }
        }
        assertThat(firsts).isPositive();
        assertThat(high).as("caption-first images reach the upper half").isPositive();
    }
}
