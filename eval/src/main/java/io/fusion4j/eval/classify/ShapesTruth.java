package io.fusion4j.eval.classify;

import io.fusion4j.eval.data.shapes.Colour;
import io.fusion4j.eval.data.shapes.GridCell;
import io.fusion4j.eval.data.shapes.Scene;
import io.fusion4j.eval.data.shapes.ShapeKind;
import io.fusion4j.eval.data.shapes.ShapeObject;

import java.util.EnumSet;

/**
 * What a shapes image shows, as the classifier and the caption parser see it: the colours and shapes present, the
 * cells occupied and the number of objects (1–3). Sizes and which colour goes with which shape are left out: these
 * are the attributes the evaluation scores exactly. The sets are copied in and out, so a truth never changes.
 */
public record ShapesTruth(EnumSet<Colour> colours, EnumSet<ShapeKind> shapes, EnumSet<GridCell> cells, int count) {
    public ShapesTruth {
        colours = EnumSet.copyOf(colours);
        shapes = EnumSet.copyOf(shapes);
        cells = EnumSet.copyOf(cells);
        if (count < 0) {
            throw new IllegalArgumentException("an object count is >= 0, found " + count);
        }
    }

    /** The attributes of {@code scene}, from the generator's own objects. */
    public static ShapesTruth of(Scene scene) {
        EnumSet<Colour> colours = EnumSet.noneOf(Colour.class);
        EnumSet<ShapeKind> shapes = EnumSet.noneOf(ShapeKind.class);
        EnumSet<GridCell> cells = EnumSet.noneOf(GridCell.class);
        for (ShapeObject o : scene.objects()) {
            colours.add(o.colour());
            shapes.add(o.shape());
            cells.add(o.cell());
        }
        return new ShapesTruth(colours, shapes, cells, scene.objects().size());
    }

    @Override
    public EnumSet<Colour> colours() {
        return EnumSet.copyOf(colours);
    }

    @Override
    public EnumSet<ShapeKind> shapes() {
        return EnumSet.copyOf(shapes);
    }

    @Override
    public EnumSet<GridCell> cells() {
        return EnumSet.copyOf(cells);
    }
}
