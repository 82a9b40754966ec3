package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.classify.ClassifierCache;
import io.fusion4j.eval.classify.ClassifierConfig;
import io.fusion4j.eval.classify.ClassifierTask;
import io.fusion4j.eval.classify.ImageClassifier;
import io.fusion4j.eval.classify.LabelledImages;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.data.images.MnistImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The suite's MNIST scoring on a stand-in package written in the mnist package's layout (30 examples a digit, so 3 a
 * digit held out): digit d is a bright band at rows 2d to 2d+3 with a faint code of its example in column 0, so every
 * image is distinct and a small classifier reads the digit.
 */
class DigitsSuiteImagesTest {
    private static final int PER_DIGIT = 30;
    @TempDir
    static Path tmp;
    private static ImageTextDataset data;
    private static DigitsSuiteImages suite;

    @BeforeAll
    static void writePackage() throws Exception {
        Path digits = Files.createDirectories(tmp.resolve("pkg/src/digits"));
        for (int d = 0; d < 10; d++) {
            StringBuilder b = new StringBuilder("{\"data\":[");
            for (int e = 0; e < PER_DIGIT; e++) {
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        double v = y >= 2 * d + 2 && y < 2 * d + 6 && x > 3 && x < 24 ? 1.0
                                : x == 0 ? (e + 1) / 64.0 : 0.0;
                        b.append(e + y + x == 0 ? "" : ",").append(v);
                    }
                }
            }
            Files.writeString(digits.resolve(d + ".json"), b.append("]}"));
        }
        data = MnistImages.read(tmp.resolve("pkg"), false);
        suite = new DigitsSuiteImages(data);
    }

    @Test
    void promptsAskForEachDigitInTurnInTheHeldOutSamplesFirstCaption() {
        List<SuiteImages.Prompt> p = suite.prompts(12);
        assertThat(p).hasSize(12);
        assertThat(p.get(0).caption()).isEqualTo("a handwritten zero");
        assertThat(p.get(7).caption()).isEqualTo("a handwritten seven");
        assertThat(p.get(11).caption()).isEqualTo("a handwritten one");
        assertThat(suite.scoring()).isSameAs(SuiteScoring.DIGITS);
    }

    @Test
    void theTwoRealSetsAndTheCaptionedImagesShareNoImage() {
        // 30 held-out digits: thirds of 10.
        Set<String> seen = new HashSet<>();
        List<Image> all = new ArrayList<>(suite.real(0, 10));
        all.addAll(suite.real(1, 10));
        suite.captioned(10).forEach(c -> all.add(c.image()));
        for (Image im : all) {
            assertThat(seen.add(java.util.Arrays.toString(im.pixels()))).as("an image used twice").isTrue();
        }
        assertThat(seen).hasSize(30);
        assertThatThrownBy(() -> suite.real(0, 11)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("needs 11 held-out images per set").hasMessageContaining("validation split is 10");
    }

    @Test
    void aCaptionIsRightWhenTheOnlyDigitItNamesIsTheImages() {
        SuiteImages.Captioned c = suite.captioned(10).get(3); // held-out index 23: digit 3
        assertThat(c.references()).contains("the digit 3", "a handwritten three");
        assertThat(c.judge().apply("a handwritten three")).isEqualTo(Map.of("digit", true));
        assertThat(c.judge().apply("The digit 3.")).isEqualTo(Map.of("digit", true));
        assertThat(c.judge().apply("a handwritten eight")).isEqualTo(Map.of("digit", false));
        assertThat(c.judge().apply("a three and a 5")).isEqualTo(Map.of("digit", false));
        assertThat(c.judge().apply("a handwritten")).isEqualTo(Map.of("digit", false));
        assertThat(DigitsSuiteImages.named("17 or seven, not seventeen")).containsExactly(1, 7);
    }

    @Test
    void threeEqualChannelsAreReadAsTheGreyImage() {
        Image grey = suite.real(0, 1).getFirst();
        Image rgb = ImageTextDataset.promoted(grey);
        Image back = suite.asClassifierInput(List.of(rgb)).getFirst();
        assertThat(back.channels()).isEqualTo(1);
        assertThat(back.pixels()).containsExactly(grey.pixels(), org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void imagesAreRightWhenTheClassifierReadsThePromptedDigit() throws Exception {
        ClassifierConfig config = ClassifierConfig.defaults(ClassifierTask.DIGITS, 1, 28);
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(2));
             ImageClassifier c = ClassifierCache.load(tmp.resolve("classifier"), LabelledImages.digits(data), config,
                     new ImageClassifier.Training(120, 32, 3e-3, 0, 30), be, false, l -> { })) {
            List<Image> held = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                held.add(data.get(ImageTextDataset.Split.VALIDATION, i).image()); // digit i
            }
            SuiteImages.Prompt seven = suite.prompts(8).get(7);
            List<Map<String, Boolean>> judged = seven.judge().apply(new SuiteImages.ImageJudgement(c, held));
            assertThat(judged).hasSize(10);
            for (int i = 0; i < 10; i++) {
                assertThat(judged.get(i)).as("held-out digit %d judged against a prompt for 7", i)
                        .isEqualTo(Map.of("all", i == 7));
            }
        }
    }
}
