package io.fusion4j.api.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.AttentionMask;
import org.junit.jupiter.api.Test;

import java.util.List;

class MixedBatchTest {
    private static final byte T = (byte) Modality.TEXT.ordinal();
    private static final byte I = (byte) Modality.IMAGE.ordinal();

    /**
     * Two rows of 6: row 0 is "t t [i i] t pad" with an image at [2,4), row 1 is two documents "t t t | t t t".
     * Continuous inputs of width 2 for the two image positions.
     */
    private static MixedBatch sample() {
        int[] ids = {1, 2, 0, 0, 3, 0, 4, 5, 6, 7, 8, 9};
        int[] tg = {2, -1, -1, 3, -1, -1, 5, 6, -1, 8, 9, -1};
        byte[] mod = {T, T, I, I, T, T, T, T, T, T, T, T};
        byte[] tmod = {T, I, I, T, T, T, T, T, T, T, T, T};
        return new MixedBatch(2, 6, ids, tg, mod, tmod, new int[]{5, 6}, new int[][]{{}, {3}},
                List.of(new ImageSpan(0, 2, 4)), new float[]{.1f, .2f, .3f, .4f}, 2, new DataPosition(1, 7));
    }

    @Test
    void countsExcludePaddingAndIgnoredTargets() {
        MixedBatch b = sample();
        assertThat(b.tokenCount()).isEqualTo(11);
        assertThat(b.targetCount()).isEqualTo(6);
        assertThat(b.targetCount(Modality.TEXT)).isEqualTo(6);
        assertThat(b.targetCount(Modality.IMAGE)).isZero();
        assertThat(b.targetsFor(Modality.TEXT)).containsExactly(2, -1, -1, 3, -1, -1, 5, 6, -1, 8, 9, -1);
    }

    @Test
    void theMaskCutsDocumentsPaddingAndOptionallyOpensImages() {
        MixedBatch b = sample();
        AttentionMask causal = b.mask(false);
        assertThat(causal.visible(0, 2, 3)).isFalse();
        AttentionMask open = b.mask(true);
        assertThat(open.visible(0, 2, 3)).isTrue();
        assertThat(open.visible(0, 4, 3)).isTrue();
        assertThat(open.keyEnd(0, 5)).isEqualTo(open.keyStart(0, 5)); // padding sees nothing
        assertThat(open.visible(1, 4, 2)).isFalse(); // second document does not see the first
        assertThat(open.visible(1, 4, 3)).isTrue();
    }

    @Test
    void microBatchesSplitRowsImagesAndInputs() {
        MixedBatch b = sample();
        MixedBatch first = b.microBatch(0, 2);
        MixedBatch second = b.microBatch(1, 2);
        assertThat(first.rows()).isEqualTo(1);
        assertThat(first.images()).containsExactly(new ImageSpan(0, 2, 4));
        assertThat(first.imageInputs()).containsExactly(.1f, .2f, .3f, .4f);
        assertThat(second.images()).isEmpty();
        assertThat(second.imageInputs()).isEmpty();
        assertThat(second.documentStarts()[0]).containsExactly(3);
        assertThat(first.tokenCount() + second.tokenCount()).isEqualTo(b.tokenCount());
        assertThat(first.targetCount() + second.targetCount()).isEqualTo(b.targetCount());
        assertThat(second.position()).isEqualTo(new DataPosition(1, 7));
        assertThat(b.microBatch(0, 1)).isSameAs(b);
        assertThatThrownBy(() -> b.microBatch(0, 3)).hasMessageContaining("must divide the batch's 2 rows");
    }

    @Test
    void aLaterMicroBatchTakesTheImageInputsAfterThoseOfEarlierRows() {
        int[] z = new int[12];
        byte[] mod = {T, I, I, T, T, T, T, T, I, I, I, T};
        List<ImageSpan> spans = List.of(new ImageSpan(1, 2, 5), new ImageSpan(0, 1, 3)); // given out of order
        float[] inputs = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5}; // row 0's two positions, then row 1's three, width 2
        MixedBatch b = new MixedBatch(2, 6, z, z, mod, mod, new int[]{6, 6}, new int[][]{{}, {}}, spans, inputs, 2,
                null);
        assertThat(b.images()).containsExactly(new ImageSpan(0, 1, 3), new ImageSpan(1, 2, 5));
        MixedBatch second = b.microBatch(1, 2);
        assertThat(second.images()).containsExactly(new ImageSpan(0, 2, 5));
        assertThat(second.imageInputs()).containsExactly(3, 3, 4, 4, 5, 5);
        assertThat(b.microBatch(0, 2).imageInputs()).containsExactly(1, 1, 2, 2);
    }

    @Test
    void textOnlyIsTheSimpleCase() {
        MixedBatch b = MixedBatch.textOnly(2, 3, new int[]{1, 2, 3, 4, 5, 6}, new int[]{2, 3, 4, 5, 6, 7},
                DataPosition.START);
        assertThat(b.tokenCount()).isEqualTo(6);
        assertThat(b.targetCount()).isEqualTo(6);
        assertThat(b.positions()).containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(b.mask(true).visible(1, 2, 0)).isTrue();
        assertThat(b.mask(true).visible(1, 0, 1)).isFalse();
    }

    @Test
    void badFieldsAreNamed() {
        assertThatThrownBy(() -> new MixedBatch(1, 2, new int[2], new int[3], new byte[2], new byte[2], new int[]{2},
                new int[][]{{}}, List.of(), null, 0, null)).hasMessage("targets: expected 2 entries, found 3");
        assertThatThrownBy(() -> new MixedBatch(1, 2, new int[2], new int[2], new byte[]{0, 5}, new byte[2],
                new int[]{2}, new int[][]{{}}, List.of(), null, 0, null))
                .hasMessage("modality code must be in [0, 2), found 5");
        assertThatThrownBy(() -> new MixedBatch(1, 4, new int[4], new int[4], new byte[4], new byte[4], new int[]{4},
                new int[][]{{}}, List.of(new ImageSpan(0, 1, 3)), new float[3], 2, null))
                .hasMessage("imageInputs: expected 2 positions x width 2 floats, found 3");
    }
}
