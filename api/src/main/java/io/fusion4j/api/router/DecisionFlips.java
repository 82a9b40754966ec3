package io.fusion4j.api.router;

import java.util.SplittableRandom;

/**
 * Deliberate routing errors for a sensitivity sweep (MoMa §4.4: how far held-out loss falls when a fraction σ of the
 * mixture-of-depths selections is wrong, as an imperfect causal router would make them). Each valid token's on/off
 * decision is flipped independently with probability {@link #fraction()}.
 *
 * <p>Stateful: one instance draws from one seeded stream, so the same passes over the same batches flip the same
 * decisions; use a fresh instance per sweep point.
 */
public final class DecisionFlips {
    private final double fraction;
    private final SplittableRandom random;

    public DecisionFlips(double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("a flip fraction must be in [0, 1], found " + fraction);
        }
        this.fraction = fraction;
        this.random = new SplittableRandom(seed);
    }

    public double fraction() {
        return fraction;
    }

    /**
     * Flips {@code chosen[i]} for each {@code valid[i]} with probability {@link #fraction()} (padding is never
     * touched) and returns how many it flipped.
     */
    public int apply(boolean[] chosen, boolean[] valid) {
        if (chosen.length != valid.length) {
            throw new IllegalArgumentException("decisions for " + chosen.length + " rows but validity for "
                    + valid.length);
        }
        if (fraction == 0) {
            return 0;
        }
        int flipped = 0;
        for (int i = 0; i < chosen.length; i++) {
            if (valid[i] && random.nextDouble() < fraction) {
                chosen[i] = !chosen[i];
                flipped++;
            }
        }
        return flipped;
    }
}
