package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.ConvGeometry;
import io.fusion4j.api.tensor.Shape;

/**
 * A 2-D convolution with bias over NHWC feature maps: {@code [B, H, W, in]} to {@code [B, OH, OW, out]}. The weight
 * {@code name.weight [out, in, k, k]} has PyTorch's layout (decayed, N(0, 1/sqrt(in·k·k)): unit-variance outputs for
 * unit-variance inputs), the bias {@code name.bias [out]} starts at 0 (not decayed).
 *
 * <p>NHWC because each pixel's channels are then one row: the bias is a row broadcast and a {@link ChannelNorm}
 * is the LayerNorm kernel as it is. The input is turned to NCHW for {@code im2col} (one transpose per image), the
 * patches meet the weight in one GEMM, and the GEMM's rows are NHWC again. Every step has a backward.
 */
public final class Conv2d extends NamedComponent {
    private final Parameters params;
    private final int in;
    private final int out;
    private final ConvGeometry geometry;

    public Conv2d(Parameters params, String name, int in, int out, int kernel, int stride, int padding) {
        super(name, name + ".weight", name + ".bias");
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Conv2d '" + name + "': channels must be >= 1, found in=" + in + " out="
                    + out);
        }
        this.params = params;
        this.in = in;
        this.out = out;
        this.geometry = new ConvGeometry(kernel, kernel, stride, padding);
        params.declare(name + ".weight", Shape.of(out, in, kernel, kernel),
                new Parameters.Init.Normal((float) (1 / Math.sqrt((double) in * kernel * kernel))), true);
        params.declare(name + ".bias", Shape.of(out), new Parameters.Init.Constant(0f), false);
    }

    public ConvGeometry geometry() {
        return geometry;
    }

    public int outChannels() {
        return out;
    }

    /** {@code x [B, H, W, in]} to {@code [B, OH, OW, out]}. */
    public Var forward(Graph g, Var x) {
        Shape s = x.value().shape();
        if (s.rank() != 4 || s.dim(3) != in) {
            throw new IllegalArgumentException("Conv2d '" + name() + "': expected an NHWC map [B, H, W, " + in
                    + "], found " + s);
        }
        long b = s.dim(0);
        int h = (int) s.dim(1);
        int w = (int) s.dim(2);
        int oh = geometry.outH(h);
        int ow = geometry.outW(w);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("Conv2d '" + name() + "': a " + h + "x" + w + " map is smaller than the "
                    + geometry.kernelH() + "x" + geometry.kernelW() + " kernel with padding " + geometry.padding());
        }
        Var nchw = g.reshape(g.transposeBatch(g.reshape(x, Shape.of(b, (long) h * w, in))), Shape.of(b, in, h, w));
        Var cols = g.im2col(nchw, geometry);
        Parameters.Parameter weight = params.get(name() + ".weight");
        Var wv = g.reshape(g.param(weight), Shape.of(out, weight.shape().numel() / out));
        Var y = g.addRowBias(g.linear(cols, wv), g.param(params.get(name() + ".bias")));
        return g.reshape(y, Shape.of(b, oh, ow, out));
    }
}
