package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

/** {@code y = x Wᵀ} without bias; the weight {@code [out, in]} is the parameter named exactly {@code name}, with weight decay. */
public final class Linear extends NamedComponent {
    private final Parameters params;

    public Linear(Parameters params, String name, int in, int out, float std) {
        super(name, name);
        this.params = params;
        params.declare(name, Shape.of(out, in), new Parameters.Init.Normal(std), true);
    }

    public Var forward(Graph g, Var x) {
        return g.linear(x, g.param(params.get(name())));
    }

}
