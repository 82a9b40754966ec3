package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;

/** Dense SwiGLU: {@code w2 (silu(w1 x) * (w3 x))}; parameters {@code prefix.w1 [hidden, dim]}, {@code w3}, {@code w2 [dim, hidden]}. */
public final class SwiGluFeedForward extends NamedComponent implements FeedForward {
    private final Linear w1;
    private final Linear w3;
    private final Linear w2;

    public SwiGluFeedForward(Parameters params, String prefix, int dim, int hidden, float std) {
        super(prefix);
        this.w1 = new Linear(params, prefix + ".w1", dim, hidden, std);
        this.w3 = new Linear(params, prefix + ".w3", dim, hidden, std);
        this.w2 = new Linear(params, prefix + ".w2", hidden, dim, std);
    }

    @Override
    public Var forward(ForwardPass pass, Var x) {
        Graph g = pass.graph();
        return w2.forward(g, g.swiglu(w1.forward(g, x), w3.forward(g, x)));
    }

}
