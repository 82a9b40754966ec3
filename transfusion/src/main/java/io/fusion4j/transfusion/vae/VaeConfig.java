package io.fusion4j.transfusion.vae;

import io.fusion4j.api.io.ConfigFields;
import io.fusion4j.api.io.StrictJson;
import io.fusion4j.api.nn.ConvEncoder;

import java.util.List;

/**
 * The geometry, loss weight and measured latent statistics of a patch VAE (docs/model.md, "Patch VAE"): images of
 * {@code channels × side × side} become a {@code latentChannels × grid × grid} latent, {@code grid = side /
 * downsample}; the codec hands diffusion {@code scale·(μ − shift)}, and its sampler clamps to {@code ±range}.
 */
public record VaeConfig(int channels, int side, int downsample, List<Integer> widths, int latentChannels,
                        float klWeight, float normEps, float shift, float scale, float range) {
    /** The tokenizer's kind in {@code tokenizer.json}. */
    public static final String KIND = "vae";

    public VaeConfig {
        widths = List.copyOf(widths);
        ConvEncoder.checkGeometry("vae config", channels, side, downsample, widths);
        if (latentChannels < 1 || !(klWeight >= 0) || !(normEps > 0)) {
            throw new IllegalArgumentException("vae config: needs latentChannels >= 1, klWeight >= 0 and normEps > 0,"
                    + " found latentChannels=" + latentChannels + " klWeight=" + klWeight + " normEps=" + normEps);
        }
        if (!Float.isFinite(shift) || !(scale > 0) || !Float.isFinite(scale) || !(range > 0)) {
            throw new IllegalArgumentException("vae config: needs a finite shift, a finite scale > 0 and range > 0,"
                    + " found shift=" + shift + " scale=" + scale + " range=" + range);
        }
    }

    /** The default: 32×32 RGB to a 4×8×8 latent, KL weight 1e-4 (decision 0024), latent not yet measured. */
    public static VaeConfig defaults() {
        return new VaeConfig(3, 32, 4, List.of(32, 64, 64), 4, 1e-4f, 1e-5f, 0f, 1f, 1f);
    }

    /** A copy with the measured latent statistics. */
    public VaeConfig withLatentStats(float shift, float scale, float range) {
        return new VaeConfig(channels, side, downsample, widths, latentChannels, klWeight, normEps, shift, scale,
                range);
    }

    /** Side of the latent grid. */
    public int grid() {
        return side / downsample;
    }

    /** {@code tokenizer.json}: integers as numbers, floats as strings (exact round trip through {@link StrictJson}). */
    public String toJson() {
        return "{\n  \"kind\": \"" + KIND + "\",\n  \"channels\": " + channels + ",\n  \"side\": " + side
                + ",\n  \"downsample\": " + downsample + ",\n  \"widths\": [" + ConfigFields.joined(widths)
                + "],\n  \"latentChannels\": " + latentChannels + ",\n  \"klWeight\": \"" + klWeight
                + "\",\n  \"normEps\": \"" + normEps + "\",\n  \"shift\": \"" + shift + "\",\n  \"scale\": \""
                + scale + "\",\n  \"range\": \"" + range + "\"\n}\n";
    }

    /** Parses {@link #toJson()}'s format; {@code source} (the file) is named in every error. */
    public static VaeConfig fromJson(String json, String source) {
        return ConfigFields.read(json, source, KIND, f -> new VaeConfig(f.integer("channels"), f.integer("side"),
                f.integer("downsample"), f.integers("widths"), f.integer("latentChannels"), f.decimal("klWeight"),
                f.decimal("normEps"), f.decimal("shift"), f.decimal("scale"), f.decimal("range")));
    }
}
