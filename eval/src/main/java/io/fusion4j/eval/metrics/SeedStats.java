package io.fusion4j.eval.metrics;

/**
 * Summary of one measurement repeated over several seeds.
 *
 * @param n    the number of seeds, ≥ 1
 * @param mean the arithmetic mean
 * @param min  the smallest value
 * @param max  the largest value
 * @param std  the sample standard deviation (n−1 in the denominator); 0 for a single seed, where no spread is
 *             measured
 */
public record SeedStats(int n, double mean, double min, double max, double std) {

    /**
     * The statistics of {@code values}, one per seed.
     *
     * @throws IllegalArgumentException if there are no values or one is NaN or infinite
     */
    public static SeedStats of(double... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("values: expected at least one value, found none");
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            // A diverged seed (NaN or ∞) must be seen, not averaged into a number that looks like a result.
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("values: expected finite numbers, found " + v + " at index " + i);
            }
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        int n = values.length;
        double mean = sum / n;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double std = n == 1 ? 0 : Math.sqrt(squares / (n - 1));
        return new SeedStats(n, mean, min, max, std);
    }

    /** {@code max − min}: the seed range that {@link Verdict} compares differences against. */
    public double range() {
        return max - min;
    }
}
