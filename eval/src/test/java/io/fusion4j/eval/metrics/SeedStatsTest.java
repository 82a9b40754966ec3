package io.fusion4j.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SeedStatsTest {

    @Test
    void summarisesSeedsWithTheSampleStandardDeviation() {
        // mean 5; squared deviations 9 + 1 + 1 + 9 = 20; / (4 − 1) → std sqrt(20/3)
        SeedStats s = SeedStats.of(2, 4, 6, 8);
        assertThat(s.n()).isEqualTo(4);
        assertThat(s.mean()).isEqualTo(5.0);
        assertThat(s.min()).isEqualTo(2.0);
        assertThat(s.max()).isEqualTo(8.0);
        assertThat(s.range()).isEqualTo(6.0);
        assertThat(s.std()).isCloseTo(Math.sqrt(20.0 / 3), within(1e-15));
    }

    @Test
    void oneSeedHasZeroSpread() {
        assertThat(SeedStats.of(3.25)).isEqualTo(new SeedStats(1, 3.25, 3.25, 3.25, 0));
    }

    @Test
    void staysAccurateForLargeValuesWithSmallSpread() {
        // 1e8 ± 2⁻⁶ are exact doubles, so the true std is exactly 2⁻⁶ = 0.015625; Σx² − n·mean² would be computed
        // around 3e16, where the spacing of doubles is 4, and lose every digit.
        double d = Math.scalb(1.0, -6);
        SeedStats s = SeedStats.of(1e8 - d, 1e8, 1e8 + d);
        assertThat(s.mean()).isEqualTo(1e8);
        assertThat(s.std()).isCloseTo(d, within(1e-12));
    }

    @Test
    void refusesNoValuesAndNaN() {
        assertThatThrownBy(SeedStats::of).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values: expected at least one value, found none");
        assertThatThrownBy(() -> SeedStats.of(1, Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected finite numbers, found NaN at index 1");
        assertThatThrownBy(() -> SeedStats.of(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("found Infinity at index 0");
    }
}
