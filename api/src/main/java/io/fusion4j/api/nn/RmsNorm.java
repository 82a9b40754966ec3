package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

/** RMSNorm over the last dim with a gain {@code [dim]} named {@code name} (initialised to 1, no decay). */
public final class RmsNorm extends NamedComponent {
    private final Parameters params;
    private final float eps;

    public RmsNorm(Parameters params, String name, int dim, float eps) {
        super(name, name);
        this.params = params;
        this.eps = eps;
        params.declare(name, Shape.of(dim), new Parameters.Init.Constant(1f), false);
    }

    public Var forward(Graph g, Var x) {
        return g.rmsNorm(x, g.param(params.get(name())), eps);
    }

}
