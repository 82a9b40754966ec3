package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

/** Dense SwiGLU: {@code w2 (silu(w1 x) * (w3 x))}; parameters {@code prefix.w1 [hidden, dim]}, {@code w3}, {@code w2 [dim, hidden]}. */
public final class SwiGluFeedForward implements FeedForward {
    private final Parameters params;
    private final String prefix;

    public SwiGluFeedForward(Parameters params, String prefix, int dim, int hidden, float std) {
        this.params = params;
        this.prefix = prefix;
        params.declare(prefix + ".w1", Shape.of(hidden, dim), new Parameters.Init.Normal(std), true);
        params.declare(prefix + ".w3", Shape.of(hidden, dim), new Parameters.Init.Normal(std), true);
        params.declare(prefix + ".w2", Shape.of(dim, hidden), new Parameters.Init.Normal(std), true);
    }

    @Override
    public Var forward(Graph g, Var x) {
        Var gate = g.linear(x, g.param(params.get(prefix + ".w1")));
        Var up = g.linear(x, g.param(params.get(prefix + ".w3")));
        return g.linear(g.swiglu(gate, up), g.param(params.get(prefix + ".w2")));
    }
}
