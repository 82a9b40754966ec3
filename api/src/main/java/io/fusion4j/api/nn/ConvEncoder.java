package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * The image tokenizers' encoder stack, image to latent grid: {@code encoder.conv_in} (3×3) and its norm, then per
 * stage a stride-2 4×4 {@code encoder.down.{l}.conv} and its norm (SiLU after each norm), then a 1×1
 * {@code encoder.conv_out} to {@code out} channels. NHWC in, NHWC out: {@code [B, side, side, channels]} to
 * {@code [B, side / 2^L, side / 2^L, out]} with {@code L = widths.size() − 1} stages.
 */
public final class ConvEncoder {
    private final Conv2d convIn;
    private final ChannelNorm normIn;
    private final List<Conv2d> downConvs = new ArrayList<>();
    private final List<ChannelNorm> downNorms = new ArrayList<>();
    private final Conv2d convOut;

    /** @param widths feature channels at each resolution, full first: one more entry than stride-2 stages */
    public ConvEncoder(Parameters params, int channels, List<Integer> widths, int out, float normEps) {
        if (widths.isEmpty()) {
            throw new IllegalArgumentException("ConvEncoder: widths needs at least one entry, found none");
        }
        int levels = widths.size() - 1;
        convIn = new Conv2d(params, "encoder.conv_in", channels, widths.get(0), 3, 1, 1);
        normIn = new ChannelNorm(params, "encoder.norm_in", widths.get(0), normEps);
        for (int l = 0; l < levels; l++) {
            downConvs.add(new Conv2d(params, "encoder.down." + l + ".conv", widths.get(l), widths.get(l + 1), 4, 2, 1));
            downNorms.add(new ChannelNorm(params, "encoder.down." + l + ".norm", widths.get(l + 1), normEps));
        }
        convOut = new Conv2d(params, "encoder.conv_out", widths.get(levels), out, 1, 1, 0);
    }

    public Var forward(Graph g, Var image) {
        Var h = g.silu(normIn.forward(g, convIn.forward(g, image)));
        for (int l = 0; l < downConvs.size(); l++) {
            h = g.silu(downNorms.get(l).forward(g, downConvs.get(l).forward(g, h)));
        }
        return convOut.forward(g, h);
    }

    /**
     * Checks the geometry an encoder and decoder pair is configured with.
     *
     * @param what the config, named in each error ("vq config")
     * @throws IllegalArgumentException naming the field, what was expected and what was found
     */
    public static void checkGeometry(String what, int channels, int side, int downsample, List<Integer> widths) {
        if (channels < 1 || channels > 4) {
            throw new IllegalArgumentException(what + ": channels must be in [1, 4], found " + channels);
        }
        if (downsample < 2 || Integer.bitCount(downsample) != 1) {
            throw new IllegalArgumentException(what + ": downsample must be a power of two >= 2, found " + downsample);
        }
        if (side < downsample || side % downsample != 0) {
            throw new IllegalArgumentException(what + ": side must be a positive multiple of downsample " + downsample
                    + ", found " + side);
        }
        int levels = Integer.numberOfTrailingZeros(downsample);
        if (widths.size() != levels + 1) {
            throw new IllegalArgumentException(what + ": downsample " + downsample + " has " + levels
                    + " stages, so widths needs " + (levels + 1) + " entries, found " + widths);
        }
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException(what + ": every width must be >= 1, found " + widths);
            }
        }
    }
}
