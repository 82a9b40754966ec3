package io.fusion4j.eval.data.images;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.CaptionedImage;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.text.ByteBpeTokenizer;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * One split of an {@link ImageTextDataset} as the lazy, indexable list of {@link CaptionedImage} that
 * {@code MixedSequenceSource} reads: example {@code i} is loaded when asked for, with one of its reference captions
 * (chosen by (seed, i), so every caption of the dataset is used, and the same one each time the example is read)
 * encoded by the text tokenizer. Images are given {@code channels} channels (a grey image in a colour dataset is
 * promoted); an image that has more, whose sides {@code cell} does not divide, or whose codes with BOI and EOI do not
 * fit a row of {@code length + 1} positions, is bad input naming the example and the option to change.
 */
public final class CaptionedPairs extends AbstractList<CaptionedImage> implements RandomAccess {
    private final ImageTextDataset data;
    private final ImageTextDataset.Split split;
    private final ByteBpeTokenizer tokenizer;
    private final int channels;
    private final int cell;
    private final int length;
    private final long seed;

    /** @param length T, the positions a row trains: the rows hold {@code T + 1} ids */
    public CaptionedPairs(ImageTextDataset data, ImageTextDataset.Split split, ByteBpeTokenizer tokenizer,
                          int channels, int cell, int length, long seed) {
        this.data = data;
        this.split = split;
        this.tokenizer = tokenizer;
        this.channels = channels;
        this.cell = cell;
        this.length = length;
        this.seed = seed;
    }

    @Override
    public int size() {
        return data.size(split);
    }

    @Override
    public CaptionedImage get(int index) {
        ImageTextDataset.Sample s = data.get(split, index);
        List<String> captions = s.captions();
        String caption = captions.get((int) Long.remainderUnsigned(mix(mix(seed ^ 0x43415054L) + index),
                captions.size()));
        return new CaptionedImage(tokenizer.encode(caption), image(data, split, index, s.image(), channels, cell,
                length));
    }

    /** {@code image} with {@code channels} channels, checked as the class comment says. */
    static Image image(ImageTextDataset data, ImageTextDataset.Split split, int index, Image image, int channels,
                       int cell, int length) {
        Image im = image.channels() < channels ? ImageTextDataset.promoted(image) : image;
        String where = data.name() + " " + (split == ImageTextDataset.Split.TRAIN ? "training" : "held-out") + " image "
                + index;
        if (im.channels() != channels) {
            throw new UserInputException(where + " has " + image.channels()
                    + " channels, but the first training image, which sets the image codebook, has " + channels);
        }
        if (im.height() % cell != 0 || im.width() % cell != 0) {
            throw new UserInputException("--cell " + cell + " must divide both sides of every image, but " + where
                    + " is " + im.height() + "x" + im.width());
        }
        long codes = (long) (im.height() / cell) * (im.width() / cell);
        if (codes + 2 > length + 1L) {
            throw new UserInputException("--length " + length + " is too short for the images: " + where + " is "
                    + im.height() + "x" + im.width() + ", " + codes + " codes at --cell " + cell + ", plus BOI and EOI;"
                    + " expected --length >= " + (codes + 1) + " or a larger --cell");
        }
        return im;
    }

    /**
     * Every caption of up to {@code max} training examples spread evenly over the training split, one a line: what
     * the text tokenizer is trained on, the same text whichever split is being written.
     */
    public static String trainingCaptions(ImageTextDataset data, int max) {
        int n = data.size(ImageTextDataset.Split.TRAIN);
        int k = Math.min(max, n);
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < k; j++) {
            for (String c : data.get(ImageTextDataset.Split.TRAIN, (int) ((long) j * n / k)).captions()) {
                b.append(c).append('\n');
            }
        }
        return b.toString();
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
