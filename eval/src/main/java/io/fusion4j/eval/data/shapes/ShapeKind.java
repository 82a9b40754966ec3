package io.fusion4j.eval.data.shapes;

/** The shapes the world draws. */
public enum ShapeKind {
    CIRCLE, SQUARE, TRIANGLE, CROSS, RING;

    /** The caption word, singular. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The caption word, plural. */
    public String plural() {
        return this == CROSS ? "crosses" : word() + "s";
    }
}
