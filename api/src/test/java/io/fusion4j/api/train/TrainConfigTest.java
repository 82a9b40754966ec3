package io.fusion4j.api.train;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A bad training config names each field that is wrong, what it expected and what it found. */
class TrainConfigTest {
    private static TrainConfig config(int batch, double lr, int keep) {
        return new TrainConfig(batch, 64, 100, lr, 0, 10, 0.1f, 1, 0.9f, 0.95f, 1e-8f, 1, 50, keep, 1, 0, 0);
    }

    @Test
    void eachBadFieldIsNamedWithWhatWasExpectedAndFound() {
        assertThatThrownBy(() -> config(8, 1e-3, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid training config: expected keep >= 2, found 1");
        assertThatThrownBy(() -> config(0, 0, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid training config: expected batch >= 1, found 0; expected lr > 0, found 0.0");
    }

    @Test
    void aGoodConfigIsAccepted() {
        org.assertj.core.api.Assertions.assertThat(config(8, 1e-3, 2).keep()).isEqualTo(2);
    }
}
