package io.fusion4j.eval.models;

import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.train.Objective;

/**
 * How the composition root turns a model config of one kind into something to train and sample: its decoder and
 * its objective. A model module adds a builder here (and its config record to {@link io.fusion4j.eval.config.ConfigJson});
 * the commands look builders up by kind and contain no per-model branches.
 */
public interface ModelBuilder {
    /** The kind this builder handles ({@code config.json}'s {@code model.kind}). */
    String kind();

    /** The model, parameters declared but not allocated. */
    Decoder decoder(ModelConfig config);

    /** What training on mixed rows minimises, with the terms the model reports. */
    Objective<MixedBatch> objective(Decoder decoder);

    /**
     * Null when {@code decoder} can generate one token at a time as it was trained (with batch routing); otherwise why
     * not (a router that ranks a token against later ones). Such a model generates with causal auxiliary routers when
     * its run holds them ({@link AuxiliaryRouterFiles}).
     */
    String whyNotCausal(ModelConfig config);

    /**
     * True when the model reads images as continuous patch vectors (Transfusion) rather than as discrete codes, so its
     * data cannot be pre-tokenized rows.
     */
    default boolean continuousImages() {
        return false;
    }

    /**
     * {@code config} fitted to image patches of {@code width} floats cut as {@code patchSize × patchSize} squares
     * (the data decides; unchanged by default).
     */
    default ModelConfig fitImages(ModelConfig config, int width, int patchSize) {
        return config;
    }
}
