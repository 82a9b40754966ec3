package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.tensor.Tensor;

/** Attention plus a feed-forward slot, with the norm placement of the config. Norms: {@code prefix.attn_norm}, {@code prefix.ffn_norm}. */
public final class TransformerBlock extends NamedModule {
    private final DecoderConfig c;
    private final SelfAttention attention;
    private final FeedForward ffn;
    private final RmsNorm attnNorm;
    private final RmsNorm ffnNorm;

    public TransformerBlock(Parameters params, String prefix, DecoderConfig c, FeedForward ffn) {
        super(prefix);
        this.c = c;
        this.attention = new SelfAttention(params, prefix + ".attn", c);
        this.ffn = ffn;
        this.attnNorm = new RmsNorm(params, prefix + ".attn_norm", c.dim(), c.normEps());
        this.ffnNorm = new RmsNorm(params, prefix + ".ffn_norm", c.dim(), c.normEps());
    }

    /** The block around an attention function, in the configured norm placement. */
    private Var apply(Graph g, Var x, java.util.function.UnaryOperator<Var> attend) {
        if (c.norm() == NormPlacement.PRE) {
            Var h = g.add(x, attend.apply(attnNorm.forward(g, x)));
            return g.add(h, ffn.forward(g, ffnNorm.forward(g, h)));
        }
        Var h = g.add(x, attnNorm.forward(g, attend.apply(x)));
        return g.add(h, ffnNorm.forward(g, ffn.forward(g, h)));
    }

    public Var forward(Graph g, Var x, int batch, int length, Tensor positions, AttentionMask mask) {
        return apply(g, x, in -> attention.forward(g, in, batch, length, positions, mask));
    }

    /** One position through the block with the KV cache of {@code layer}. */
    public Var decode(Graph g, Var x, Tensor position, KvCache cache, int layer) {
        return apply(g, x, in -> attention.decode(g, in, position, cache, layer));
    }

}
