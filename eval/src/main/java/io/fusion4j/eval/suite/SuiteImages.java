package io.fusion4j.eval.suite;

import io.fusion4j.api.data.Image;
import io.fusion4j.eval.classify.ImageClassifier;
import io.fusion4j.eval.data.fetch.DatasetCache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The image–caption data the Transfusion suite scores its runs against: the classifier that judges images, the
 * held-out prompts images are drawn for, two disjoint sets of real held-out images for the Fréchet distance and its
 * floor, and held-out images to caption, each with how it is judged. One implementation per dataset a classifier of
 * ours knows; every judgement has an {@code "all"} key (every attribute of the prompt right), the headline accuracy.
 */
public sealed interface SuiteImages permits ShapesSuiteImages, DigitsSuiteImages, EmojiSuiteImages {
    /** A prompt and how the images drawn for it are judged: per image, attribute → right. */
    record Prompt(String caption, Function<ImageJudgement, List<Map<String, Boolean>>> judge) {
        /** A prompt for a single-label classifier: an image is right ({@code "all"}) when it reads {@code label}. */
        static Prompt labelled(String caption, int label) {
            return new Prompt(caption, j -> {
                List<Map<String, Boolean>> out = new java.util.ArrayList<>();
                for (int read : j.classifier().labels(j.images())) {
                    out.add(Map.of("all", read == label));
                }
                return out;
            });
        }
    }

    /** What judging a prompt's images needs: the classifier and the images. */
    record ImageJudgement(ImageClassifier classifier, List<Image> images) {
    }

    /** A held-out image to caption, its reference captions, and how a caption of it is judged. */
    record Captioned(Image image, List<String> references, Function<String, Map<String, Boolean>> judge) {
    }

    /**
     * The scoring data of {@code dataset}; fetched datasets are read from {@code cache}.
     *
     * @throws io.fusion4j.api.UserInputException for a dataset the suite has no classifier for, or one not fetched
     */
    static SuiteImages of(String dataset, DatasetCache cache) throws IOException {
        SuiteScoring scoring = SuiteScoring.of(dataset);
        if (scoring == SuiteScoring.DIGITS) {
            return DigitsSuiteImages.fetched(cache);
        }
        if (scoring == SuiteScoring.EMOJI) {
            return EmojiSuiteImages.fetched(cache);
        }
        return new ShapesSuiteImages();
    }

    /** What is judged, under which keys. */
    SuiteScoring scoring();

    default String dataset() {
        return scoring().dataset();
    }

    /** The classifier trained on this dataset's real training images, cached under {@code cacheDir}. */
    ImageClassifier classifier(Path cacheDir, Consumer<String> progress) throws IOException;

    /** The first {@code n} held-out prompts (the same for every run). */
    List<Prompt> prompts(int n);

    /** {@code n} real held-out images of set 0 or set 1; the two sets never share an image. */
    List<Image> real(int set, int n);

    /** Generated images as the classifier takes them (unchanged unless the classifier wants other channels). */
    default List<Image> asClassifierInput(List<Image> images) {
        return images;
    }

    /**
     * Fails at once, naming the numbers, when {@code budget} asks for more held-out prompts or images than this
     * dataset has (so a long suite does not stop at its first score).
     */
    default void check(SuitePreset.Budget budget) {
        prompts(budget.prompts());
        real(1, budget.prompts() * budget.samplesPerPrompt());
        captioned(budget.captions());
    }

    /** The first {@code n} held-out images to caption. */
    List<Captioned> captioned(int n);
}
