package io.fusion4j.eval.metrics;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How one comparison of the report is stated, decided from measured numbers only: a difference counts only when
 * it is larger than the spread between seeds, and the sentence is assembled from the measured values.
 *
 * @param outcome    what the measurement says about the paper's claim
 * @param difference the variant's improvement over the baseline, mean against mean, in the better direction:
 *                   positive means the variant is better, whichever of lower or higher is better
 * @param spread     the larger of the two seed ranges (max − min); NaN for {@link Outcome#SINGLE_SEED}, where one
 *                   side's spread was not measured
 * @param sentence   the report's sentence, e.g. {@code reproduced: moma-4t4i vs dense, image loss: the variant's
 *                   mean is 0.031 lower (better) than the baseline's ...}
 */
public record Verdict(Outcome outcome, double difference, double spread, String sentence) {

    /** The outcome of a comparison. */
    public enum Outcome {
        /** The difference exceeds the seed spread and points the way the paper says. */
        REPRODUCED,
        /** The difference exceeds the seed spread and points the opposite way to the paper. */
        REVERSED,
        /** The difference is not larger than the seed spread: neither side wins. */
        NO_SIGNIFICANT_DIFFERENCE,
        /** One side has a single seed, so no spread is measured and no significance can be stated. */
        SINGLE_SEED
    }

    /**
     * Compares a variant with a baseline over seeds. The difference is significant when both sides have at least
     * 2 seeds and {@code |difference| > spread} (strictly: a difference equal to the spread is not significant).
     *
     * @param claim                  names the comparison in the sentence, e.g. {@code "moma-4t4i vs dense, image
     *                               loss"}; not blank
     * @param variant                the variant's metric, one value per seed, finite, at least one
     * @param baseline               the baseline's metric, one value per seed, finite, at least one
     * @param lowerIsBetter          true for losses, FID, perplexity; false for accuracy, CIDEr
     * @param paperSaysVariantBetter the paper's direction: true when it reports the variant better than the baseline
     * @throws IllegalArgumentException on a blank claim, an empty side or a non-finite value
     */
    public static Verdict compare(String claim, double[] variant, double[] baseline, boolean lowerIsBetter,
                                  boolean paperSaysVariantBetter) {
        if (claim == null || claim.isBlank()) {
            throw new IllegalArgumentException("claim: expected a description of the comparison, found "
                    + (claim == null ? "null" : "a blank string"));
        }
        SeedStats v = stats("variant", variant);
        SeedStats b = stats("baseline", baseline);
        double raw = v.mean() - b.mean();
        double difference = lowerIsBetter ? -raw : raw;
        String measured = "the variant's mean " + number(v.mean()) + " is "
                + (raw == 0 ? "equal to the baseline's" : number(Math.abs(raw)) + (raw < 0 ? " lower" : " higher")
                + " (" + (difference > 0 ? "better" : "worse") + ") than the baseline's") + " " + number(b.mean());
        String paper = "the paper has the variant " + (paperSaysVariantBetter ? "better" : "worse");

        if (v.n() < 2 || b.n() < 2) {
            String sentence = "one seed: the spread is not measured; " + claim + ": " + measured + " ("
                    + v.n() + " and " + b.n() + " seeds; " + paper + ")";
            return new Verdict(Outcome.SINGLE_SEED, difference, Double.NaN, sentence);
        }
        double spread = Math.max(v.range(), b.range());
        Outcome outcome;
        if (Math.abs(difference) > spread) {
            outcome = (difference > 0) == paperSaysVariantBetter ? Outcome.REPRODUCED : Outcome.REVERSED;
        } else {
            outcome = Outcome.NO_SIGNIFICANT_DIFFERENCE;
        }
        String prefix = switch (outcome) {
            case REPRODUCED -> "reproduced";
            case REVERSED -> "reversed";
            case NO_SIGNIFICANT_DIFFERENCE -> "no significant difference";
            case SINGLE_SEED -> throw new AssertionError("handled above");
        };
        String relation = outcome == Outcome.NO_SIGNIFICANT_DIFFERENCE ? "within" : "beyond";
        String sentence = prefix + ": " + claim + ": " + measured + ", " + relation + " the seed spread "
                + number(spread) + " (" + v.n() + " and " + b.n() + " seeds; " + paper + ")";
        return new Verdict(outcome, difference, spread, sentence);
    }

    private static SeedStats stats(String side, double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException(side + ": expected at least one seed's value, found none");
        }
        try {
            return SeedStats.of(values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(side + ": " + e.getMessage(), e);
        }
    }

    // Four significant digits without trailing zeros: enough to tell a difference from a spread of similar size.
    private static String number(double x) {
        if (x == 0) {
            return "0";
        }
        return new BigDecimal(x).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
