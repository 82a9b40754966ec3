package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.data.images.ImageTextDataset;

import java.util.ArrayList;
import java.util.List;

/**
 * A dataset's validation split cut in thirds for the suite: real set 0, real set 1 (for classifier-FID and its
 * real-vs-real floor) and the images to caption, so no image serves twice. A budget that needs more than a third is
 * an error naming both numbers.
 */
final class HeldOutThirds {
    private final ImageTextDataset data;
    private final String what;

    /** @param what how an error names the held-out images ("held-out emoji") */
    HeldOutThirds(ImageTextDataset data, String what) {
        this.data = data;
        this.what = what;
    }

    /** Held-out sample {@code i}. */
    ImageTextDataset.Sample sample(int i) {
        return data.get(ImageTextDataset.Split.VALIDATION, i);
    }

    /** {@code n} images of real set 0 or 1. */
    List<Image> real(int set, int n) {
        int from = third(n) * set;
        List<Image> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            images.add(sample(from + i).image());
        }
        return images;
    }

    /** The index of the first of the {@code n} images to caption. */
    int captionedFrom(int n) {
        return 2 * third(n);
    }

    private int third(int n) {
        int t = data.size(ImageTextDataset.Split.VALIDATION) / 3;
        if (n > t) {
            throw new UserInputException(data.name() + ": the suite needs " + n + " held-out images per set, but a"
                    + " third of the " + what + " is " + t);
        }
        return t;
    }
}
