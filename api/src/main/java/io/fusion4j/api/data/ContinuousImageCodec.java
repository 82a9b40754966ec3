package io.fusion4j.api.data;

/**
 * A continuous image tokenizer that can also draw: images of one fixed geometry to a fixed number of patch vectors in
 * raster order, and patch vectors back to an image. Transfusion trains its diffusion loss on the vectors and
 * generation decodes the denoised ones. Pixel patches and a trained VAE's latent patches both are one.
 */
public interface ContinuousImageCodec extends ImageTokenizer {
    /** Patch vectors per image (the positions between BOI and EOI). */
    int patchesPerImage();

    /** Floats per patch vector. */
    int patchWidth();

    /**
     * k, the side of a patch in the grid it is cut from (pixels, or latent pixels for a VAE): a patch vector is
     * {@code k·k·C} floats. A U-Net patch codec needs it to put an image's patches back into that grid.
     */
    int patchSize();

    /** Channels of the images it encodes and draws. */
    int channels();

    /** Image side in pixels: images are {@code side × side}. */
    int side();

    @Override
    ImageTokens.Continuous encode(Image image);

    /**
     * The image {@code patches} ({@link #patchesPerImage()} × {@link #patchWidth()} floats, raster order) stand for,
     * pixels clamped to {@code [0, 1]}.
     */
    Image decode(float[] patches);
}
