package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Multi-head attention with RoPE and optional QK-norm (Chameleon: RMSNorm over each head's query and
 * key). Parameters {@code prefix.wq, wk, wv, wo [dim, dim]}, and {@code q_norm, k_norm [headDim]} with QK-norm.
 */
public final class SelfAttention {
    private final Parameters params;
    private final String prefix;
    private final DecoderConfig c;

    public SelfAttention(Parameters params, String prefix, DecoderConfig c) {
        this.params = params;
        this.prefix = prefix;
        this.c = c;
        for (String w : new String[]{"wq", "wk", "wv", "wo"}) {
            params.declare(prefix + "." + w, Shape.of(c.dim(), c.dim()), new Parameters.Init.Normal(c.initStd()), true);
        }
        if (c.qkNorm()) {
            params.declare(prefix + ".q_norm", Shape.of(c.headDim()), new Parameters.Init.Constant(1f), false);
            params.declare(prefix + ".k_norm", Shape.of(c.headDim()), new Parameters.Init.Constant(1f), false);
        }
    }

    /** {@code x [B*T, dim]} → {@code [B*T, dim]}. */
    public Var forward(Graph g, Var x, int batch, int length, Tensor positions, AttentionMask mask) {
        Shape heads = Shape.of(batch, length, c.heads(), c.headDim());
        Var q = g.reshape(g.linear(x, g.param(params.get(prefix + ".wq"))), heads);
        Var k = g.reshape(g.linear(x, g.param(params.get(prefix + ".wk"))), heads);
        Var v = g.reshape(g.linear(x, g.param(params.get(prefix + ".wv"))), heads);
        if (c.qkNorm()) {
            Shape rows = Shape.of((long) batch * length * c.heads(), c.headDim());
            q = g.reshape(g.rmsNorm(g.reshape(q, rows), g.param(params.get(prefix + ".q_norm")), c.normEps()), heads);
            k = g.reshape(g.rmsNorm(g.reshape(k, rows), g.param(params.get(prefix + ".k_norm")), c.normEps()), heads);
        }
        q = g.rope(q, positions, c.ropeTheta());
        k = g.rope(k, positions, c.ropeTheta());
        Var a = g.attention(q, k, v, mask, (float) (1 / Math.sqrt(c.headDim())));
        return g.linear(g.reshape(a, Shape.of((long) batch * length, c.dim())), g.param(params.get(prefix + ".wo")));
    }
}
