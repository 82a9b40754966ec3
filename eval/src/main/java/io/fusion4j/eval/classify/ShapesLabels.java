package io.fusion4j.eval.classify;

import io.fusion4j.eval.data.shapes.Colour;
import io.fusion4j.eval.data.shapes.GridCell;
import io.fusion4j.eval.data.shapes.ShapeKind;

/**
 * The layout of the shapes multi-label head: colours at {@code [0, 7)}, shapes at {@code [7, 12)}, cells at
 * {@code [12, 21)}, each in enum order; and the count class {@code count − 1}.
 */
final class ShapesLabels {
    static final int COLOURS = 0;
    static final int SHAPES = COLOURS + Colour.values().length;
    static final int CELLS = SHAPES + ShapeKind.values().length;
    static final int WIDTH = CELLS + GridCell.values().length;

    private ShapesLabels() {
    }

    /** The 0/1 targets of {@code truth}. */
    static float[] targets(ShapesTruth truth) {
        float[] t = new float[WIDTH];
        truth.colours().forEach(c -> t[COLOURS + c.ordinal()] = 1f);
        truth.shapes().forEach(s -> t[SHAPES + s.ordinal()] = 1f);
        truth.cells().forEach(c -> t[CELLS + c.ordinal()] = 1f);
        return t;
    }
}
