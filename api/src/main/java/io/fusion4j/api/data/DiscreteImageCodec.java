package io.fusion4j.api.data;

/**
 * A discrete image tokenizer that can also draw: images of one fixed geometry to a fixed number of codes in raster
 * order, and codes back to an image. MoMa and Chameleon train on the codes; generation turns the codes a model samples
 * inside a {@code BOI…EOI} span back into pixels. A trained VQ tokenizer and {@link GridImageTokenizer} both are one,
 * so the sequence builder and the sampler depend on this seam only.
 */
public interface DiscreteImageCodec extends ImageTokenizer {
    /** Distinct codes: every code is in {@code [0, codebookSize())}. */
    int codebookSize();

    /** Codes per image (the sequence positions between BOI and EOI). */
    int tokensPerImage();

    /** Channels of the images it encodes and draws (1 grey, 3 RGB). */
    int channels();

    /** Image side in pixels: images are {@code side × side}. */
    int side();

    @Override
    ImageTokens.Discrete encode(Image image);

    /**
     * The image {@code codes} stand for, {@code channels() × side() × side()}, pixels clamped to {@code [0, 1]}.
     *
     * @throws IllegalArgumentException when there are not {@link #tokensPerImage()} codes or one is outside the codebook
     */
    Image decode(int[] codes);
}
