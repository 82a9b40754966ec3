package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Parameters;

/**
 * Builds the feed-forward of layer {@code layer}, declaring its parameters under {@code prefix} (for example
 * {@code layers.3.ffn}). Models choose the feed-forward per layer through it: dense everywhere, experts on some
 * layers, modality groups.
 */
@FunctionalInterface
public interface FeedForwardFactory {
    FeedForward create(Parameters params, String prefix, int layer, DecoderConfig config);

    /** Dense SwiGLU of the config's hidden size in every layer (the dense decoder). */
    FeedForwardFactory SWIGLU = (params, prefix, layer, c) ->
            new SwiGluFeedForward(params, prefix, c.dim(), c.ffnHidden(), c.initStd());
}
