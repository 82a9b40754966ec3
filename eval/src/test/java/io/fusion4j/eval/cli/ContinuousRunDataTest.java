package io.fusion4j.eval.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The default patch of a continuous run: the usual size, halved until it divides the grid. */
class ContinuousRunDataTest {
    @Test
    void theDefaultPatchHalvesUntilItDividesTheSide() {
        assertThat(ContinuousRunData.largestDividing(32, 4)).isEqualTo(4); // shapes' pixels
        assertThat(ContinuousRunData.largestDividing(28, 4)).isEqualTo(4); // MNIST's pixels
        assertThat(ContinuousRunData.largestDividing(8, 2)).isEqualTo(2);  // shapes' 8x8 latent
        assertThat(ContinuousRunData.largestDividing(7, 2)).isEqualTo(1);  // MNIST's 7x7 latent
        assertThat(ContinuousRunData.largestDividing(18, 4)).isEqualTo(2);
    }
}
