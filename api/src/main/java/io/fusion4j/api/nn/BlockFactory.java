package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Parameters;

/**
 * Builds block {@code layer} under {@code prefix} around the feed-forward the {@link FeedForwardFactory} made for it.
 * The feed-forward is created first, so its parameters precede the block's own in the flat buffer.
 */
@FunctionalInterface
public interface BlockFactory {
    Block create(Parameters params, String prefix, int layer, DecoderConfig config, FeedForward ffn);

    /** Attention plus the feed-forward in every layer. */
    BlockFactory TRANSFORMER = (params, prefix, layer, c, ffn) -> new TransformerBlock(params, prefix, c, ffn);
}
