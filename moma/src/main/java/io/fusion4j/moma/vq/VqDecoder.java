package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.ChannelNorm;
import io.fusion4j.api.nn.Conv2d;
import io.fusion4j.api.nn.Upsample;

import java.util.ArrayList;
import java.util.List;

/**
 * Latent grid to image, the encoder's mirror: {@code decoder.conv_in} (3×3) and its norm, then per stage a 2×
 * nearest up-sampling, a 3×3 {@code decoder.up.{j}.conv} and its norm (SiLU after each norm), then a 3×3
 * {@code decoder.conv_out} to the image channels, unbounded (the caller clamps for display). NHWC in and out.
 */
final class VqDecoder {
    private final Conv2d convIn;
    private final ChannelNorm normIn;
    private final Upsample upsample = new Upsample("decoder.upsample", 2);
    private final List<Conv2d> upConvs = new ArrayList<>();
    private final List<ChannelNorm> upNorms = new ArrayList<>();
    private final Conv2d convOut;

    VqDecoder(Parameters params, VqConfig c) {
        List<Integer> w = c.widths();
        int levels = c.levels();
        convIn = new Conv2d(params, "decoder.conv_in", c.codeDim(), w.get(levels), 3, 1, 1);
        normIn = new ChannelNorm(params, "decoder.norm_in", w.get(levels), c.normEps());
        for (int j = 0; j < levels; j++) {
            int l = levels - j;
            upConvs.add(new Conv2d(params, "decoder.up." + j + ".conv", w.get(l), w.get(l - 1), 3, 1, 1));
            upNorms.add(new ChannelNorm(params, "decoder.up." + j + ".norm", w.get(l - 1), c.normEps()));
        }
        convOut = new Conv2d(params, "decoder.conv_out", w.get(0), c.channels(), 3, 1, 1);
    }

    Var forward(Graph g, Var latent) {
        Var h = g.silu(normIn.forward(g, convIn.forward(g, latent)));
        for (int j = 0; j < upConvs.size(); j++) {
            h = g.silu(upNorms.get(j).forward(g, upConvs.get(j).forward(g, upsample.forward(g, h))));
        }
        return convOut.forward(g, h);
    }
}
