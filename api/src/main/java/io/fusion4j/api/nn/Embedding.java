package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/** Token embedding: the table {@code [vocab, dim]} named {@code name}, no weight decay. */
public final class Embedding extends NamedComponent {
    private final Parameters params;

    public Embedding(Parameters params, String name, int vocab, int dim, float std) {
        super(name, name);
        this.params = params;
        params.declare(name, Shape.of(vocab, dim), new Parameters.Init.Normal(std), false);
    }

    /** Rows for I32 {@code ids} (any shape): {@code [ids.numel(), dim]}. */
    public Var forward(Graph g, Tensor ids) {
        return g.embedding(g.param(params.get(name())), ids.reshape(ids.numel()));
    }

}
