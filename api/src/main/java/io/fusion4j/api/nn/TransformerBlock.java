package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.Tensor;

/** Attention plus a feed-forward slot, with the norm placement of the config. Norms: {@code prefix.attn_norm}, {@code prefix.ffn_norm}. */
public final class TransformerBlock extends NamedComponent implements Block {
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

    /** The feed-forward slot (a mixture of experts exposes its router through it). */
    public FeedForward feedForward() {
        return ffn;
    }

    /** The block around an attention function, in the configured norm placement. */
    private Var apply(ForwardPass pass, Var x, java.util.function.UnaryOperator<Var> attend) {
        Graph g = pass.graph();
        if (c.norm() == NormPlacement.PRE) {
            Var h = g.add(x, attend.apply(attnNorm.forward(g, x)));
            return g.add(h, ffn.forward(pass, ffnNorm.forward(g, h)));
        }
        Var h = g.add(x, attnNorm.forward(g, attend.apply(x)));
        return g.add(h, ffnNorm.forward(g, ffn.forward(pass, h)));
    }

    @Override
    public Var forward(ForwardPass pass, Var x) {
        TokenMeta t = pass.tokens();
        return apply(pass, x, in -> attention.forward(pass.graph(), in, t.batch(), t.length(), t.positions(), t.mask()));
    }

    /**
     * New positions through the block with the KV cache of {@code layer}: causal among themselves when the pass's
     * mask is causal, else all visible to each other (an image span).
     */
    @Override
    public Var decode(ForwardPass pass, Var x, KvCache cache, int layer) {
        return apply(pass, x, in -> attention.decode(pass.graph(), in, pass.tokens().positions(), cache, layer,
                pass.tokens().mask().isCausal()));
    }

}
