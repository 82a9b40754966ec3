package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.backend.Backend;

/**
 * One forward pass through a model: the graph that records it, the tokens it runs over, and where layers report
 * auxiliary losses and metrics (a router's balance loss, tokens per expert). Every {@link Block} and
 * {@link FeedForward} receives it.
 */
public record ForwardPass(Graph graph, TokenMeta tokens, LossSink losses) {
    public ForwardPass {
        if (graph == null || tokens == null || losses == null) {
            throw new IllegalArgumentException("a forward pass needs a graph, tokens and a loss sink");
        }
    }

    /**
     * A pass with no trainer behind it (evaluation, generation, tests of a single layer): metrics and losses are
     * dropped. On a graph that records gradients, a layer that asks for a loss's gradient scale gets an error rather
     * than a silent zero: train through an {@link io.fusion4j.api.train.Objective} to have one.
     */
    public static ForwardPass of(Graph graph, TokenMeta tokens) {
        return new ForwardPass(graph, tokens, graph.recordsGradients() ? LossSink.UNSCALED : LossSink.NONE);
    }

    public Backend backend() {
        return graph.backend();
    }
}
