package io.fusion4j.eval.classify;

/**
 * What a classifier predicts, which fixes its heads: for {@link #SHAPES}, sigmoid heads for colour presence (7),
 * shape presence (5) and cell occupancy (9) side by side in one 21-wide multi-label head, and a softmax over the
 * object count (1–3); for {@link #DIGITS}, a softmax over the ten digits.
 */
public enum ClassifierTask {
    SHAPES(ShapesLabels.WIDTH, 3), DIGITS(0, 10);

    private final int multiLabels;
    private final int classes;

    ClassifierTask(int multiLabels, int classes) {
        this.multiLabels = multiLabels;
        this.classes = classes;
    }

    /** Width of the multi-label (sigmoid) head, 0 when there is none. */
    public int multiLabels() {
        return multiLabels;
    }

    /** Width of the softmax head. */
    public int classes() {
        return classes;
    }
}
