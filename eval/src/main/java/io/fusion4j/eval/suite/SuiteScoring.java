package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;

import java.util.List;

/**
 * What the Transfusion suite measures on a dataset, without its images: the keys of the image and caption judgements
 * in {@code evaluation.json} and the words the report uses for them. The report reads it to lay out a dataset's
 * columns; {@link SuiteImages} does the measuring.
 *
 * @param dataset           the dataset's name
 * @param imageSide         the side of its square images, in pixels
 * @param imageAttributes   image judgements besides {@code "all"}, in report order (empty when "all" is the only one)
 * @param allMeans          what {@code "all"} means for an image ("colour, shape and position")
 * @param captionAttributes caption judgements, as evaluation.json holds them; the first is printed while scoring
 * @param description       one sentence on where prompts and captioned images come from and how they are judged
 * @param dataOptions       what the suite's commands add after {@code --dataset NAME} to read it at {@code imageSide}
 */
public record SuiteScoring(String dataset, int imageSide, List<String> imageAttributes, String allMeans,
                           List<String> captionAttributes, String description, List<String> dataOptions) {
    public static final SuiteScoring SHAPES = new SuiteScoring("shapes", 32, List.of("colour", "shape", "position"),
            "colour, shape and position", List.of("colour_set", "shape_set", "count"),
            "Prompts are the first captions of one-object scenes of shapes' test split, judged by a classifier trained"
                    + " here on real shapes images; captions of other test scenes are judged by the set of colours"
                    + " they name and by CIDEr-D against the scene's captions.", List.of());
    public static final SuiteScoring DIGITS = new SuiteScoring("mnist", 28, List.of(), "the prompted digit",
            List.of("digit"),
            "Prompts ask for each digit in turn, in the first caption of MNIST's held-out samples (\"a handwritten"
                    + " seven\"), judged by a digit classifier trained here on real MNIST training images; captions of"
                    + " other held-out digits are right when the one digit they name is the image's, and are scored"
                    + " by CIDEr-D against the four caption templates.", List.of());
    public static final SuiteScoring EMOJI = new SuiteScoring("emoji", 32, List.of(), "the prompted emoji's category",
            List.of("name_word"),
            "Prompts are the \"an emoji of …\" captions of held-out emoji (every tenth, never seen in training),"
                    + " judged by a classifier of the package's ten categories trained here on the other emoji at 32"
                    + " pixels; captions of other held-out emoji are right when they name a word of the emoji's name,"
                    + " and are scored by CIDEr-D against its names.", List.of("--size", "32"));
    /** Every dataset the suite scores, in the order errors list them. */
    public static final List<SuiteScoring> ALL = List.of(SHAPES, DIGITS, EMOJI);

    public SuiteScoring {
        imageAttributes = List.copyOf(imageAttributes);
        captionAttributes = List.copyOf(captionAttributes);
        dataOptions = List.copyOf(dataOptions);
    }

    /**
     * The scoring of {@code dataset}.
     *
     * @throws UserInputException for a dataset the suite has no classifier for, listing those it has
     */
    public static SuiteScoring of(String dataset) {
        for (SuiteScoring s : ALL) {
            if (s.dataset.equals(dataset)) {
                return s;
            }
        }
        throw new UserInputException("--dataset: the Transfusion suite scores images with a classifier of the"
                + " dataset's labels; expected one of " + String.join(", ", ALL.stream().map(SuiteScoring::dataset)
                .toList()) + ", found " + dataset);
    }

    /** The scoring of {@code dataset}, or empty for a dataset the suite does not score (the MoMa suite takes it). */
    public static java.util.Optional<SuiteScoring> find(String dataset) {
        return ALL.stream().filter(s -> s.dataset.equals(dataset)).findFirst();
    }

    /** The image judgements' keys: the attributes, then {@code "all"}. */
    public List<String> imageKeys() {
        List<String> k = new java.util.ArrayList<>(imageAttributes);
        k.add("all");
        return k;
    }
}
