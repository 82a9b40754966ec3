package io.fusion4j.api.generate;

import java.util.Objects;

/**
 * What a generation reports, in order: one {@link Token} per new token (image codes and markers included), an
 * {@link ImageFinished} when an image's {@code EOI} closes its codes, then one {@link Finished}. Sealed, so a consumer
 * switches over it exhaustively (Transfusion's denoising steps will add their own events).
 */
public sealed interface GenerationEvent {

    /**
     * One new token.
     *
     * @param id        the token's vocabulary id
     * @param textDelta the text it adds: the decoded sequence after it, less the decoded sequence before it
     *                  (may be empty while a multi-byte character is incomplete)
     */
    record Token(int id, String textDelta) implements GenerationEvent {
        /** Checks that the text is present. */
        public Token {
            Objects.requireNonNull(textDelta, "textDelta");
        }
    }

    /**
     * A denoising step of an image finished (Transfusion): {@code step} of {@code steps}, from 1.
     */
    record DenoisingStep(int step, int steps) implements GenerationEvent {
    }

    /**
     * An image was completed: its codes in raster order and, when the generator can draw, the picture they stand for.
     *
     * @param index the image's number in this generation, from 0
     * @param codes its codebook indices (local to the image codebook, not vocabulary ids); empty for a denoised image
     * @param image the decoded picture, or null when the generator was given no image decoder
     */
    record ImageFinished(int index, int[] codes, io.fusion4j.api.data.Image image) implements GenerationEvent {
        /** Checks that the codes are present. */
        public ImageFinished {
            Objects.requireNonNull(codes, "codes");
        }
    }

    /**
     * The generation ended.
     *
     * @param generated how many new tokens were reported (the end-of-sequence token is not one of them)
     * @param reason    why it ended
     */
    record Finished(int generated, Reason reason) implements GenerationEvent {
        /** Checks that the reason is present. */
        public Finished {
            Objects.requireNonNull(reason, "reason");
        }

        /** Why a generation ended. */
        public enum Reason {
            /** The requested number of new tokens was reached. */
            MAX_TOKENS,
            /** The model produced the end-of-sequence token. */
            END_OF_SEQUENCE,
            /** The caller asked it to stop. */
            CANCELLED,
            /** The requested number of images was completed. */
            IMAGES
        }
    }
}
