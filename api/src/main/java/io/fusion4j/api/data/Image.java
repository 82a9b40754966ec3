package io.fusion4j.api.data;

/**
 * A picture as the data pipeline passes it around: {@code channels × height × width} floats in channel-major (CHW)
 * order, each in {@code [0, 1]}. Kept this small on purpose: decoders (PNG, datasets) produce it and image
 * tokenizers consume it, so neither side depends on the other. The array is not copied: do not modify it after
 * construction (record equality is by array identity).
 */
public record Image(int channels, int height, int width, float[] pixels) {
    public Image {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("an image needs channels, height and width >= 1, found " + channels
                    + "x" + height + "x" + width);
        }
        if (pixels.length != (long) channels * height * width) {
            throw new IllegalArgumentException("a " + channels + "x" + height + "x" + width + " image needs "
                    + (long) channels * height * width + " pixels, found " + pixels.length);
        }
        for (int i = 0; i < pixels.length; i++) {
            float v = pixels[i];
            if (!(v >= 0f && v <= 1f)) { // also refuses NaN
                throw new IllegalArgumentException("pixel " + i + " is " + v + ", expected a value in [0, 1]");
            }
        }
    }

    /** The value of channel {@code c} at row {@code y}, column {@code x}. */
    public float at(int c, int y, int x) {
        return pixels[(c * height + y) * width + x];
    }

    /**
     * This image, checked to be {@code channels × side × side} for a codec of that fixed geometry.
     *
     * @param who what refuses it, for the message ("this grid codec", "these pixel patches")
     */
    public Image requireGeometry(int channels, int side, String who) {
        if (this.channels != channels || height != side || width != side) {
            throw new IllegalArgumentException(who + " encode" + (who.startsWith("these") ? "" : "s") + " " + channels
                    + "x" + side + "x" + side + " images, found " + this.channels + "x" + height + "x" + width);
        }
        return this;
    }
}
