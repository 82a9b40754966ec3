package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;

/** LayerNorm over the last dim: {@code name.weight [dim]} (1) and {@code name.bias [dim]} (0), no decay. */
public final class LayerNorm extends NamedComponent {
    private final Parameters params;
    private final float eps;

    public LayerNorm(Parameters params, String name, int dim, float eps) {
        super(name, name + ".weight", name + ".bias");
        this.params = params;
        this.eps = eps;
        params.declare(name + ".weight", Shape.of(dim), new Parameters.Init.Constant(1f), false);
        params.declare(name + ".bias", Shape.of(dim), new Parameters.Init.Constant(0f), false);
    }

    public Var forward(Graph g, Var x) {
        return g.layerNorm(x, g.param(params.get(name() + ".weight")), g.param(params.get(name() + ".bias")), eps);
    }

}
