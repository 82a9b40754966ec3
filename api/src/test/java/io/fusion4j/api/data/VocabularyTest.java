package io.fusion4j.api.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VocabularyTest {
    @Test
    void theDefaultLayoutPutsMarkersAfterTextAndCodesLast() {
        Vocabulary v = Vocabulary.of(100, 64);
        assertThat(new int[]{v.bos(), v.eos(), v.boi(), v.eoi()}).containsExactly(100, 101, 102, 103);
        assertThat(v.imageId(0)).isEqualTo(104);
        assertThat(v.imageId(63)).isEqualTo(167);
        assertThat(v.size()).isEqualTo(168);
        assertThat(v.modalityOf(104)).isEqualTo(Modality.IMAGE);
        assertThat(v.modalityOf(167)).isEqualTo(Modality.IMAGE);
        assertThat(v.modalityOf(168)).isEqualTo(Modality.TEXT);
        for (int marker : new int[]{v.bos(), v.eos(), v.boi(), v.eoi()}) {
            assertThat(v.modalityOf(marker)).isEqualTo(Modality.TEXT); // moma.md §10.8
        }
        assertThatThrownBy(() -> v.imageId(64)).hasMessageContaining("outside the codebook [0, 64)");
    }

    @Test
    void continuousImagesNeedNoCodes() {
        Vocabulary v = Vocabulary.of(50, 0);
        assertThat(v.size()).isEqualTo(54);
        assertThat(v.modalityOf(0)).isEqualTo(Modality.TEXT);
        assertThatThrownBy(() -> v.imageId(0)).hasMessageContaining("outside the codebook");
    }

    @Test
    void markersInsideTheTextRangeAreAllowedButNotAmongCodes() {
        Vocabulary inText = new Vocabulary(100, 100, 10, 0, 1, 2, 3);
        assertThat(inText.size()).isEqualTo(110);
        assertThatThrownBy(() -> new Vocabulary(100, 100, 10, 0, 1, 2, 105))
                .hasMessageContaining("marker id 105 lies among the image codes [100, 110)");
        assertThatThrownBy(() -> new Vocabulary(100, 99, 10, 0, 1, 2, 3)).hasMessageContaining("overlap the text ids");
        assertThatThrownBy(() -> new Vocabulary(100, 100, 10, 0, 1, 1, 3)).hasMessageContaining("distinct ids");
        assertThatThrownBy(() -> new Vocabulary(100, 100, 10, -1, 1, 2, 3)).hasMessageContaining(">= 0");
    }

    @Test
    void promptsLayMarkersAroundCaptionsAndImages() {
        Vocabulary v = Vocabulary.of(100, 64); // BOS 100, EOS 101, BOI 102, EOI 103, code c at 104 + c
        assertThat(v.imageRequest(new int[]{7, 8})).containsExactly(100, 7, 8, 102);
        assertThat(v.imageRequest(new int[0])).containsExactly(100, 102);
        assertThat(v.imageThenText(new int[]{0, 63}, new int[]{5})).containsExactly(100, 102, 104, 167, 103, 5);
        assertThat(v.imageThenText(new int[]{1}, new int[0])).containsExactly(100, 102, 105, 103);
        assertThatThrownBy(() -> v.imageThenText(new int[]{64}, new int[0])).hasMessageContaining("outside the codebook");
    }
}
