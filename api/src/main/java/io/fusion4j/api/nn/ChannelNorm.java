package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

/**
 * LayerNorm over each pixel's channels of an NHWC map {@code [B, H, W, C]}: {@code name.weight [C]} (1) and
 * {@code name.bias [C]} (0), not decayed. It is the LayerNorm kernel over the map's rows, so it costs no kernel of
 * its own; unlike GroupNorm it does not mix statistics across pixels, so an image's tokens do not depend on the
 * rest of the image through the norm (decision 0022).
 */
public final class ChannelNorm extends NamedComponent {
    private final Parameters params;
    private final int channels;
    private final float eps;

    public ChannelNorm(Parameters params, String name, int channels, float eps) {
        super(name, name + ".weight", name + ".bias");
        this.params = params;
        this.channels = channels;
        this.eps = eps;
        params.declare(name + ".weight", Shape.of(channels), new Parameters.Init.Constant(1f), false);
        params.declare(name + ".bias", Shape.of(channels), new Parameters.Init.Constant(0f), false);
    }

    /** {@code x [B, H, W, C]}, normalised per pixel, same shape. */
    public Var forward(Graph g, Var x) {
        Shape s = x.value().shape();
        if (s.rank() != 4 || s.dim(3) != channels) {
            throw new IllegalArgumentException("ChannelNorm '" + name() + "': expected an NHWC map [B, H, W, "
                    + channels + "], found " + s);
        }
        Var rows = g.reshape(x, Shape.of(s.numel() / channels, channels));
        Var y = g.layerNorm(rows, g.param(params.get(name() + ".weight")), g.param(params.get(name() + ".bias")), eps);
        return g.reshape(y, s);
    }
}
