package io.fusion4j.eval.suite;

import io.fusion4j.eval.data.shapes.ShapesWorld;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The suite's shapes scoring: which scenes it prompts and captions with, and how a caption is judged. */
class ShapesSuiteImagesTest {
    private final ShapesSuiteImages suite = new ShapesSuiteImages();
    private final ShapesWorld world = ShapesWorld.standard();

    @Test
    void promptsAreTheFirstCaptionsOfOneObjectTestScenesInOrder() {
        List<SuiteImages.Prompt> p = suite.prompts(5);
        int k = 0;
        for (long i = 0; k < 5; i++) {
            var scene = world.scene(ShapesWorld.Split.TEST, i);
            if (scene.objects().size() == 1) {
                assertThat(p.get(k++).caption()).isEqualTo(scene.captions().getFirst());
            }
        }
    }

    @Test
    void realSetsAndCaptionedScenesComeFromTheirOwnRangesOfTheTestSplit() {
        assertThat(suite.real(0, 2).get(1).pixels()).isEqualTo(world.sample(ShapesWorld.Split.TEST, 5_001).image()
                .pixels());
        assertThat(suite.real(1, 1).getFirst().pixels()).isEqualTo(world.sample(ShapesWorld.Split.TEST, 7_000).image()
                .pixels());
        var sample = world.sample(ShapesWorld.Split.TEST, 3_000);
        SuiteImages.Captioned c = suite.captioned(1).getFirst();
        assertThat(c.references()).isEqualTo(sample.captions());
        // Its own fullest caption names every colour and shape and the count.
        assertThat(c.judge().apply(sample.captions().getFirst())).isEqualTo(Map.of("colour_set", true, "shape_set",
                true, "count", true));
        assertThat(c.judge().apply("")).containsEntry("colour_set", false).containsEntry("count", false);
    }
}
