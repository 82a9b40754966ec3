package io.fusion4j.api.backend;

/** Kernel size, stride and zero padding of a 2-D convolution, for {@link Backend#im2col}. */
public record ConvGeometry(int kernelH, int kernelW, int stride, int padding) {
    public ConvGeometry {
        if (kernelH < 1 || kernelW < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("invalid convolution geometry: kernel " + kernelH + "x" + kernelW
                    + ", stride " + stride + ", padding " + padding);
        }
    }

    /** Output height for input height {@code h}. */
    public int outH(int h) {
        return (h + 2 * padding - kernelH) / stride + 1;
    }

    /** Output width for input width {@code w}. */
    public int outW(int w) {
        return (w + 2 * padding - kernelW) / stride + 1;
    }
}
