package io.fusion4j.eval.classify;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.data.shapes.ShapesWorld;

/**
 * A dataset's real images with the labels a classifier learns, in a training split and a held-out split: for shapes,
 * each scene's {@link ShapesTruth}; for digits, the digit. {@code example} is a pure function of the split and index.
 */
public interface LabelledImages {
    /** One image and its targets: the multi-label targets (empty for digits) and the softmax class. */
    record Example(Image image, float[] multi, int label) {
    }

    /** The dataset's name ("shapes", "mnist"), kept in the cache's JSON. */
    String name();

    ClassifierTask task();

    /** Images in the training split ({@code heldOut} false) or the held-out one. */
    int size(boolean heldOut);

    Example example(boolean heldOut, int index);

    /** The shapes world's train split for training and its validation split held out; nothing is held out of it. */
    static LabelledImages shapes(ShapesWorld world) {
        return new LabelledImages() {
            @Override
            public String name() {
                return "shapes";
            }

            @Override
            public ClassifierTask task() {
                return ClassifierTask.SHAPES;
            }

            @Override
            public int size(boolean heldOut) {
                return (int) (heldOut ? ShapesWorld.Split.VALIDATION : ShapesWorld.Split.TRAIN).size();
            }

            @Override
            public Example example(boolean heldOut, int index) {
                ShapesWorld.Sample s = world.sample(heldOut ? ShapesWorld.Split.VALIDATION : ShapesWorld.Split.TRAIN,
                        index);
                ShapesTruth t = ShapesTruth.of(s.scene());
                return new Example(s.image(), ShapesLabels.targets(t), t.count() - 1);
            }
        };
    }

    /**
     * A labelled digit dataset ({@code MnistImages}): the label of each sample is its digit.
     *
     * @throws UserInputException when a sample's label is not a digit
     */
    static LabelledImages digits(ImageTextDataset data) {
        return singleLabel(data, ClassifierTask.DIGITS);
    }

    /**
     * Emoji labelled with their category ({@code EmojiImages}): the label is the category's index in
     * {@code EmojiImages.CATEGORIES}.
     *
     * @throws UserInputException when a sample's label is not one of the categories
     */
    static LabelledImages categories(ImageTextDataset data) {
        return singleLabel(data, ClassifierTask.EMOJI_CATEGORIES);
    }

    /**
     * The class of sample {@code index} of {@code data} for a single-label {@code task}.
     *
     * @throws UserInputException naming the dataset, the sample and what the task expects, when the sample's label
     *                            is not one of the task's classes
     */
    static int classOf(ClassifierTask task, ImageTextDataset data, ImageTextDataset.Sample s, int index) {
        int k = task.classOf(s.label());
        if (k < 0) {
            throw new UserInputException(data.name() + ": sample " + index + " is labelled " + s.label()
                    + ", expected " + task.expectedLabel());
        }
        return k;
    }

    /** {@code data} with each sample's label read as a class of the single-label {@code task}. */
    private static LabelledImages singleLabel(ImageTextDataset data, ClassifierTask task) {
        return new LabelledImages() {
            @Override
            public String name() {
                return data.name();
            }

            @Override
            public ClassifierTask task() {
                return task;
            }

            @Override
            public int size(boolean heldOut) {
                return data.size(heldOut ? ImageTextDataset.Split.VALIDATION : ImageTextDataset.Split.TRAIN);
            }

            @Override
            public Example example(boolean heldOut, int index) {
                ImageTextDataset.Sample s = data.get(heldOut ? ImageTextDataset.Split.VALIDATION
                        : ImageTextDataset.Split.TRAIN, index);
                return new Example(s.image(), new float[0], classOf(task, data, s, index));
            }
        };
    }
}
