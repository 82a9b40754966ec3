package io.fusion4j.eval.classify;

import io.fusion4j.eval.data.shapes.Colour;
import io.fusion4j.eval.data.shapes.GridCell;
import io.fusion4j.eval.data.shapes.Scene;
import io.fusion4j.eval.data.shapes.ShapeKind;
import io.fusion4j.eval.data.shapes.ShapeObject;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Parsing the generator's own captions recovers what each says of the scene exactly; hand cases cover the rest. */
class CaptionAttributesTest {
    private static final int SCENES = 500;

    /**
     * Caption 0 (full) and the last (terse) place every object: parsing either gives the scene's whole truth. The
     * counted caption ("two blue squares and a green triangle") gives everything but the cells; the relation caption
     * of a scene with two or more objects names its first two objects and no cell.
     */
    @Test
    void parsingEveryGeneratedCaptionOf500ScenesRecoversWhatItSaysExactly() {
        ShapesWorld world = ShapesWorld.standard();
        int relations = 0;
        int groupedPlurals = 0;
        for (int i = 0; i < SCENES; i++) {
            Scene s = world.scene(ShapesWorld.Split.TRAIN, i);
            ShapesTruth truth = ShapesTruth.of(s);
            List<String> captions = s.captions();
            assertThat(captions).as("captions of scene %d", i).hasSize(s.objects().size() >= 2 ? 4 : 3);
            for (String located : List.of(captions.getFirst(), captions.getLast())) {
                CaptionAttributes a = CaptionAttributes.parse(located);
                assertThat(a.truth()).as("scene %d, \"%s\"", i, located).isEqualTo(truth);
                assertThat(a.locatesEveryObject()).as("\"%s\" gives every object a cell", located).isTrue();
                assertThat(a.unknownWords()).as("unknown words of \"%s\"", located).isEmpty();
            }
            CaptionAttributes counted = CaptionAttributes.parse(captions.get(1));
            assertThat(counted.truth()).as("scene %d, \"%s\"", i, captions.get(1))
                    .isEqualTo(new ShapesTruth(truth.colours(), truth.shapes(), EnumSet.noneOf(GridCell.class),
                            truth.count()));
            assertThat(counted.unknownWords()).as("unknown words of \"%s\"", captions.get(1)).isEmpty();
            groupedPlurals += counted.mentions().stream().anyMatch(m -> m.number() > 1) ? 1 : 0;
            if (s.objects().size() >= 2) {
                relations++;
                CaptionAttributes rel = CaptionAttributes.parse(captions.get(2));
                List<ShapeObject> firstTwo = s.objects().subList(0, 2);
                assertThat(rel.mentions()).as("scene %d, \"%s\"", i, captions.get(2)).containsExactly(
                        new CaptionAttributes.Mention(1, Optional.empty(), Optional.of(firstTwo.get(0).colour()),
                                firstTwo.get(0).shape(), Optional.empty()),
                        new CaptionAttributes.Mention(1, Optional.empty(), Optional.of(firstTwo.get(1).colour()),
                                firstTwo.get(1).shape(), Optional.empty()));
                assertThat(rel.cells()).as("cells of the relation \"%s\"", captions.get(2)).isEmpty();
                assertThat(rel.unknownWords()).as("unknown words of \"%s\"", captions.get(2)).isEmpty();
            }
        }
        // Every phrasing was exercised, plurals included ("two blue squares").
        assertThat(relations).as("scenes with a relation caption").isGreaterThan(100);
        assertThat(groupedPlurals).as("counted captions with a plural group").isGreaterThan(0);
    }

    @Test
    void theFullCaptionKeepsEachObjectsSizeColourShapeAndCell() {
        CaptionAttributes a = CaptionAttributes.parse("a large red circle in the top left and a small blue ring");
        assertThat(a.mentions()).containsExactly(
                new CaptionAttributes.Mention(1, Optional.of(true), Optional.of(Colour.RED), ShapeKind.CIRCLE,
                        Optional.of(GridCell.TOP_LEFT)),
                new CaptionAttributes.Mention(1, Optional.of(false), Optional.of(Colour.BLUE), ShapeKind.RING,
                        Optional.empty()));
        assertThat(a.truth()).isEqualTo(new ShapesTruth(EnumSet.of(Colour.RED, Colour.BLUE),
                EnumSet.of(ShapeKind.CIRCLE, ShapeKind.RING), EnumSet.of(GridCell.TOP_LEFT), 2));
        assertThat(a.locatesEveryObject()).as("the ring has no cell").isFalse();
    }

    @Test
    void numberWordsAndPluralsCountObjects() {
        CaptionAttributes a = CaptionAttributes.parse("three white crosses");
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.shapes()).containsExactly(ShapeKind.CROSS);
        assertThat(CaptionAttributes.parse("two orange triangles and an orange square").count()).isEqualTo(3);
        assertThat(CaptionAttributes.parse("squares").count()).as("a bare plural is at least two").isEqualTo(2);
    }

    @Test
    void relationWordsAreNotReadAsCells() {
        CaptionAttributes a = CaptionAttributes.parse("a yellow square to the right of a purple triangle");
        assertThat(a.cells()).as("'right' belongs to the relation").isEmpty();
        assertThat(a.colours()).containsExactly(Colour.YELLOW, Colour.PURPLE);
        assertThat(CaptionAttributes.parse("a green cross on the right").cells()).containsExactly(GridCell.RIGHT);
        assertThat(CaptionAttributes.parse("green cross, bottom right").cells()).containsExactly(GridCell.BOTTOM_RIGHT);
    }

    @Test
    void malformedGeneratedCaptionsAreReadLeniently() {
        CaptionAttributes a = CaptionAttributes.parse("a purple blob red red , , the");
        assertThat(a.colours()).as("colours named without a shape").containsExactly(Colour.RED, Colour.PURPLE);
        assertThat(a.count()).as("no shape word, so no object").isZero();
        assertThat(a.unknownWords()).containsExactly("blob");
        CaptionAttributes empty = CaptionAttributes.parse("   ");
        assertThat(empty.mentions()).isEmpty();
        assertThat(empty.unknownWords()).isEmpty();
        assertThat(CaptionAttributes.parse("A Large RED Circle, In The Centre.").truth()).isEqualTo(new ShapesTruth(
                EnumSet.of(Colour.RED), EnumSet.of(ShapeKind.CIRCLE), EnumSet.of(GridCell.CENTRE), 1));
    }

    @Test
    void aTruthIsACopyThatCannotBeChangedFromOutside() {
        EnumSet<Colour> colours = EnumSet.of(Colour.RED);
        ShapesTruth t = new ShapesTruth(colours, EnumSet.of(ShapeKind.RING), EnumSet.of(GridCell.TOP), 1);
        colours.add(Colour.BLUE);
        t.colours().add(Colour.GREEN);
        assertThat(t.colours()).containsExactly(Colour.RED);
    }
}
