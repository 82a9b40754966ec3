package io.fusion4j.moma.vq;

import io.fusion4j.api.data.Image;

import java.util.List;

/**
 * Images through a tokenizer and back, and how well it went: the mean squared error over every pixel and channel
 * of the clamped reconstructions, and the codes the images used (distinct codes and the perplexity of their
 * histogram).
 */
public record Reconstruction(List<Image> originals, List<Image> decoded, int[][] codes, double mse, int codesUsed,
                             double perplexity) {
    public Reconstruction {
        originals = List.copyOf(originals);
        decoded = List.copyOf(decoded);
    }

    public static Reconstruction of(VqImageTokenizer tokenizer, List<Image> images) {
        int[][] codes = tokenizer.encodeAll(images);
        List<Image> decoded = tokenizer.decodeAll(List.of(codes));
        float[] histogram = new float[tokenizer.codebookSize()];
        int total = 0;
        for (int[] c : codes) {
            for (int k : c) {
                histogram[k]++;
                total++;
            }
        }
        VectorQuantizer.Usage u = VectorQuantizer.usage(histogram, total);
        return new Reconstruction(images, decoded, codes, mse(images, decoded), u.used(), u.perplexity());
    }

    /** The mean squared error over every pixel and channel of {@code decoded} against {@code originals}. */
    public static double mse(List<Image> originals, List<Image> decoded) {
        double sq = 0;
        long n = 0;
        for (int i = 0; i < originals.size(); i++) {
            float[] a = originals.get(i).pixels();
            float[] b = decoded.get(i).pixels();
            for (int j = 0; j < a.length; j++) {
                double d = a[j] - b[j];
                sq += d * d;
            }
            n += a.length;
        }
        return sq / Math.max(1, n);
    }
}
