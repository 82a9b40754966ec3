package io.fusion4j.moma.vq;

import io.fusion4j.api.io.ConfigFields;
import io.fusion4j.api.io.StrictJson;
import io.fusion4j.api.nn.ConvEncoder;

import java.util.List;

/**
 * The geometry and training constants of a VQ image tokenizer (docs/model.md, "VQ image tokenizer"): images of
 * {@code channels × side × side} become a {@code (side / downsample)²} grid of codes from {@code codes} vectors of
 * {@code codeDim}; {@code widths} gives the feature channels at each resolution {@code side / 2^l}, {@code l = 0 … L}
 * with {@code L = log2 downsample}.
 */
public record VqConfig(int channels, int side, int downsample, List<Integer> widths, int codeDim, int codes,
                       float beta, float emaDecay, float deadBelow, float normEps) {
    /** The tokenizer's kind in {@code tokenizer.json}. */
    public static final String KIND = "vq";

    public VqConfig {
        widths = List.copyOf(widths);
        ConvEncoder.checkGeometry("vq config", channels, side, downsample, widths);
        if (codeDim < 1 || codes < 2) {
            throw new IllegalArgumentException("vq config: codeDim must be >= 1 and codes >= 2, found codeDim="
                    + codeDim + " codes=" + codes);
        }
        if (!(beta >= 0) || !(emaDecay > 0 && emaDecay < 1) || !(deadBelow >= 0) || !(normEps > 0)) {
            throw new IllegalArgumentException("vq config: needs beta >= 0, 0 < emaDecay < 1, deadBelow >= 0 and"
                    + " normEps > 0, found beta=" + beta + " emaDecay=" + emaDecay + " deadBelow=" + deadBelow
                    + " normEps=" + normEps);
        }
    }

    /** The default: 32×32 RGB to 8×8 codes of 1,024. */
    public static VqConfig defaults() {
        return new VqConfig(3, 32, 4, List.of(32, 64, 64), 16, 1024, 0.25f, 0.99f, 1f, 1e-5f);
    }

    /** A copy with another codebook size. */
    public VqConfig withCodes(int n) {
        return new VqConfig(channels, side, downsample, widths, codeDim, n, beta, emaDecay, deadBelow, normEps);
    }

    /** A copy for images of another channel count and side. */
    public VqConfig withImages(int c, int s) {
        return new VqConfig(c, s, downsample, widths, codeDim, codes, beta, emaDecay, deadBelow, normEps);
    }

    /** Stride-2 stages: {@code log2 downsample}. */
    public int levels() {
        return Integer.numberOfTrailingZeros(downsample);
    }

    /** Side of the code grid. */
    public int grid() {
        return side / downsample;
    }

    /** Codes per image. */
    public int tokensPerImage() {
        return grid() * grid();
    }

    /** {@code tokenizer.json}: integers as numbers, floats as strings (exact round trip through {@link StrictJson}). */
    public String toJson() {
        return "{\n  \"kind\": \"" + KIND + "\",\n  \"channels\": " + channels + ",\n  \"side\": " + side
                + ",\n  \"downsample\": " + downsample + ",\n  \"widths\": [" + ConfigFields.joined(widths)
                + "],\n  \"codeDim\": " + codeDim + ",\n  \"codes\": " + codes + ",\n  \"beta\": \"" + beta
                + "\",\n  \"emaDecay\": \"" + emaDecay + "\",\n  \"deadBelow\": \"" + deadBelow
                + "\",\n  \"normEps\": \"" + normEps + "\"\n}\n";
    }

    /** Parses {@link #toJson()}'s format; {@code source} (the file) is named in every error. */
    public static VqConfig fromJson(String json, String source) {
        return ConfigFields.read(json, source, KIND, f -> new VqConfig(f.integer("channels"), f.integer("side"),
                f.integer("downsample"), f.integers("widths"), f.integer("codeDim"), f.integer("codes"),
                f.decimal("beta"), f.decimal("emaDecay"), f.decimal("deadBelow"), f.decimal("normEps")));
    }
}
