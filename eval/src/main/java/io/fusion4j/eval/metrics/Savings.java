package io.fusion4j.eval.metrics;

import java.util.Locale;

/**
 * A FLOPs savings factor η as far as the dense runs can measure it (see {@link FlopsSavings}): an interpolated
 * value, or a bound when the variant's loss lies outside the dense curve's range.
 */
public sealed interface Savings {

    /** η as a report cell, two decimals and a multiplication sign, e.g. {@code 3.02×}, {@code > 4.00×}. */
    String describe();

    /** The dense curve reached the variant's loss: η is {@code eta}. */
    record Measured(double eta) implements Savings {
        @Override
        public String describe() {
            return String.format(Locale.ROOT, "%.2f\u00d7", eta);
        }
    }

    /**
     * The variant's loss is below every dense point: even the longest dense run did not reach it, so η is at least
     * {@code bound} = the largest dense FLOPs ÷ the variant's FLOPs.
     */
    record AtLeast(double bound) implements Savings {
        @Override
        public String describe() {
            return String.format(Locale.ROOT, "> %.2f\u00d7", bound);
        }
    }

    /**
     * The variant's loss is above every dense point: even the shortest dense run did better, so η is at most
     * {@code bound} = the smallest dense FLOPs ÷ the variant's FLOPs.
     */
    record AtMost(double bound) implements Savings {
        @Override
        public String describe() {
            return String.format(Locale.ROOT, "< %.2f\u00d7", bound);
        }
    }
}
