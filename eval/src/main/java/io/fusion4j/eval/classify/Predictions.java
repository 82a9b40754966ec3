package io.fusion4j.eval.classify;

import io.fusion4j.eval.data.shapes.Colour;
import io.fusion4j.eval.data.shapes.GridCell;
import io.fusion4j.eval.data.shapes.ShapeKind;

import java.util.List;

/** What a shapes classifier sees in each image, in the order the images were given. */
public record Predictions(List<Prediction> images) {
    /**
     * One image: the predicted attributes, and the single most likely colour, shape and cell (what a one-object
     * prompt is scored on).
     */
    public record Prediction(ShapesTruth truth, Colour colour, ShapeKind shape, GridCell cell) {
    }

    public Predictions {
        images = List.copyOf(images);
    }

    public Prediction get(int i) {
        return images.get(i);
    }

    public int size() {
        return images.size();
    }
}
