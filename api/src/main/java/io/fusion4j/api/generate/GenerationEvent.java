package io.fusion4j.api.generate;

import java.util.Objects;

/**
 * What a generation reports, in order: one {@link Token} per new token, then one {@link Finished}. Sealed, so
 * a consumer switches over it exhaustively. Image generation (denoising steps, finished images) will add its
 * events here when a model that makes images lands; until then there are only text events.
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
            CANCELLED
        }
    }
}
