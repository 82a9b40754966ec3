package io.fusion4j.eval.data.images;

import io.fusion4j.api.data.Image;

import java.util.List;

/**
 * Images with captions, split into training and validation: what MoMa, Transfusion and the evaluation suite train
 * and score on. Images are {@code [C, H, W]} in {@code [0, 1]}; {@code get} is a pure function of the split and the
 * index. Implementations: {@link ShapesImages} (built in), {@link MnistImages}, {@link EmojiImages} (fetched) and
 * {@link FolderImages} (a user's own PNGs).
 */
public interface ImageTextDataset {
    /** The two splits every dataset has. */
    enum Split {
        TRAIN, VALIDATION
    }

    /** One example: the image, every reference caption (the first is the fullest), and its label when it has one. */
    record Sample(Image image, List<String> captions, String label) {
        public Sample {
            captions = List.copyOf(captions);
            if (captions.isEmpty()) {
                throw new IllegalArgumentException("a sample needs at least one caption");
            }
        }
    }

    String name();

    int size(Split split);

    Sample get(Split split, int index);

    /** The licence and attribution to show wherever the images appear, or "" when none is needed. */
    default String attribution() {
        return "";
    }

    /** An RGB image from a grey one (three equal channels); other images unchanged. */
    static Image promoted(Image im) {
        if (im.channels() != 1) {
            return im;
        }
        int n = im.height() * im.width();
        float[] rgb = new float[3 * n];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(im.pixels(), 0, rgb, c * n, n);
        }
        return new Image(3, im.height(), im.width(), rgb);
    }
}
