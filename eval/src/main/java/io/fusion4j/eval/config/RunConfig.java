package io.fusion4j.eval.config;

import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.train.TrainConfig;

/**
 * What {@code config.json} holds: the model (of any kind, under {@code "model"}) and how it is trained (the other
 * top-level fields). See {@link ConfigJson} for the format.
 */
public record RunConfig(ModelConfig model, TrainConfig train) {
    public RunConfig {
        if (model == null || train == null) {
            throw new IllegalArgumentException("a run config needs a model and a training config");
        }
    }
}
