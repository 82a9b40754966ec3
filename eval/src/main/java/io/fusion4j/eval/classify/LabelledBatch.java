package io.fusion4j.eval.classify;

import io.fusion4j.api.data.Batch;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.Image;

import java.util.List;

/**
 * Training images with their labels: {@code multi} holds each image's multi-label targets back to back
 * ({@code rows × width}, empty for a task without that head), {@code classes} each image's softmax class.
 */
record LabelledBatch(List<Image> images, float[] multi, int[] classes, DataPosition position)
        implements Batch<LabelledBatch> {
    LabelledBatch {
        images = List.copyOf(images);
        if (images.isEmpty() || classes.length != images.size() || multi.length % images.size() != 0) {
            throw new IllegalArgumentException("a labelled batch needs images, one class each and whole rows of"
                    + " multi-label targets, found " + images.size() + " images, " + classes.length + " classes and "
                    + multi.length + " targets");
        }
    }

    int width() {
        return multi.length / images.size();
    }

    @Override
    public int rows() {
        return images.size();
    }

    /** Images: each is one example of each loss term's count. */
    @Override
    public long tokenCount() {
        return images.size();
    }

    @Override
    public LabelledBatch microBatch(int k, int n) {
        if (n < 1 || images.size() % n != 0 || k < 0 || k >= n) {
            throw new IllegalArgumentException("micro-batch " + k + " of " + n + " of a batch of " + images.size()
                    + " images: n must divide the batch and k be in [0, n)");
        }
        int per = images.size() / n;
        int w = width();
        return new LabelledBatch(images.subList(k * per, (k + 1) * per),
                java.util.Arrays.copyOfRange(multi, k * per * w, (k + 1) * per * w),
                java.util.Arrays.copyOfRange(classes, k * per, (k + 1) * per), position);
    }
}
