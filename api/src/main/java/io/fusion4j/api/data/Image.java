package io.fusion4j.api.data;

/**
 * An image as models see it: {@code channels × height × width} floats in {@code [0, 1]}, channel-major (CHW), one
 * channel for grey, three for RGB.
 */
public record Image(int channels, int height, int width, float[] pixels) {
    public Image {
        if (channels < 1 || channels > 4 || height < 1 || width < 1) {
            throw new IllegalArgumentException("an image needs 1-4 channels and a positive size, found " + channels + "x"
                    + height + "x" + width);
        }
        if (pixels.length != channels * height * width) {
            throw new IllegalArgumentException("image pixels: expected " + channels * height * width + " floats, found "
                    + pixels.length);
        }
    }

    /** The value of channel {@code c} at row {@code y}, column {@code x}. */
    public float at(int c, int y, int x) {
        return pixels[(c * height + y) * width + x];
    }
}
