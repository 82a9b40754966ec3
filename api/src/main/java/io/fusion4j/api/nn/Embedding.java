package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.List;

/** Token embedding: the table {@code [vocab, dim]} named {@code name}, no weight decay. */
public final class Embedding implements Module {
    private final Parameters params;
    private final String name;

    public Embedding(Parameters params, String name, int vocab, int dim, float std) {
        this.params = params;
        this.name = name;
        params.declare(name, Shape.of(vocab, dim), new Parameters.Init.Normal(std), false);
    }

    /** Rows for I32 {@code ids} (any shape): {@code [ids.numel(), dim]}. */
    public Var forward(Graph g, Tensor ids) {
        return g.embedding(g.param(params.get(name)), ids.reshape(ids.numel()));
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
