package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.ChannelNorm;
import io.fusion4j.api.nn.Conv2d;

import java.util.ArrayList;
import java.util.List;

/**
 * Image to latent grid: {@code encoder.conv_in} (3×3) and its norm, then per stage a stride-2 4×4
 * {@code encoder.down.{l}.conv} and its norm (SiLU after each norm), then a 1×1 {@code encoder.conv_out} to the
 * code dimension. NHWC in, NHWC out: {@code [B, side, side, channels]} to {@code [B, grid, grid, codeDim]}.
 */
final class VqEncoder {
    private final Conv2d convIn;
    private final ChannelNorm normIn;
    private final List<Conv2d> downConvs = new ArrayList<>();
    private final List<ChannelNorm> downNorms = new ArrayList<>();
    private final Conv2d convOut;

    VqEncoder(Parameters params, VqConfig c) {
        List<Integer> w = c.widths();
        convIn = new Conv2d(params, "encoder.conv_in", c.channels(), w.get(0), 3, 1, 1);
        normIn = new ChannelNorm(params, "encoder.norm_in", w.get(0), c.normEps());
        for (int l = 0; l < c.levels(); l++) {
            downConvs.add(new Conv2d(params, "encoder.down." + l + ".conv", w.get(l), w.get(l + 1), 4, 2, 1));
            downNorms.add(new ChannelNorm(params, "encoder.down." + l + ".norm", w.get(l + 1), c.normEps()));
        }
        convOut = new Conv2d(params, "encoder.conv_out", w.get(c.levels()), c.codeDim(), 1, 1, 0);
    }

    Var forward(Graph g, Var image) {
        Var h = g.silu(normIn.forward(g, convIn.forward(g, image)));
        for (int l = 0; l < downConvs.size(); l++) {
            h = g.silu(downNorms.get(l).forward(g, downConvs.get(l).forward(g, h)));
        }
        return convOut.forward(g, h);
    }
}
