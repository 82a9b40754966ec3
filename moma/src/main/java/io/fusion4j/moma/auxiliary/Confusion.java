package io.fusion4j.moma.auxiliary;

/**
 * How an auxiliary router's predictions ({@code > 0.5}) compare with its main router's choices for one expert:
 * true and false positives, false and true negatives.
 */
public record Confusion(long truePositives, long falsePositives, long falseNegatives, long trueNegatives) {
    public static final Confusion NONE = new Confusion(0, 0, 0, 0);

    /**
     * The confusion of expert {@code expert} over rows of {@code probabilities} and {@code labels}, both
     * {@code [rows · experts]} row-major: predicted taken iff the probability exceeds 0.5, taken iff the label is 1.
     */
    public static Confusion of(float[] probabilities, float[] labels, int experts, int expert) {
        if (probabilities.length != labels.length || experts < 1 || labels.length % experts != 0 || expert < 0
                || expert >= experts) {
            throw new IllegalArgumentException("confusion: expected probabilities and labels of equal length, a multiple"
                    + " of experts (" + experts + "), and an expert in [0, " + experts + "); found " + probabilities.length
                    + " and " + labels.length + " values, expert " + expert);
        }
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        for (int i = expert; i < labels.length; i += experts) {
            boolean predicted = probabilities[i] > 0.5f;
            boolean actual = labels[i] > 0.5f;
            tp += predicted && actual ? 1 : 0;
            fp += predicted && !actual ? 1 : 0;
            fn += !predicted && actual ? 1 : 0;
            tn += !predicted && !actual ? 1 : 0;
        }
        return new Confusion(tp, fp, fn, tn);
    }

    public Confusion plus(Confusion o) {
        return new Confusion(truePositives + o.truePositives, falsePositives + o.falsePositives,
                falseNegatives + o.falseNegatives, trueNegatives + o.trueNegatives);
    }

    /** {@code TP / (TP + FP)}: of the rows predicted taken, the share the main router took; 1 when none was predicted. */
    public double precision() {
        long p = truePositives + falsePositives;
        return p == 0 ? 1 : (double) truePositives / p;
    }

    /** {@code TP / (TP + FN)}: of the rows the main router took, the share predicted; 1 when it took none. */
    public double recall() {
        long p = truePositives + falseNegatives;
        return p == 0 ? 1 : (double) truePositives / p;
    }

    /** Rows the main router took. */
    public long positives() {
        return truePositives + falseNegatives;
    }

    /** Rows the auxiliary router predicted taken. */
    public long predicted() {
        return truePositives + falsePositives;
    }
}
