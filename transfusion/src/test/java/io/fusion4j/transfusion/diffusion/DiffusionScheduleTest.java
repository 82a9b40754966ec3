package io.fusion4j.transfusion.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** The cosine schedule, its posterior and the respaced samplers against closed forms written here from the papers. */
class DiffusionScheduleTest {
    private static final DiffusionSchedule S = DiffusionSchedule.cosine(1000);

    /** Improved DDPM's f(t), written again here rather than taken from the class. */
    private static double cosineF(double t) {
        double c = Math.cos((t / 1000 + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    @Test
    void alphaBarIsTheCosineRatioWhereBetaIsNotClippedAndBetaIsItsStepRatio() {
        assertThat(S.steps()).isEqualTo(1000);
        assertThat(S.alphaBar(0)).isEqualTo(1.0);
        int clipped = 0;
        for (int t = 1; t <= 1000; t++) {
            double b = S.beta(t);
            assertThat(b).isGreaterThan(0).isLessThanOrEqualTo(0.999);
            assertThat(S.alphaBar(t)).isLessThan(S.alphaBar(t - 1));
            assertThat(S.alphaBar(t)).isCloseTo(S.alphaBar(t - 1) * (1 - b), offset(1e-15));
            if (b == 0.999) {
                clipped++;
            } else if (clipped == 0) {
                assertThat(S.alphaBar(t)).as("t=%d", t).isCloseTo(cosineF(t) / cosineF(0), offset(1e-12));
            }
        }
        // Only the very end of the cosine schedule reaches the clip (f(T) = cos²(π/2) = 0).
        assertThat(clipped).isBetween(1, 3);
        assertThat(S.alphaBar(1000)).isLessThan(1e-6);
        assertThat(S.beta(1)).isCloseTo(1 - cosineF(1) / cosineF(0), offset(1e-15));
        assertThatThrownBy(() -> S.beta(0)).hasMessageContaining("timestep 0 is outside [1, 1000]");
        assertThatThrownBy(() -> S.alphaBar(1001)).hasMessageContaining("outside [0, 1000]");
    }

    @Test
    void thePosteriorIsTheProductOfTheTwoGaussiansByBayes() {
        SplittableRandom r = new SplittableRandom(3);
        for (int t : new int[]{2, 3, 10, 250, 500, 999}) { // t = 1 divides by 1 − ᾱ_0 = 0: checked below
            double abPrev = S.alphaBar(t - 1);
            double alpha = 1 - S.beta(t);
            // q(x_{t−1}|x₀) = N(√ᾱ_{t−1}x₀, 1−ᾱ_{t−1}); q(x_t|x_{t−1}) = N(√α_t x_{t−1}, β_t), as a function of x_{t−1}.
            double precision = 1 / (1 - abPrev) + alpha / S.beta(t);
            double x0 = r.nextDouble(-2, 2);
            double xt = r.nextDouble(-2, 2);
            double mean = (Math.sqrt(abPrev) * x0 / (1 - abPrev) + Math.sqrt(alpha) * xt / S.beta(t)) / precision;
            DiffusionSchedule.Posterior p = S.posterior(t);
            assertThat(p.variance()).as("t=%d", t).isCloseTo(1 / precision, offset(1e-12));
            assertThat(p.x0() * x0 + p.xt() * xt).as("t=%d", t).isCloseTo(mean, offset(1e-10));
        }
        // At t = 1 the posterior is x₀ itself: nothing is left to remove.
        assertThat(S.posterior(1).variance()).isCloseTo(0, offset(1e-12));
    }

    @Test
    void respacedStepsRunEvenlyFromTToOne() {
        int[] s250 = S.respaced(250);
        assertThat(s250).hasSize(250);
        assertThat(s250[0]).isEqualTo(1000);
        assertThat(s250[249]).isEqualTo(1);
        for (int i = 1; i < s250.length; i++) {
            assertThat(s250[i - 1] - s250[i]).isBetween(4, 5);
        }
        int[] all = S.respaced(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(all[i]).isEqualTo(1000 - i);
        }
        assertThat(S.respaced(1)).containsExactly(1000);
        assertThatThrownBy(() -> S.respaced(0)).hasMessageContaining("sampling steps must be in [1, 1000], found 0");
    }

    /** Runs a sampler with an exact ε oracle from x_T made of known x₀ and ε; returns the final x. */
    private static double[] sample(Sampler sampler, int n, double[] x0, double[] eps, long seed) {
        SamplerStep[] plan = sampler.plan(S, n);
        double[] x = new double[x0.length];
        double ab = S.alphaBar(1000);
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sqrt(ab) * x0[i] + Math.sqrt(1 - ab) * eps[i];
        }
        SplittableRandom z = new SplittableRandom(seed);
        for (SamplerStep s : plan) {
            double abT = S.alphaBar(s.t());
            for (int i = 0; i < x.length; i++) {
                double oracle = (x[i] - Math.sqrt(abT) * x0[i]) / Math.sqrt(1 - abT);
                x[i] = s.a() * x[i] + s.b() * oracle + s.sigma() * gaussian(z);
            }
        }
        return x;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void withAnExactNoiseOracleBothSamplersRecoverTheCleanImage() {
        SplittableRandom r = new SplittableRandom(9);
        double[] x0 = new double[32];
        double[] eps = new double[32];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = r.nextDouble(-1.5, 1.5);
            eps[i] = gaussian(r);
        }
        for (int n : new int[]{1, 10, 50, 250}) {
            double[] ddim = sample(Sampler.DDIM, n, x0, eps, 1);
            double[] ddpm = sample(Sampler.DDPM, n, x0, eps, 2);
            for (int i = 0; i < x0.length; i++) {
                assertThat(ddim[i]).as("DDIM-%d element %d", n, i).isCloseTo(x0[i], offset(1e-6));
                assertThat(ddpm[i]).as("DDPM-%d element %d", n, i).isCloseTo(x0[i], offset(1e-6));
            }
        }
    }

    @Test
    void ddimStaysOnTheOracleTrajectoryAndDdpmAtFullLengthIsThePosterior() {
        // DDIM with the exact ε keeps x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε at every visited step.
        SamplerStep[] plan = Sampler.DDIM.plan(S, 20);
        double x0 = 0.7;
        double eps = -1.1;
        double x = Math.sqrt(S.alphaBar(1000)) * x0 + Math.sqrt(1 - S.alphaBar(1000)) * eps;
        for (SamplerStep s : plan) {
            x = s.a() * x + s.b() * eps;
            assertThat(s.sigma()).isZero();
            double ab = S.alphaBar(s.next());
            assertThat(x).as("after %d -> %d", s.t(), s.next()).isCloseTo(Math.sqrt(ab) * x0 + Math.sqrt(1 - ab) * eps,
                    offset(1e-9));
        }
        // Not respaced, DDPM's step is the schedule's own posterior with x̂₀ substituted.
        SamplerStep[] full = Sampler.DDPM.plan(S, 1000);
        for (int t : new int[]{1000, 600, 2}) {
            SamplerStep s = full[1000 - t];
            DiffusionSchedule.Posterior p = S.posterior(t);
            double ab = S.alphaBar(t);
            assertThat(s.sigma()).isCloseTo(Math.sqrt(p.variance()), offset(1e-12));
            assertThat(s.a()).isCloseTo(p.x0() / Math.sqrt(ab) + p.xt(), offset(1e-9));
            assertThat(s.b()).isCloseTo(-p.x0() * Math.sqrt(1 - ab) / Math.sqrt(ab), offset(1e-9));
        }
        assertThat(Sampler.of("DDIM")).isEqualTo(Sampler.DDIM);
        assertThatThrownBy(() -> Sampler.of("euler")).hasMessageContaining("ddim or ddpm, found 'euler'");
    }

    @Test
    void aClippedUpdateIsTheAffineOneWhenTheEstimateIsInsideTheClipAndClampsItOtherwise() {
        for (Sampler kind : Sampler.values()) {
            for (SamplerStep s : kind.plan(S, 10)) {
                double x = 0.3;
                double eps = 0.2;
                double x0 = (x - Math.sqrt(1 - s.alphaBar()) * eps) / Math.sqrt(s.alphaBar());
                double affine = s.update(x, eps, 0.5, Double.POSITIVE_INFINITY);
                assertThat(affine).isCloseTo(s.a() * x + s.b() * eps + s.sigma() * 0.5, offset(1e-12));
                if (Math.abs(x0) <= 1) {
                    assertThat(s.update(x, eps, 0.5, 1)).as("%s %d", kind, s.t()).isCloseTo(affine, offset(1e-9));
                }
            }
            // The last step returns the clean estimate itself: clamped into [−1, 1].
            SamplerStep last = kind.plan(S, 10)[9];
            double x = 3.0;
            assertThat(last.update(x, 0, 0, 1)).isCloseTo(1.0, offset(1e-12));
            assertThat(last.update(x, 0, 0, Double.POSITIVE_INFINITY)).isGreaterThan(1.0);
        }
    }
}
