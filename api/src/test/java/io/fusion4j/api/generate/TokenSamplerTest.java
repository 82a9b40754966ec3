package io.fusion4j.api.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

class TokenSamplerTest {
    private static final float[] LOGITS = {0.5f, 2.0f, -1.0f, 1.5f, 2.0f, 0.0f, -3.0f, 1.0f};

    private static int[] draws(TokenSampler s, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(logits);
        }
        return out;
    }

    @Test
    void greedyPicksTheArgmaxAndTiesGoToTheLowerId() {
        TokenSampler greedy = new TokenSampler(0, 1, new SplittableRandom(1));
        assertThat(greedy.sample(new float[]{0.1f, 3f, -2f, 2.9f})).isEqualTo(1);
        assertThat(greedy.sample(LOGITS)).isEqualTo(1);
        assertThat(greedy.sample(new float[]{-1f, -1f, -1f})).isZero();
        assertThat(greedy.sample(new float[]{Float.NEGATIVE_INFINITY, 0f, 5f, 5f})).isEqualTo(2);
    }

    @Test
    void aTinyNucleusAlwaysPicksTheArgmax() {
        TokenSampler s = new TokenSampler(1.5, 1e-9, new SplittableRandom(3));
        assertThat(draws(s, LOGITS, 2000)).containsOnly(1);
    }

    /** The draws of the sampler the CLI had before it moved here, for seed 42: the algorithm is kept. */
    @Test
    void theSameSeedGivesTheSameTokensAsBefore() {
        assertThat(draws(new TokenSampler(0.8, 0.9, new SplittableRandom(42)), LOGITS, 16))
                .containsExactly(3, 1, 1, 1, 1, 3, 1, 3, 1, 4, 1, 4, 4, 4, 4, 1);
        assertThat(draws(new TokenSampler(1.0, 1.0, new SplittableRandom(42)), LOGITS, 16))
                .containsExactly(3, 1, 1, 4, 1, 7, 1, 7, 4, 3, 1, 4, 4, 4, 3, 1);
        assertThat(draws(new TokenSampler(1.7, 0.5, new SplittableRandom(42)), LOGITS, 16))
                .containsExactly(3, 1, 1, 1, 1, 3, 1, 3, 1, 4, 1, 4, 4, 4, 4, 1);
    }

    @Test
    void atTemperatureOneTheDrawsFollowTheSoftmax() {
        assertFrequenciesMatch(1.0, 1.0, softmax(LOGITS, 1.0));
    }

    @Test
    void temperatureAndNucleusReshapeTheDistribution() {
        // At temperature 2 ids 1 and 4 hold 0.441 of the mass, short of top-p 0.5; id 3 brings it to 0.613, so the
        // nucleus is exactly those three, renormalised.
        double[] p = softmax(LOGITS, 2.0);
        double kept = p[1] + p[4] + p[3];
        double[] expected = new double[p.length];
        for (int id : new int[]{1, 3, 4}) {
            expected[id] = p[id] / kept;
        }
        assertFrequenciesMatch(2.0, 0.5, expected);
    }

    private static void assertFrequenciesMatch(double temperature, double topP, double[] expected) {
        int n = 200_000;
        TokenSampler s = new TokenSampler(temperature, topP, new SplittableRandom(7));
        double[] freq = new double[expected.length];
        for (int i = 0; i < n; i++) {
            freq[s.sample(LOGITS)] += 1.0 / n;
        }
        for (int i = 0; i < expected.length; i++) {
            // Five standard deviations of a binomial frequency, so the check fails only for a wrong distribution.
            double tol = 5 * Math.sqrt(expected[i] * (1 - expected[i]) / n) + 1e-12;
            assertThat(freq[i]).as("frequency of token %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tol));
        }
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Test
    void badArgumentsAreRejectedWithMessagesNamingThem() {
        SplittableRandom r = new SplittableRandom(1);
        assertThatThrownBy(() -> new TokenSampler(-0.5, 1, r)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("temperature must be a finite number >= 0 (0 for greedy), found -0.5");
        assertThatThrownBy(() -> new TokenSampler(Double.NaN, 1, r)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new TokenSampler(Double.POSITIVE_INFINITY, 1, r)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new TokenSampler(1, 0, r)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("top-p must be in (0, 1], found 0.0");
        assertThatThrownBy(() -> new TokenSampler(1, 1.01, r)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new TokenSampler(1, Double.NaN, r)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new TokenSampler(1, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("rng");
        assertThatThrownBy(() -> new TokenSampler(0, 1, r).sample(new float[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logits");
    }

    @Test
    void topKDrawsOnlyFromTheKMostProbableInProportionAndNeverAMaskedToken() {
        // softmax over logits log(4), log(3), log(2), log(1), -inf: top-2 keeps ids 0 and 1 in the ratio 4:3.
        float[] logits = {(float) Math.log(4), (float) Math.log(3), (float) Math.log(2), 0f, Float.NEGATIVE_INFINITY};
        TokenSampler s = new TokenSampler(1.0, 2, 1.0, new java.util.SplittableRandom(11));
        int[] counts = new int[5];
        int n = 70_000;
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits)]++;
        }
        assertThat(counts[2] + counts[3] + counts[4]).isZero();
        assertThat((double) counts[0] / n).isCloseTo(4.0 / 7, org.assertj.core.data.Offset.offset(0.01));
        // Without top-k, the masked id is still never drawn while the others are.
        TokenSampler all = new TokenSampler(1.0, 1.0, new java.util.SplittableRandom(12));
        int[] c2 = new int[5];
        for (int i = 0; i < 20_000; i++) {
            c2[all.sample(logits)]++;
        }
        assertThat(c2[4]).isZero();
        assertThat(c2[3]).isPositive();
        assertThatThrownBy(() -> new TokenSampler(1.0, -1, 1.0, new java.util.SplittableRandom(1)))
                .hasMessageContaining("top-k must be >= 0");
    }
}
