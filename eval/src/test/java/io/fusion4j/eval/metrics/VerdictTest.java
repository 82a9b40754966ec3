package io.fusion4j.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fusion4j.eval.metrics.Verdict.Outcome;
import org.junit.jupiter.api.Test;

class VerdictTest {

    @Test
    void aLowerLossBeyondTheSpreadReproducesAClaimOfImprovement() {
        // means 2.31 and 2.36: the variant is 0.05 lower; ranges 0.02 and 0.04 → spread 0.04
        Verdict v = Verdict.compare("moma-4t4i vs dense, image loss", new double[]{2.30, 2.31, 2.32},
                new double[]{2.34, 2.36, 2.38}, true, true);
        assertThat(v.outcome()).isEqualTo(Outcome.REPRODUCED);
        assertThat(v.difference()).isCloseTo(0.05, within(1e-12));
        assertThat(v.spread()).isCloseTo(0.04, within(1e-12));
        assertThat(v.sentence()).isEqualTo("reproduced: moma-4t4i vs dense, image loss: the variant's mean 2.31 is "
                + "0.05 lower (better) than the baseline's 2.36, beyond the seed spread 0.04 (3 and 3 seeds; the "
                + "paper has the variant better)");
    }

    @Test
    void aClaimOfImprovementIsReversedWhenTheVariantIsSignificantlyWorse() {
        // Higher is better (accuracy): variant mean 0.705, baseline 0.81 → difference −0.105, spread 0.02.
        Verdict v = Verdict.compare("transfusion vs chameleon, accuracy", new double[]{0.70, 0.71},
                new double[]{0.80, 0.82}, false, true);
        assertThat(v.outcome()).isEqualTo(Outcome.REVERSED);
        assertThat(v.difference()).isCloseTo(-0.105, within(1e-12));
        assertThat(v.spread()).isCloseTo(0.02, within(1e-12));
        assertThat(v.sentence()).startsWith("reversed: transfusion vs chameleon, accuracy: ")
                .contains("0.105 lower (worse)").contains("seed spread 0.02").contains("2 and 2 seeds");
    }

    @Test
    void theSameNumbersReadWithTheOtherBetterDirectionFlipTheSign() {
        double[] variant = {0.70, 0.71};
        double[] baseline = {0.80, 0.82};
        Verdict lowerBetter = Verdict.compare("x", variant, baseline, true, true);
        Verdict higherBetter = Verdict.compare("x", variant, baseline, false, true);
        assertThat(lowerBetter.difference()).isCloseTo(0.105, within(1e-12));
        assertThat(lowerBetter.outcome()).isEqualTo(Outcome.REPRODUCED);
        assertThat(higherBetter.difference()).isCloseTo(-lowerBetter.difference(), within(1e-15));
        assertThat(higherBetter.outcome()).isEqualTo(Outcome.REVERSED);
    }

    @Test
    void aPaperClaimThatTheVariantIsWorseIsReproducedWhenItIsWorse() {
        // Text loss: variant 0.05 higher than the baseline, beyond spread 0.01; the paper has the variant worse.
        Verdict v = Verdict.compare("moma-1t1i vs dense, text loss", new double[]{3.05, 3.06},
                new double[]{3.00, 3.01}, true, false);
        assertThat(v.outcome()).isEqualTo(Outcome.REPRODUCED);
        assertThat(v.difference()).isCloseTo(-0.05, within(1e-12));
        assertThat(v.sentence()).contains("0.05 higher (worse)").endsWith("the paper has the variant worse)");
        Verdict better = Verdict.compare("moma-1t1i vs dense, text loss", new double[]{3.00, 3.01},
                new double[]{3.05, 3.06}, true, false);
        assertThat(better.outcome()).isEqualTo(Outcome.REVERSED);
    }

    @Test
    void aDifferenceWithinTheSpreadIsNoSignificantDifference() {
        // difference 0.005 < spread 0.02
        Verdict v = Verdict.compare("moe-8x vs dense, loss", new double[]{2.50, 2.52}, new double[]{2.505, 2.525},
                true, true);
        assertThat(v.outcome()).isEqualTo(Outcome.NO_SIGNIFICANT_DIFFERENCE);
        assertThat(v.difference()).isCloseTo(0.005, within(1e-12));
        assertThat(v.sentence()).startsWith("no significant difference: moe-8x vs dense, loss: ")
                .contains("0.005 lower (better)").contains("within the seed spread 0.02");
    }

    @Test
    void aDifferenceEqualToTheSpreadIsNotSignificant() {
        // Dyadic values, so every mean, range and difference is exact: means 1.25 and 1.75, ranges 0.5.
        Verdict equal = Verdict.compare("x", new double[]{1.0, 1.5}, new double[]{1.5, 2.0}, true, true);
        assertThat(equal.difference()).isEqualTo(0.5);
        assertThat(equal.spread()).isEqualTo(0.5);
        assertThat(equal.outcome()).isEqualTo(Outcome.NO_SIGNIFICANT_DIFFERENCE);
        double e = Math.scalb(1.0, -10);
        Verdict above = Verdict.compare("x", new double[]{1.0, 1.5}, new double[]{1.5 + e, 2.0 + e}, true, true);
        assertThat(above.difference()).isEqualTo(0.5 + e);
        assertThat(above.outcome()).isEqualTo(Outcome.REPRODUCED);
    }

    @Test
    void oneSeedOnEitherSideIsReportedAsSingleSeedWithItsDirection() {
        Verdict v = Verdict.compare("moma-4t4i vs moe-8x, loss", new double[]{2.40}, new double[]{2.50, 2.60},
                true, true);
        assertThat(v.outcome()).isEqualTo(Outcome.SINGLE_SEED);
        assertThat(v.difference()).isCloseTo(0.15, within(1e-12));
        assertThat(v.spread()).isNaN();
        assertThat(v.sentence()).startsWith("one seed: the spread is not measured; moma-4t4i vs moe-8x, loss: ")
                .contains("0.15 lower (better)").contains("1 and 2 seeds");
        // Even a large difference is not called significant with one baseline seed.
        Verdict other = Verdict.compare("x", new double[]{1, 1.1}, new double[]{9}, false, true);
        assertThat(other.outcome()).isEqualTo(Outcome.SINGLE_SEED);
        assertThat(other.sentence()).contains("7.95 lower (worse)");
    }

    @Test
    void refusesABlankClaimEmptySidesAndNaN() {
        assertThatThrownBy(() -> Verdict.compare(" ", new double[]{1}, new double[]{1}, true, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("claim: expected");
        assertThatThrownBy(() -> Verdict.compare("x", new double[0], new double[]{1}, true, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("variant: expected at least one seed's value, found none");
        assertThatThrownBy(() -> Verdict.compare("x", new double[]{1}, new double[]{1, Double.NaN}, true, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("baseline: ").hasMessageContaining("found NaN at index 1");
    }
}
