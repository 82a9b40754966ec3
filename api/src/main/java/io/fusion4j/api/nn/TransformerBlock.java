package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/** Attention plus a feed-forward slot, with the norm placement of the config. Norms: {@code prefix.attn_norm}, {@code prefix.ffn_norm}. */
public final class TransformerBlock {
    private final Parameters params;
    private final String prefix;
    private final DecoderConfig c;
    private final SelfAttention attention;
    private final FeedForward ffn;

    public TransformerBlock(Parameters params, String prefix, DecoderConfig c, FeedForward ffn) {
        this.params = params;
        this.prefix = prefix;
        this.c = c;
        this.attention = new SelfAttention(params, prefix + ".attn", c);
        this.ffn = ffn;
        params.declare(prefix + ".attn_norm", Shape.of(c.dim()), new Parameters.Init.Constant(1f), false);
        params.declare(prefix + ".ffn_norm", Shape.of(c.dim()), new Parameters.Init.Constant(1f), false);
    }

    public Var forward(Graph g, Var x, int batch, int length, Tensor positions, AttentionMask mask) {
        Var attnNorm = g.param(params.get(prefix + ".attn_norm"));
        Var ffnNorm = g.param(params.get(prefix + ".ffn_norm"));
        float eps = c.normEps();
        if (c.norm() == NormPlacement.PRE) {
            Var h = g.add(x, attention.forward(g, g.rmsNorm(x, attnNorm, eps), batch, length, positions, mask));
            return g.add(h, ffn.forward(g, g.rmsNorm(h, ffnNorm, eps)));
        }
        Var h = g.add(x, g.rmsNorm(attention.forward(g, x, batch, length, positions, mask), attnNorm, eps));
        return g.add(h, g.rmsNorm(ffn.forward(g, h), ffnNorm, eps));
    }
}
