package io.fusion4j.eval.data;

import io.fusion4j.api.data.ContinuousImageCodec;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.ImageTokens;
import io.fusion4j.transfusion.vae.VaeImageTokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A dataset's images encoded once by a VAE, in batches, then served by content: the sequence builder asks for one
 * image at a time and a run reads each image many times, so encoding them all up front (seconds) replaces thousands of
 * one-image forward passes and lets the VAE's backend close before training starts. Images are keyed by a 64-bit hash
 * of their pixels; an image that was not encoded is refused, naming what was expected. Draws nothing: generation
 * decodes with the VAE itself.
 */
public final class PreEncodedImages implements ContinuousImageCodec {
    private final Map<Long, float[]> patches = new HashMap<>();
    private final int perImage;
    private final int width;
    private final int channels;
    private final int side;

    /** Encodes every image of {@code images} with {@code vae} (which may be closed afterwards). */
    public PreEncodedImages(VaeImageTokenizer vae, List<Image> images) {
        this.perImage = vae.patchesPerImage();
        this.width = vae.patchWidth();
        this.channels = vae.channels();
        this.side = vae.side();
        List<float[]> encoded = vae.encodeAll(images);
        for (int i = 0; i < images.size(); i++) {
            patches.put(key(images.get(i)), encoded.get(i));
        }
    }

    /** Distinct images held. */
    public int size() {
        return patches.size();
    }

    @Override
    public int patchesPerImage() {
        return perImage;
    }

    @Override
    public int patchWidth() {
        return width;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int side() {
        return side;
    }

    @Override
    public ImageTokens.Continuous encode(Image image) {
        float[] p = patches.get(key(image));
        if (p == null) {
            throw new IllegalArgumentException("a " + image.channels() + "x" + image.height() + "x" + image.width()
                    + " image that is not one of the " + patches.size() + " dataset images encoded before training;"
                    + " only those can be encoded here");
        }
        return new ImageTokens.Continuous(p, perImage, width);
    }

    @Override
    public Image decode(float[] patches) {
        throw new UnsupportedOperationException("pre-encoded images draw nothing: decode with the VAE"
                + " (ImageCodecs.loadContinuous)");
    }

    /** FNV-1a over the geometry and the pixels' bits, then a final mix. */
    static long key(Image image) {
        long h = 0xcbf29ce484222325L;
        h = (h ^ image.channels()) * 0x100000001b3L;
        h = (h ^ image.height()) * 0x100000001b3L;
        for (float f : image.pixels()) {
            h = (h ^ Float.floatToIntBits(f)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 33);
    }
}
