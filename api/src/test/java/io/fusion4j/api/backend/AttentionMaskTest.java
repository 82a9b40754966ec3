package io.fusion4j.api.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AttentionMaskTest {

    /** The rule written out pairwise, independent of the range construction. */
    private static boolean expected(int t, boolean causal, int[] doc, int[] span, int valid, int i, int j) {
        if (i >= valid || j >= valid || doc[i] != doc[j]) {
            return false;
        }
        if (!causal) {
            return true;
        }
        return j <= i || (span[i] >= 0 && span[i] == span[j]);
    }

    @Test
    void rangesMatchThePairwiseRuleForImagesDocumentsAndPadding() {
        int t = 30;
        AttentionMask m = AttentionMask.builder(2, t).causal(true)
                .bidirectionalSpan(0, 3, 8).bidirectionalSpan(0, 20, 29)
                .documentStart(1, 12).bidirectionalSpan(1, 14, 18).validLength(1, 25).build();
        int[][] doc = new int[2][t];
        int[][] span = new int[2][t];
        java.util.Arrays.fill(span[0], -1);
        java.util.Arrays.fill(span[1], -1);
        for (int i = 3; i < 8; i++) {
            span[0][i] = 0;
        }
        for (int i = 20; i < 29; i++) {
            span[0][i] = 1;
        }
        for (int i = 12; i < t; i++) {
            doc[1][i] = 1;
        }
        for (int i = 14; i < 18; i++) {
            span[1][i] = 2;
        }
        int[] valid = {t, 25};
        long pairs = 0;
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    boolean e = expected(t, true, doc[b], span[b], valid[b], i, j);
                    assertThat(m.visible(b, i, j)).as("row %d query %d key %d", b, i, j).isEqualTo(e);
                    pairs += e ? 1 : 0;
                }
            }
        }
        assertThat(m.visiblePairs()).isEqualTo(pairs);
        // An image token sees the whole image, including later positions.
        assertThat(m.keyEnd(0, 3)).isEqualTo(8);
        assertThat(m.keyStart(1, 13)).isEqualTo(12);
        assertThat(m.keyEnd(1, 27)).isEqualTo(m.keyStart(1, 27)); // padding sees nothing
    }

    @Test
    void causalAndBidirectionalShortcuts() {
        AttentionMask c = AttentionMask.causal(1, 5);
        assertThat(c.visiblePairs()).isEqualTo(15);
        AttentionMask b = AttentionMask.bidirectional(2, 5);
        assertThat(b.visiblePairs()).isEqualTo(50);
    }

    @Test
    void invalidSpansAreRejected() {
        assertThatThrownBy(() -> AttentionMask.builder(1, 10).bidirectionalSpan(0, 2, 6).bidirectionalSpan(0, 5, 8))
                .hasMessageContaining("overlaps");
        assertThatThrownBy(() -> AttentionMask.builder(1, 10).documentStart(0, 4).bidirectionalSpan(0, 2, 6).build())
                .hasMessageContaining("crosses the document boundary");
        assertThatThrownBy(() -> AttentionMask.builder(1, 10).bidirectionalSpan(0, 5, 11))
                .hasMessageContaining("[5, 11)");
    }
}
