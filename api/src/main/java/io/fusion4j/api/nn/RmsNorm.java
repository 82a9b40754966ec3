package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

import java.util.List;

/** RMSNorm over the last dim with a gain {@code [dim]} named {@code name} (initialised to 1, no decay). */
public final class RmsNorm implements Module {
    private final Parameters params;
    private final String name;
    private final float eps;

    public RmsNorm(Parameters params, String name, int dim, float eps) {
        this.params = params;
        this.name = name;
        this.eps = eps;
        params.declare(name, Shape.of(dim), new Parameters.Init.Constant(1f), false);
    }

    public Var forward(Graph g, Var x) {
        return g.rmsNorm(x, g.param(params.get(name)), eps);
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
