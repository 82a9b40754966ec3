package io.fusion4j.eval.data;

import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.ImageTokenizer;
import io.fusion4j.api.data.ImageTokens;
import io.fusion4j.transfusion.vae.VaeImageTokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * A VAE's encodings of the images a run reads, each computed once: the sequence builder asks for one image at a time
 * and reads images again (the held-out batches every validation, training images in later epochs), and a dataset
 * like shapes is far too large to encode up front. Images are keyed by a 64-bit hash of their pixels. Not
 * thread-safe (neither is the VAE).
 */
public final class CachedEncodings implements ImageTokenizer {
    private final Map<Long, float[]> patches = new HashMap<>();
    private final VaeImageTokenizer vae;

    public CachedEncodings(VaeImageTokenizer vae) {
        this.vae = vae;
    }

    /** Distinct images encoded so far. */
    public int size() {
        return patches.size();
    }

    @Override
    public ImageTokens.Continuous encode(Image image) {
        float[] p = patches.computeIfAbsent(key(image), k -> vae.encode(image).patches());
        return new ImageTokens.Continuous(p, vae.patchesPerImage(), vae.patchWidth());
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
