package io.fusion4j.moma.routing;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

/**
 * A router's gate: the bias-free linear map {@code [experts, dim]} (the parameter named exactly by the router's
 * prefix) from hidden states to one logit per expert, and the training-only logistic noise some routers add to those
 * logits.
 */
final class RouterScores {
    private final Parameters params;
    private final String name;
    private final long noiseOffset;

    /** The gate of the router {@code ctx} describes: {@code [experts, dim]} named by its prefix. */
    RouterScores(RouterContext ctx, int experts) {
        this.params = ctx.params();
        this.name = ctx.prefix();
        this.noiseOffset = ctx.noiseOffset();
        params.declare(name, Shape.of(experts, ctx.dim()), new Parameters.Init.Normal(ctx.initStd()), true);
    }

    String name() {
        return name;
    }

    /** Logits {@code [n, E]}. */
    Var logits(Graph g, Var hidden) {
        return g.linear(hidden, g.param(params.get(name)));
    }

    /**
     * {@code logits + G' − G''} with G', G'' independent Gumbel(0, 1): their difference is Logistic(0, 1),
     * {@code log(u) − log(1 − u)} of one uniform u. Drawn with the pass's Philox key, so CPU and CUDA and a resumed
     * run draw the same; a pass without noise returns the logits unchanged.
     */
    Var withLogisticNoise(ForwardPass pass, Var logits) {
        ForwardPass.Noise noise = pass.random();
        if (noise == null) {
            return logits;
        }
        Graph g = pass.graph();
        StepArena arena = g.arena();
        Tensor u = arena.allocate(DType.F32, logits.value().shape());
        long n = u.numel();
        if (n > RouterContext.STREAM_COUNTERS) {
            throw new io.fusion4j.api.UserInputException("router " + name + ": " + n + " scores (tokens × experts of one"
                    + " micro-batch) exceed the " + RouterContext.STREAM_COUNTERS + " noise numbers a router may draw;"
                    + " use more micro-batches or turn the router's noise off");
        }
        g.backend().randomUniform(u, noise.key(), noise.offset() + noiseOffset);
        float[] h = new float[(int) n];
        g.backend().copyToHost(u, h);
        for (int i = 0; i < h.length; i++) {
            // u in [0, 1): clamp away from 0 so the log stays finite (u = 0 has probability 2^-24).
            double x = Math.max(h[i], 0x1p-25);
            h[i] = (float) (Math.log(x) - Math.log1p(-x));
        }
        g.backend().copyFromHost(h, u);
        return g.add(logits, g.constant(u));
    }
}
