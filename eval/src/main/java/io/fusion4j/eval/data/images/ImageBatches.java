package io.fusion4j.eval.data.images;

import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.data.DataOrder;
import io.fusion4j.moma.vq.ImageBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Batches of a dataset's training images for an image tokenizer, in a permutation of each epoch drawn from the seed
 * and the epoch alone ({@link DataOrder}): the batches from a position on are a pure function of it, so a resumed
 * run sees what an uninterrupted one would. An epoch's last partial batch is skipped.
 */
public final class ImageBatches {
    private ImageBatches() {
    }

    /** @param rgb promote grey images to three channels */
    public static BatchSource<ImageBatch> source(ImageTextDataset data, int batch, long seed, boolean rgb) {
        int n = data.size(ImageTextDataset.Split.TRAIN);
        if (batch < 1 || batch > n) {
            throw new IllegalArgumentException("image batches of " + batch + " from " + n + " training images of "
                    + data.name() + ": the batch must be in [1, " + n + "]");
        }
        return position -> Stream.iterate(new Cursor(position, null), c -> c.next(data, batch, seed, n, rgb))
                .skip(1).map(Cursor::batch);
    }

    /** Where the order stands, the permutation of its epoch, and the batch that led there. */
    private record Cursor(DataPosition position, ImageBatch batch, long epoch, int[] order) {
        Cursor(DataPosition p, ImageBatch b) {
            this(p, b, -1, null);
        }

        Cursor next(ImageTextDataset data, int batch, long seed, int n, boolean rgb) {
            DataPosition p = position.index() + batch > n ? new DataPosition(position.epoch() + 1, 0) : position;
            int[] perm = epoch == p.epoch() ? order : DataOrder.permutation(seed, p.epoch(), n);
            List<Image> images = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                Image im = data.get(ImageTextDataset.Split.TRAIN, perm[(int) p.index() + i]).image();
                images.add(rgb ? ImageTextDataset.promoted(im) : im);
            }
            DataPosition after = new DataPosition(p.epoch(), p.index() + batch);
            return new Cursor(after, new ImageBatch(images, after), p.epoch(), perm);
        }
    }
}
