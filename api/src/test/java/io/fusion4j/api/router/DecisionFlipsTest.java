package io.fusion4j.api.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

class DecisionFlipsTest {
    @Test
    void flipsAboutTheFractionOfValidDecisionsAndNeverPadding() {
        int n = 200_000;
        boolean[] chosen = new boolean[n];
        boolean[] valid = new boolean[n];
        for (int i = 0; i < n; i++) {
            chosen[i] = i % 4 == 0;
            valid[i] = i % 10 != 9; // 90% valid
        }
        boolean[] before = chosen.clone();
        int flipped = new DecisionFlips(0.01, 3).apply(chosen, valid);
        int changed = 0;
        for (int i = 0; i < n; i++) {
            if (chosen[i] != before[i]) {
                changed++;
                assertThat(valid[i]).as("row %d was flipped but is padding", i).isTrue();
            }
        }
        assertThat(changed).isEqualTo(flipped);
        // Binomial(180000, 0.01): mean 1800, sd ≈ 42; five sd either side.
        assertThat(flipped).isBetween(1590, 2010);
    }

    @Test
    void theSameSeedFlipsTheSameDecisionsAndTheEndsAreExact() {
        boolean[] valid = new boolean[1000];
        Arrays.fill(valid, true);
        boolean[] a = new boolean[1000];
        boolean[] b = new boolean[1000];
        new DecisionFlips(0.2, 9).apply(a, valid);
        new DecisionFlips(0.2, 9).apply(b, valid);
        assertThat(a).isEqualTo(b);
        boolean[] c = new boolean[1000];
        new DecisionFlips(0.2, 10).apply(c, valid);
        assertThat(c).isNotEqualTo(a);

        boolean[] none = new boolean[1000];
        assertThat(new DecisionFlips(0, 1).apply(none, valid)).isZero();
        assertThat(none).doesNotContain(true);
        boolean[] all = new boolean[1000];
        assertThat(new DecisionFlips(1, 1).apply(all, valid)).isEqualTo(1000);
        assertThat(all).doesNotContain(false);
    }

    @Test
    void badFractionsAndModesAreRefused() {
        assertThatThrownBy(() -> new DecisionFlips(1.5, 1)).hasMessageContaining("[0, 1], found 1.5");
        assertThatThrownBy(() -> new DecisionFlips(Double.NaN, 1)).hasMessageContaining("found NaN");
        assertThatThrownBy(() -> new RoutingMode(null, (name, hidden, r, valid) -> { }, new DecisionFlips(0.1, 1)))
                .hasMessageContaining("neither causal routing nor a tap");
    }
}
