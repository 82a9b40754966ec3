package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The image tokenizers' decoder stack, {@link ConvEncoder}'s mirror, latent grid to image: {@code decoder.conv_in}
 * (3×3) and its norm, then per stage a 2× nearest up-sampling, a 3×3 {@code decoder.up.{j}.conv} and its norm (SiLU
 * after each norm), then a 3×3 {@code decoder.conv_out} to the image channels, unbounded (the caller clamps for
 * display). NHWC in and out.
 */
public final class ConvDecoder {
    private final Conv2d convIn;
    private final ChannelNorm normIn;
    private final Upsample upsample = new Upsample("decoder.upsample", 2);
    private final List<Conv2d> upConvs = new ArrayList<>();
    private final List<ChannelNorm> upNorms = new ArrayList<>();
    private final Conv2d convOut;
    private final int latent;
    private final int channels;

    /** @param widths as the matching {@link ConvEncoder}'s, full resolution first */
    public ConvDecoder(Parameters params, int latent, List<Integer> widths, int channels, float normEps) {
        if (widths.isEmpty()) {
            throw new IllegalArgumentException("ConvDecoder: widths needs at least one entry, found none");
        }
        this.latent = latent;
        this.channels = channels;
        int levels = widths.size() - 1;
        convIn = new Conv2d(params, "decoder.conv_in", latent, widths.get(levels), 3, 1, 1);
        normIn = new ChannelNorm(params, "decoder.norm_in", widths.get(levels), normEps);
        for (int j = 0; j < levels; j++) {
            int l = levels - j;
            upConvs.add(new Conv2d(params, "decoder.up." + j + ".conv", widths.get(l), widths.get(l - 1), 3, 1, 1));
            upNorms.add(new ChannelNorm(params, "decoder.up." + j + ".norm", widths.get(l - 1), normEps));
        }
        convOut = new Conv2d(params, "decoder.conv_out", widths.get(0), channels, 3, 1, 1);
    }

    public Var forward(Graph g, Var latent) {
        Var h = g.silu(normIn.forward(g, convIn.forward(g, latent)));
        for (int j = 0; j < upConvs.size(); j++) {
            h = g.silu(upNorms.get(j).forward(g, upConvs.get(j).forward(g, upsample.forward(g, h))));
        }
        return convOut.forward(g, h);
    }

    /**
     * The decoder on latent rows {@code [B·grid², latent]} (raster order within each image): image rows
     * {@code [B·side², channels]}, NHWC, unclamped.
     */
    public Var forwardRows(Graph g, Var latents, int grid) {
        long b = latents.value().dim(0) / ((long) grid * grid);
        Var out = forward(g, g.reshape(latents, Shape.of(b, grid, grid, latent)));
        return g.reshape(out, Shape.of(out.value().numel() / channels, channels));
    }
}
