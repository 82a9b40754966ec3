package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;

/**
 * The feed-forward slot of a {@link TransformerBlock}: dense SwiGLU today, mixtures of experts later.
 * Maps {@code x [N, dim]} to {@code [N, dim]}.
 */
public interface FeedForward {
    Var forward(Graph g, Var x);
}
