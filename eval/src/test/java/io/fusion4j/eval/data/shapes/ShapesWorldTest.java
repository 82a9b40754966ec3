package io.fusion4j.eval.data.shapes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.data.Image;
import io.fusion4j.eval.image.Png;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

class ShapesWorldTest {
    private final ShapesWorld world = ShapesWorld.standard();

    @Test
    void theSameSeedAndIndexGiveTheSameBytes() {
        for (int i = 0; i < 20; i++) {
            byte[] a = Png.encode(world.sample(ShapesWorld.Split.TRAIN, i).image());
            byte[] b = Png.encode(new ShapesWorld(32, 0, Set.of()).sample(ShapesWorld.Split.TRAIN, i).image());
            assertThat(a).isEqualTo(b);
        }
        assertThat(Png.encode(world.sample(ShapesWorld.Split.TRAIN, 1).image()))
                .isNotEqualTo(Png.encode(world.sample(ShapesWorld.Split.TRAIN, 2).image()));
        assertThat(world.scene(ShapesWorld.Split.TRAIN, 5)).isNotEqualTo(world.scene(ShapesWorld.Split.VALIDATION, 5));
    }

    /** The pixel at an object's centre (a ring's: on its band) has the object's named colour; the caption names it. */
    @Test
    void everyObjectHasItsColourWhereItIsDrawnAndTheCaptionNamesIt() {
        for (int size : new int[]{16, 32, 64}) {
            ShapesWorld w = new ShapesWorld(size, 3, Set.of());
            for (int i = 0; i < 300; i++) {
                ShapesWorld.Sample s = w.sample(ShapesWorld.Split.TRAIN, i);
                Image im = s.image();
                assertThat(im.channels()).isEqualTo(3);
                assertThat(im.height()).isEqualTo(size);
                for (ShapeObject o : s.scene().objects()) {
                    double cell = size / 3.0;
                    double radius = cell * (o.large() ? 0.44 : 0.30);
                    double cx = (o.cell().column() + 0.5) * cell;
                    double cy = (o.cell().row() + 0.5) * cell;
                    // At 16 px a small object is under 3 px across and a ring band under a pixel: edge pixels blend.
                    if (size >= 32 || (o.large() && o.shape() != ShapeKind.RING)) {
                        if (o.shape() != ShapeKind.RING) {
                            int x = (int) cx;
                            int y = (int) cy;
                            assertThat(Colour.nearest(im.at(0, y, x), im.at(1, y, x), im.at(2, y, x)))
                                    .as("size %d scene %d %s", size, i, o).isEqualTo(o.colour());
                        } else {
                            // A ring's band is one or two pixels wide: some pixel on it has the colour.
                            boolean found = false;
                            for (int y = 0; y < size && !found; y++) {
                                for (int x = 0; x < size && !found; x++) {
                                    double d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) / radius;
                                    found = d >= 0.5 && d <= 1 && Colour.nearest(im.at(0, y, x), im.at(1, y, x),
                                            im.at(2, y, x)) == o.colour();
                                }
                            }
                            assertThat(found).as("size %d scene %d %s", size, i, o).isTrue();
                        }
                    }
                    assertThat(s.captions().getFirst()).contains(o.sizeWord() + " " + o.colour().word() + " "
                            + o.shape().word() + " " + o.cell().phrase());
                }
                assertThat(s.captions()).hasSizeGreaterThanOrEqualTo(3).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void aWorldOfAtMostOneObjectDrawsOneAndTheDefaultWorldIsUnchanged() {
        ShapesWorld one = new ShapesWorld(16, 0, Set.of(), 1);
        ShapesWorld three = new ShapesWorld(16, 0, Set.of(), ShapesWorld.MAX_OBJECTS);
        ShapesWorld usual = new ShapesWorld(16, 0, Set.of());
        java.util.Set<Integer> counts = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            assertThat(one.scene(ShapesWorld.Split.TRAIN, i).objects()).hasSize(1);
            assertThat(three.sample(ShapesWorld.Split.TRAIN, i).image().pixels())
                    .isEqualTo(usual.sample(ShapesWorld.Split.TRAIN, i).image().pixels());
            assertThat(three.scene(ShapesWorld.Split.TRAIN, i).captions())
                    .isEqualTo(usual.scene(ShapesWorld.Split.TRAIN, i).captions());
            counts.add(usual.scene(ShapesWorld.Split.TRAIN, i).objects().size());
        }
        assertThat(counts).containsExactlyInAnyOrder(1, 2, 3);
        assertThatThrownBy(() -> new ShapesWorld(16, 0, Set.of(), 0))
                .hasMessageContaining("objects per scene must be 1 to 3, found 0");
    }

    @Test
    void captionsParaphraseTheScene() {
        Scene s = new Scene(List.of(new ShapeObject(ShapeKind.SQUARE, Colour.BLUE, false, GridCell.TOP_LEFT),
                new ShapeObject(ShapeKind.SQUARE, Colour.BLUE, true, GridCell.TOP_RIGHT),
                new ShapeObject(ShapeKind.TRIANGLE, Colour.ORANGE, true, GridCell.BOTTOM)), null);
        assertThat(s.captions()).containsExactly(
                "a small blue square in the top left, a large blue square in the top right and a large orange triangle at"
                        + " the bottom",
                "two blue squares and an orange triangle",
                "a blue square to the left of a blue square",
                "blue square, top left; blue square, top right; orange triangle, bottom");
    }

    @Test
    void heldOutCombinationsNeverAppearInTrainingAndAlwaysInTheCompositionalSplit() {
        Set<ShapesWorld.Combo> held = Set.of(new ShapesWorld.Combo(Colour.RED, ShapeKind.TRIANGLE),
                new ShapesWorld.Combo(Colour.BLUE, ShapeKind.RING));
        ShapesWorld w = new ShapesWorld(32, 9, held);
        for (ShapesWorld.Split split : new ShapesWorld.Split[]{ShapesWorld.Split.TRAIN, ShapesWorld.Split.VALIDATION}) {
            for (int i = 0; i < 2000; i++) {
                for (ShapeObject o : w.scene(split, i).objects()) {
                    assertThat(held).as("%s %d", split, i).doesNotContain(new ShapesWorld.Combo(o.colour(), o.shape()));
                }
            }
        }
        for (int i = 0; i < 500; i++) {
            assertThat(w.scene(ShapesWorld.Split.COMPOSITIONAL, i).objects())
                    .anyMatch(o -> held.contains(new ShapesWorld.Combo(o.colour(), o.shape())));
        }
        // Without the hold-out, a red triangle does show up in training.
        boolean seen = false;
        for (int i = 0; i < 2000 && !seen; i++) {
            seen = ShapesWorld.standard().scene(ShapesWorld.Split.TRAIN, i).objects().stream()
                    .anyMatch(o -> o.colour() == Colour.RED && o.shape() == ShapeKind.TRIANGLE);
        }
        assertThat(seen).isTrue();
    }

    @Test
    void badSizesAndIndicesAreNamed() {
        assertThatThrownBy(() -> new ShapesWorld(8, 0, Set.of())).hasMessage("shapes: image size must be 16 to 64 pixels,"
                + " found 8");
        assertThatThrownBy(() -> world.scene(ShapesWorld.Split.VALIDATION, 10_000))
                .hasMessage("shapes: index 10000 is outside the VALIDATION split's 10000 scenes");
    }

    @Test
    void backgroundsHaveTextureAndObjectsAreAntiAliased() {
        // A quantiser must lose something: count the distinct pixel colours of a few images.
        int distinct = 0;
        boolean partial = false;
        for (int i = 0; i < 10; i++) {
            Image im = world.sample(ShapesWorld.Split.TRAIN, i).image();
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    colours.add(Math.round(im.at(0, y, x) * 255) << 16 | Math.round(im.at(1, y, x) * 255) << 8
                            | Math.round(im.at(2, y, x) * 255));
                }
            }
            distinct += colours.size();
        }
        assertThat(distinct / 10).as("mean distinct colours per 32x32 image").isGreaterThan(100);
        assertThat(ShapesWorld.inside(ShapeKind.CIRCLE, 0.7, 0.7)).isTrue();
        assertThat(ShapesWorld.inside(ShapeKind.RING, 0, 0)).isFalse();
        assertThat(ShapesWorld.inside(ShapeKind.CROSS, 0.9, 0)).isTrue();
        assertThat(ShapesWorld.inside(ShapeKind.CROSS, 0.9, 0.9)).isFalse();
        assertThat(ShapesWorld.inside(ShapeKind.TRIANGLE, 0, -0.9)).isTrue();
        assertThat(ShapesWorld.inside(ShapeKind.TRIANGLE, 0.8, -0.9)).isFalse();
    }
}
