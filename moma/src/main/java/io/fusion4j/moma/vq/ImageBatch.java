package io.fusion4j.moma.vq;

import io.fusion4j.api.data.Batch;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.Image;

import java.util.List;

/** A batch of images for training an image tokenizer, and where the data order stands after it. */
public record ImageBatch(List<Image> images, DataPosition position) implements Batch<ImageBatch> {
    public ImageBatch {
        images = List.copyOf(images);
        if (images.isEmpty()) {
            throw new IllegalArgumentException("an image batch needs at least one image");
        }
    }

    @Override
    public int rows() {
        return images.size();
    }

    /** Pixels (all channels of a pixel count once): what the reconstruction loss averages over. */
    @Override
    public long tokenCount() {
        long n = 0;
        for (Image im : images) {
            n += (long) im.height() * im.width();
        }
        return n;
    }

    @Override
    public ImageBatch microBatch(int k, int n) {
        if (n < 1 || images.size() % n != 0 || k < 0 || k >= n) {
            throw new IllegalArgumentException("micro-batch " + k + " of " + n + " of a batch of " + images.size()
                    + " images: n must divide the batch and k be in [0, n)");
        }
        int per = images.size() / n;
        return new ImageBatch(images.subList(k * per, (k + 1) * per), position);
    }
}
