package io.fusion4j.eval.data.images;

import io.fusion4j.eval.data.shapes.ShapesWorld;

/** The built-in shapes world as an image–text dataset: its train and validation splits, labelled by the first caption. */
public final class ShapesImages implements ImageTextDataset {
    private final ShapesWorld world;
    private final int trainSize;
    private final int validationSize;

    public ShapesImages(ShapesWorld world, int trainSize, int validationSize) {
        this.world = world;
        this.trainSize = (int) Math.min(trainSize, ShapesWorld.Split.TRAIN.size());
        this.validationSize = (int) Math.min(validationSize, ShapesWorld.Split.VALIDATION.size());
    }

    @Override
    public String name() {
        return "shapes";
    }

    @Override
    public int size(Split split) {
        return split == Split.TRAIN ? trainSize : validationSize;
    }

    @Override
    public Sample get(Split split, int index) {
        ShapesWorld.Sample s = world.sample(split == Split.TRAIN ? ShapesWorld.Split.TRAIN
                : ShapesWorld.Split.VALIDATION, index);
        return new Sample(s.image(), s.captions(), null);
    }
}
