package io.fusion4j.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fusion4j.eval.metrics.FlopsSavings.Point;
import org.junit.jupiter.api.Test;

import java.util.List;

class FlopsSavingsTest {

    private static final double A = 12.0;
    private static final double B = 0.25;

    /** A dense curve whose loss is exactly linear in ln FLOPs, so interpolation recovers it exactly. */
    private static double loss(double flops) {
        return A - B * Math.log(flops);
    }

    private static List<Point> logLinearDense(double budget) {
        return List.of(new Point(budget, loss(budget)), new Point(2 * budget, loss(2 * budget)),
                new Point(4 * budget, loss(4 * budget)));
    }

    @Test
    void recoversTheKnownAnswerOnALogLinearCurve() {
        double budget = 3e15;
        for (double truth : new double[]{1.0, 1.37, 2.0, 3.02, 4.0}) {
            Savings s = FlopsSavings.eta(logLinearDense(budget), new Point(budget, loss(truth * budget)));
            assertThat(s).isInstanceOf(Savings.Measured.class);
            assertThat(((Savings.Measured) s).eta()).as("η for %s", truth).isCloseTo(truth, within(1e-12));
        }
        Savings s = FlopsSavings.eta(logLinearDense(budget), new Point(budget, loss(3.02 * budget)));
        assertThat(s.describe()).isEqualTo("3.02\u00d7");
    }

    @Test
    void interpolatesInLogFlopsBetweenAdjacentPoints() {
        // Segment (2, 2.0)–(4, 1.5): loss 1.75 is halfway, so ln F = ln 2 + ½ ln 2, F = 2^1.5; η = F / 1.
        List<Point> dense = List.of(new Point(1, 3.0), new Point(2, 2.0), new Point(4, 1.5));
        Savings s = FlopsSavings.eta(dense, new Point(1, 1.75));
        assertThat(((Savings.Measured) s).eta()).isCloseTo(Math.pow(2, 1.5), within(1e-12));
        // A variant that used half the FLOPs saves twice as much.
        Savings half = FlopsSavings.eta(dense, new Point(0.5, 1.75));
        assertThat(((Savings.Measured) half).eta()).isCloseTo(2 * Math.pow(2, 1.5), within(1e-12));
        // Exactly on a dense point.
        assertThat(FlopsSavings.eta(dense, new Point(1, 2.0))).isEqualTo(new Savings.Measured(2.0));
        assertThat(FlopsSavings.eta(dense, new Point(1, 1.5))).isEqualTo(new Savings.Measured(4.0));
    }

    @Test
    void aNonMonotoneCurveUsesTheFirstCrossing() {
        // Loss 2.25 is crossed on 1→2 (3.0→2.0), 2→4 (2.0→2.5) and 4→8 (2.5→1.0); the first gives
        // t = 0.75 on ln 1 .. ln 2, F = 2^0.75.
        List<Point> dense = List.of(new Point(1, 3.0), new Point(2, 2.0), new Point(4, 2.5), new Point(8, 1.0));
        Savings s = FlopsSavings.eta(dense, new Point(1, 2.25));
        assertThat(((Savings.Measured) s).eta()).isCloseTo(Math.pow(2, 0.75), within(1e-12));
    }

    @Test
    void aVariantBelowEveryDensePointGivesALowerBound() {
        double budget = 1e12;
        Savings s = FlopsSavings.eta(logLinearDense(budget), new Point(budget, loss(10 * budget)));
        assertThat(s).isEqualTo(new Savings.AtLeast(4.0));
        assertThat(s.describe()).isEqualTo("> 4.00\u00d7");
    }

    @Test
    void aVariantAboveEveryDensePointGivesAnUpperBound() {
        double budget = 1e12;
        Savings s = FlopsSavings.eta(logLinearDense(budget), new Point(budget, loss(0.5 * budget)));
        assertThat(s).isEqualTo(new Savings.AtMost(1.0));
        assertThat(s.describe()).isEqualTo("< 1.00\u00d7");
        Savings cheaper = FlopsSavings.eta(logLinearDense(budget), new Point(budget / 4, loss(0.1 * budget)));
        assertThat(cheaper).isEqualTo(new Savings.AtMost(4.0));
    }

    @Test
    void refusesTooFewPointsAndBadFlops() {
        assertThatThrownBy(() -> FlopsSavings.eta(List.of(new Point(1, 2)), new Point(1, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dense: expected at least 2 points").hasMessageContaining("found 1");
        assertThatThrownBy(() -> new Point(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flops: expected a finite value > 0, found 0.0");
        assertThatThrownBy(() -> new Point(-5, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("found -5.0");
        assertThatThrownBy(() -> new Point(1, Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loss: expected a finite value");
        assertThatThrownBy(() -> FlopsSavings.eta(List.of(new Point(2, 2), new Point(1, 1)), new Point(1, 1.5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dense: expected strictly increasing FLOPs, found 2.0 then 1.0");
    }

    @Test
    void lossAtReadsTheDenseCurveAtAnyFlopsInsideItAndIsCautiousOutside() {
        double budget = 2e12;
        List<Point> dense = logLinearDense(budget);
        for (double m : new double[]{1.0, 1.41, 2.0, 3.3, 4.0}) {
            assertThat(FlopsSavings.lossAt(dense, m * budget)).as("%s×", m).isCloseTo(loss(m * budget), within(1e-12));
        }
        // A kinked curve: each segment is its own line in ln FLOPs (hand-computed midpoint in log space).
        List<Point> kinked = List.of(new Point(1, 3.0), new Point(4, 2.0), new Point(16, 1.8));
        assertThat(FlopsSavings.lossAt(kinked, 2)).isCloseTo(2.5, within(1e-12));
        assertThat(FlopsSavings.lossAt(kinked, 8)).isCloseTo(1.9, within(1e-12));
        // Less compute than dense's smallest run: dense's first loss (dense had more); more than its largest: NaN.
        assertThat(FlopsSavings.lossAt(kinked, 0.5)).isEqualTo(3.0);
        assertThat(FlopsSavings.lossAt(kinked, 17)).isNaN();
        assertThatThrownBy(() -> FlopsSavings.lossAt(kinked, 0)).hasMessageContaining("flops");
    }
}
