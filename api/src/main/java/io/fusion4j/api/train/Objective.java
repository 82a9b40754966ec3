package io.fusion4j.api.train;

import io.fusion4j.api.data.Batch;

import java.util.Map;

/**
 * What a model is trained to minimise, one micro-batch at a time: it runs the model's forward on the micro-batch,
 * applies its loss ops with the gradient scale {@link io.fusion4j.api.autograd.LossSink#gradScale} gives for each
 * term, and reports each term's sum and count and any metrics to {@link StepContext#losses()}. The trainer then runs
 * the backward, sums the terms over the micro-batches and takes the optimizer step.
 *
 * @param <B> the batch type
 */
public interface Objective<B extends Batch<B>> {
    /**
     * How many targets each loss term counts over a whole batch, known before any forward (for a next-token loss, the
     * positions whose target is not ignored). A term this map does not name counts the batch's
     * {@link Batch#tokenCount() tokens}. Each micro-batch's gradient for a term is weighted by its share of that count,
     * which makes accumulation exact when micro-batches hold different numbers of targets.
     */
    default Map<String, Long> counts(B batch) {
        return Map.of();
    }

    /** Forward and losses of one micro-batch ({@code ctx.training()} is false for validation: record no backward). */
    void step(StepContext ctx, B microBatch);
}
