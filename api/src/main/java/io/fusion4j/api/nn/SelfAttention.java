package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Multi-head attention with RoPE, optional QK-norm (Chameleon: RMSNorm over each head's query and key)
 * and a KV-cache path for generation. Parameters {@code prefix.wq, wk, wv, wo [dim, dim]}, and
 * {@code q_norm, k_norm [headDim]} with QK-norm.
 */
public final class SelfAttention extends NamedComponent {
    private final DecoderConfig c;
    private final Linear wq;
    private final Linear wk;
    private final Linear wv;
    private final Linear wo;
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;

    public SelfAttention(Parameters params, String prefix, DecoderConfig c) {
        super(prefix);
        this.c = c;
        this.wq = new Linear(params, prefix + ".wq", c.dim(), c.dim(), c.initStd());
        this.wk = new Linear(params, prefix + ".wk", c.dim(), c.dim(), c.initStd());
        this.wv = new Linear(params, prefix + ".wv", c.dim(), c.dim(), c.initStd());
        this.wo = new Linear(params, prefix + ".wo", c.dim(), c.dim(), c.initStd());
        this.qNorm = c.qkNorm() ? new RmsNorm(params, prefix + ".q_norm", c.headDim(), c.normEps()) : null;
        this.kNorm = c.qkNorm() ? new RmsNorm(params, prefix + ".k_norm", c.headDim(), c.normEps()) : null;
    }

    /** Projects {@code x [N, dim]} to per-head queries or keys {@code [B,T,H,hd]}, QK-normed and rotated. */
    private Var project(Graph g, Linear w, RmsNorm norm, Var x, Shape heads, Tensor positions) {
        Var p = g.reshape(w.forward(g, x), heads);
        if (norm != null) {
            p = g.reshape(norm.forward(g, g.reshape(p, Shape.of(heads.numel() / c.headDim(), c.headDim()))), heads);
        }
        return g.rope(p, positions, c.ropeTheta());
    }

    /** {@code x [B*T, dim]} → {@code [B*T, dim]}. */
    public Var forward(Graph g, Var x, int batch, int length, Tensor positions, AttentionMask mask) {
        Shape heads = Shape.of(batch, length, c.heads(), c.headDim());
        Var q = project(g, wq, qNorm, x, heads, positions);
        Var k = project(g, wk, kNorm, x, heads, positions);
        Var v = g.reshape(wv.forward(g, x), heads);
        Var a = g.attention(q, k, v, mask, (float) (1 / Math.sqrt(c.headDim())));
        return wo.forward(g, g.reshape(a, Shape.of((long) batch * length, c.dim())));
    }

    /**
     * One new position {@code x [1, dim]} at {@code position}: stores its key and value as the next entry of
     * {@code layer}'s cache and attends over every entry of that layer (no-grad inference).
     */
    public Var decode(Graph g, Var x, Tensor position, KvCache cache, int layer) {
        Backend be = g.backend();
        int h = c.heads();
        int hd = c.headDim();
        int at = cache.length(layer);
        int len = at + 1;
        Shape one = Shape.of(1, 1, h, hd);
        Tensor q = project(g, wq, qNorm, x, one, position).value().reshape(h, hd);
        Tensor k = project(g, wk, kNorm, x, one, position).value().reshape(h, hd);
        Tensor v = wv.forward(g, x).value().reshape(h, hd);
        Tensor kc = cache.keys(layer);
        Tensor vc = cache.values(layer);
        Tensor out = g.arena().allocate(DType.F32, Shape.of(h, hd));
        Tensor scores = g.arena().allocate(DType.F32, Shape.of(1, len));
        float scale = (float) (1 / Math.sqrt(hd));
        for (int i = 0; i < h; i++) {
            Tensor kh = kc.select(i);
            Tensor vh = vc.select(i);
            be.copy(k.select(i), kh.slice(at, at + 1).reshape(hd));
            be.copy(v.select(i), vh.slice(at, at + 1).reshape(hd));
            Tensor qi = q.select(i).reshape(1, hd);
            be.gemm(qi, kh.slice(0, len).t(), scores, scale, 0f);
            be.softmax(scores, scores);
            be.gemm(scores, vh.slice(0, len), out.select(i).reshape(1, hd), 1f, 0f);
        }
        cache.appended(layer);
        return wo.forward(g, g.constant(out.reshape(1, c.dim())));
    }

}
