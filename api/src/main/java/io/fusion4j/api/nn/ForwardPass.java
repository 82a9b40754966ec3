package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.router.RoutingMode;

/**
 * One forward pass through a model: the graph that records it, the tokens it runs over, and where layers report
 * auxiliary losses and metrics (a router's balance loss, tokens per expert), and how its routers decide
 * ({@link RoutingMode}: by batch, as in training, or causally). Every {@link Block} and {@link FeedForward}
 * receives it.
 */
public record ForwardPass(Graph graph, TokenMeta tokens, LossSink losses, Noise random, RoutingMode routing) {
    /**
     * Where training-only noise (a router's Gumbel noise) is drawn: Philox key and the counter offset of the pass's
     * stream ({@link io.fusion4j.api.train.StepContext#randomKey()} and one of its streams, 2^32 counters). A router
     * draws from {@code offset + RouterContext.noiseOffset()} (its layer and sub-router stream), so no two routers of a
     * pass share noise. A pass without one draws no noise: evaluation, validation and generation are deterministic.
     */
    public record Noise(long key, long offset) {
    }

    public ForwardPass {
        if (graph == null || tokens == null || losses == null || routing == null) {
            throw new IllegalArgumentException("a forward pass needs a graph, tokens, a loss sink and a routing mode");
        }
    }

    /** A pass with batch (training-time) routing. */
    public ForwardPass(Graph graph, TokenMeta tokens, LossSink losses, Noise random) {
        this(graph, tokens, losses, random, RoutingMode.BATCH);
    }

    /** A pass that draws no noise. */
    public ForwardPass(Graph graph, TokenMeta tokens, LossSink losses) {
        this(graph, tokens, losses, null, RoutingMode.BATCH);
    }

    /** The same pass over other tokens (the subset a depth router sends through its block). */
    public ForwardPass withTokens(TokenMeta t) {
        return new ForwardPass(graph, t, losses, random, routing);
    }

    /** The same pass with its routers deciding by {@code mode}. */
    public ForwardPass withRouting(RoutingMode mode) {
        return new ForwardPass(graph, tokens, losses, random, mode);
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
