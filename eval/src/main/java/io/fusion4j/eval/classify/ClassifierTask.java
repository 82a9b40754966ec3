package io.fusion4j.eval.classify;

/**
 * What a classifier predicts, which fixes its heads: for {@link #SHAPES}, sigmoid heads for colour presence (7),
 * shape presence (5) and cell occupancy (9) side by side in one 21-wide multi-label head, and a softmax over the
 * object count (1–3); for {@link #DIGITS}, a softmax over the ten digits; for {@link #EMOJI_CATEGORIES}, a softmax
 * over the emoji package's ten categories.
 */
public enum ClassifierTask {
    SHAPES(ShapesLabels.WIDTH, 3, null), DIGITS(0, 10, HeldOutAccuracy.DIGIT),
    EMOJI_CATEGORIES(0, io.fusion4j.eval.data.images.EmojiImages.CATEGORIES.size(), HeldOutAccuracy.CATEGORY);

    private final int multiLabels;
    private final int classes;
    private final String accuracyKey;

    ClassifierTask(int multiLabels, int classes, String accuracyKey) {
        this.multiLabels = multiLabels;
        this.classes = classes;
        this.accuracyKey = accuracyKey;
    }

    /** Width of the multi-label (sigmoid) head, 0 when there is none. */
    public int multiLabels() {
        return multiLabels;
    }

    /** Width of the softmax head. */
    public int classes() {
        return classes;
    }

    /**
     * For a single-label task, the class a dataset label names ("7" is digit 7, "Flags" is a category's index), or -1
     * when it names none; always -1 for shapes, whose labels are scenes.
     */
    public int classOf(String label) {
        if (label == null) {
            return -1;
        }
        return switch (this) {
            case SHAPES -> -1;
            case DIGITS -> label.matches("[0-9]") ? label.charAt(0) - '0' : -1;
            case EMOJI_CATEGORIES -> io.fusion4j.eval.data.images.EmojiImages.CATEGORIES.indexOf(label);
        };
    }

    /** What a label must be for {@link #classOf}, as errors say it. */
    public String expectedLabel() {
        return switch (this) {
            case SHAPES -> "a shapes scene";
            case DIGITS -> "a digit 0-9 for a digit classifier";
            case EMOJI_CATEGORIES -> "one of the categories " + io.fusion4j.eval.data.images.EmojiImages.CATEGORIES;
        };
    }

    /** For a single-label task, the key of its held-out accuracy; null for shapes' attributes. */
    public String accuracyKey() {
        return accuracyKey;
    }
}
