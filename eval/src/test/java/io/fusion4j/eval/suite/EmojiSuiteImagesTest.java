package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.classify.LabelledImages;
import io.fusion4j.eval.data.images.EmojiImages;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.image.Png;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The suite's emoji scoring on a stand-in package in the emoji-datasource layout: 90 emoji of 64 pixels (9 held out),
 * each a flat grey level of its own, named "thing" and a word of its own ("thing bab"), in category N mod 10.
 */
class EmojiSuiteImagesTest {
    @TempDir
    static Path tmp;
    private static EmojiImages data;
    private static EmojiSuiteImages suite;

    @BeforeAll
    static void writePackage() throws Exception {
        Path pkg = tmp.resolve("pkg");
        Path img = Files.createDirectories(pkg.resolve("img/twitter/64"));
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < 90; i++) {
            float[] px = new float[3 * 64 * 64];
            java.util.Arrays.fill(px, i / 100f);
            Files.write(img.resolve(i + ".png"), Png.encode(new Image(3, 64, 64, px)));
            json.append(i == 0 ? "" : ",").append("{\"name\": \"THING ").append(word(i)).append("\", \"short_name\": \"t")
                    .append(i).append("\", \"short_names\": [\"t").append(i).append("\"], \"image\": \"").append(i)
                    .append(".png\", \"has_img_twitter\": true, \"category\": \"")
                    .append(EmojiImages.CATEGORIES.get(i % 10)).append("\"}");
        }
        Files.writeString(pkg.resolve("emoji.json"), json.append("]"));
        data = EmojiImages.read(pkg, 32);
        suite = new EmojiSuiteImages(data);
    }

    /** A word of letters unique to emoji {@code i}. */
    private static String word(int i) {
        return "b" + (char) ('a' + i % 26) + (char) ('a' + i / 26);
    }

    @Test
    void emojiAreReadAtThirtyTwoPixelsWithTheirCategoryAsLabel() {
        ImageTextDataset.Sample s = data.get(ImageTextDataset.Split.VALIDATION, 0);
        assertThat(s.image().height()).isEqualTo(32);
        assertThat(s.label()).isIn(EmojiImages.CATEGORIES);
        LabelledImages.Example e = LabelledImages.categories(data).example(true, 0);
        assertThat(EmojiImages.CATEGORIES.get(e.label())).isEqualTo(s.label());
        assertThat(data.size(ImageTextDataset.Split.VALIDATION)).isEqualTo(9);
    }

    @Test
    void promptsAreTheHeldOutEmojisEmojiOfCaptions() {
        List<SuiteImages.Prompt> p = suite.prompts(3);
        for (int i = 0; i < 3; i++) {
            assertThat(p.get(i).caption()).isEqualTo("an emoji of a " + data.get(ImageTextDataset.Split.VALIDATION, i)
                    .captions().getFirst());
        }
        assertThatThrownBy(() -> suite.prompts(10)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("asks for 10 prompts, but 9 emoji are held out");
    }

    @Test
    void realSetsAndCaptionedEmojiAreDisjointThirds() {
        Set<Float> levels = new HashSet<>();
        suite.real(0, 3).forEach(im -> levels.add(im.pixels()[0]));
        suite.real(1, 3).forEach(im -> levels.add(im.pixels()[0]));
        suite.captioned(3).forEach(c -> levels.add(c.image().pixels()[0]));
        assertThat(levels).hasSize(9);
        assertThatThrownBy(() -> suite.real(0, 4)).hasMessageContaining("needs 4 held-out images per set");
    }

    @Test
    void aCaptionIsRightWhenItNamesAWordOfTheEmojisName() {
        List<SuiteImages.Captioned> caps = suite.captioned(3);
        String own = caps.get(0).references().getFirst().substring("thing ".length());
        String other = caps.get(1).references().getFirst().substring("thing ".length());
        assertThat(own).isNotEqualTo(other);
        assertThat(caps.get(0).judge().apply("a small " + own)).isEqualTo(Map.of("name_word", true));
        assertThat(caps.get(0).judge().apply("a small " + other)).isEqualTo(Map.of("name_word", false));
        assertThat(caps.get(0).judge().apply("an emoji of a face")).isEqualTo(Map.of("name_word", false));
        assertThat(EmojiSuiteImages.words("An emoji of a Grinning face!")).containsExactly("grinning", "face");
    }

    @Test
    void aBudgetTheHeldOutEmojiCannotFillIsRefusedBeforeAnyTraining() {
        // 9 held out: thirds of 3. The smoke budget needs 3 prompts x 2 images per set.
        assertThatThrownBy(() -> suite.check(SuitePreset.SMOKE.budget())).isInstanceOf(UserInputException.class)
                .hasMessageContaining("needs 6 held-out images per set, but a third of the held-out emoji is 3");
    }
}
