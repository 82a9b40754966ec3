package io.fusion4j.api.generate;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from a row of logits. At temperature 0 it is greedy: the largest logit, ties to the
 * lower id. Otherwise it draws from {@code softmax(logits / temperature)} restricted to the nucleus: the most
 * probable tokens (ties in probability ordered by id) whose mass first reaches {@code topP} of the total,
 * never fewer than one, after keeping only the {@code topK} most probable when a top-k is set. A logit of
 * {@code -Infinity} is never drawn (how a caller masks tokens out), as long as one logit is finite. The draw takes one {@link RandomGenerator#nextDouble()}, so the same generator state
 * gives the same tokens.
 *
 * <p>Not thread-safe: sampling advances the generator.
 */
public final class TokenSampler {
    private final double temperature;
    private final double topP;
    private final int topK;
    private final RandomGenerator rng;

    /**
     * @param temperature 0 for greedy decoding, else the softmax temperature (finite, &gt; 0)
     * @param topP        the nucleus mass, in (0, 1]; 1 samples from every token
     * @param rng         the random generator draws come from (unused when greedy)
     * @throws IllegalArgumentException naming the argument when temperature or top-p is out of range
     */
    public TokenSampler(double temperature, double topP, RandomGenerator rng) {
        this(temperature, 0, topP, rng);
    }

    /**
     * As {@link #TokenSampler(double, double, RandomGenerator)}, drawing from at most the {@code topK} most probable
     * tokens ({@code 0}: no limit) before the nucleus is taken.
     */
    public TokenSampler(double temperature, int topK, double topP, RandomGenerator rng) {
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 for no limit), found " + topK);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0 (0 for greedy), found "
                    + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], found " + topP);
        }
        this.temperature = temperature;
        this.topP = topP;
        this.topK = topK;
        this.rng = Objects.requireNonNull(rng, "rng");
    }

    /** The softmax temperature; 0 means greedy. */
    public double temperature() {
        return temperature;
    }

    /** The nucleus mass. */
    public double topP() {
        return topP;
    }

    /** The id of the next token for one row of logits (one entry per vocabulary id). */
    public int sample(float[] logits) {
        if (logits.length == 0) {
            throw new IllegalArgumentException("logits must hold at least one entry");
        }
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]) != 0 ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double mass = 0;
        int keep = 0;
        int limit = topK == 0 ? order.length : Math.min(topK, order.length);
        double kept = 0; // the mass of the top-k, which the nucleus is a share of
        for (int i = 0; i < limit; i++) {
            kept += p[order[i]];
        }
        while (keep < limit && (keep == 0 || mass < topP * kept)) {
            mass += p[order[keep++]];
        }
        double u = rng.nextDouble() * mass;
        for (int i = 0; i < keep; i++) {
            u -= p[order[i]];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
