package io.fusion4j.api.data;

/**
 * Turns an image into the positions it takes in a mixed-modal sequence: a VQ encoder (discrete codes) for MoMa, a
 * latent patcher (continuous vectors) for Transfusion, or {@link GridImageTokenizer} as a fixed baseline. The
 * sequence builder depends only on this seam. Implementations must be deterministic (same image, same tokens), since
 * the data order must be reproducible on resume.
 */
@FunctionalInterface
public interface ImageTokenizer {
    ImageTokens encode(Image image);
}
