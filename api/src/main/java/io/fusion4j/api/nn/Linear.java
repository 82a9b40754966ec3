package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

import java.util.List;

/** {@code y = x Wᵀ} without bias; the weight {@code [out, in]} is the parameter named exactly {@code name}, with weight decay. */
public final class Linear implements Module {
    private final Parameters params;
    private final String name;

    public Linear(Parameters params, String name, int in, int out, float std) {
        this.params = params;
        this.name = name;
        params.declare(name, Shape.of(out, in), new Parameters.Init.Normal(std), true);
    }

    public Var forward(Graph g, Var x) {
        return g.linear(x, g.param(params.get(name)));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> parameterNames() {
        return List.of(name);
    }
}
