package io.fusion4j.eval.data.shapes;

/** One object of a scene: what it is and where. Sizes: small or large. */
public record ShapeObject(ShapeKind shape, Colour colour, boolean large, GridCell cell) {
    public String sizeWord() {
        return large ? "large" : "small";
    }
}
