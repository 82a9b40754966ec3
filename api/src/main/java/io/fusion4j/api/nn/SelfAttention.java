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
     * New positions {@code x [n, dim]} at {@code positions [1, n]}: stores their keys and values as the next {@code n}
     * entries of {@code layer}'s cache and attends each over every entry of that layer, the new ones included (no-grad
     * inference). One position is a causal decode step; several see each other causally when {@code causal} (a
     * prompt prefilled in one pass) or both ways (the patches of one Transfusion image re-run over a cached prefix).
     */
    public Var decode(Graph g, Var x, Tensor positions, KvCache cache, int layer, boolean causal) {
        Backend be = g.backend();
        int n = (int) x.value().shape().dim(0);
        int h = c.heads();
        int hd = c.headDim();
        int at = cache.length(layer);
        int len = at + n;
        Shape heads = Shape.of(1, n, h, hd);
        Tensor q = project(g, wq, qNorm, x, heads, positions).value().reshape(n, h, hd);
        Tensor k = project(g, wk, kNorm, x, heads, positions).value().reshape(n, h, hd);
        Tensor v = wv.forward(g, x).value().reshape(n, h, hd);
        Tensor kc = cache.keys(layer);
        Tensor vc = cache.values(layer);
        float scale = (float) (1 / Math.sqrt(hd));
        Tensor out;
        if (n == 1) {
            out = g.arena().allocate(DType.F32, Shape.of(n, h, hd));
            Tensor scores = g.arena().allocate(DType.F32, Shape.of(1, len));
            for (int i = 0; i < h; i++) {
                Tensor kh = kc.select(i);
                Tensor vh = vc.select(i);
                be.copy(k.select(0).select(i), kh.slice(at, at + 1).reshape(hd));
                be.copy(v.select(0).select(i), vh.slice(at, at + 1).reshape(hd));
                be.gemm(q.select(0).select(i).reshape(1, hd), kh.slice(0, len).t(), scores, scale, 0f);
                be.softmax(scores, scores);
                be.gemm(scores, vh.slice(0, len), out.select(0).select(i).reshape(1, hd), 1f, 0f);
            }
        } else {
            // A head's rows are strided in [n, h, hd]; transposed to [h·hd, n] each head's new keys and values are
            // one contiguous block that lands in the cache in one transpose.
            int dim = h * hd;
            Tensor kT = g.arena().allocate(DType.F32, Shape.of(dim, n));
            Tensor vT = g.arena().allocate(DType.F32, Shape.of(dim, n));
            be.transpose(k.reshape(n, dim), kT);
            be.transpose(v.reshape(n, dim), vT);
            // The cache is head-major; the fused kernel wants [len, heads·hd]: each head's keys and values are
            // transposed into one [heads·hd, len] block, then the block back, and the span's queries sit in the
            // last n rows of an otherwise zero query (the prefix rows' outputs are not used).
            Tensor kAll = g.arena().allocate(DType.F32, Shape.of(dim, len));
            Tensor vAll = g.arena().allocate(DType.F32, Shape.of(dim, len));
            for (int i = 0; i < h; i++) {
                Tensor kh = kc.select(i);
                Tensor vh = vc.select(i);
                be.transpose(kT.slice((long) i * hd, (long) (i + 1) * hd), kh.slice(at, at + n));
                be.transpose(vT.slice((long) i * hd, (long) (i + 1) * hd), vh.slice(at, at + n));
                be.transpose(kh.slice(0, len), kAll.slice((long) i * hd, (long) (i + 1) * hd));
                be.transpose(vh.slice(0, len), vAll.slice((long) i * hd, (long) (i + 1) * hd));
            }
            Tensor kFull = g.arena().allocate(DType.F32, Shape.of(len, dim));
            Tensor vFull = g.arena().allocate(DType.F32, Shape.of(len, dim));
            be.transpose(kAll, kFull);
            be.transpose(vAll, vFull);
            Tensor qFull = g.arena().allocate(DType.F32, Shape.of(len, dim));
            if (at > 0) {
                be.fill(qFull.slice(0, at), 0f);
            }
            be.copy(q.reshape(n, dim), qFull.slice(at, len));
            Tensor outFull = g.arena().allocate(DType.F32, Shape.of(len, dim));
            Tensor lse = g.arena().allocate(DType.F32, Shape.of(1, h, len));
            Shape heads4 = Shape.of(1, len, h, hd);
            AttentionMask span = causal ? AttentionMask.causal(1, len)
                    : AttentionMask.builder(1, len).bidirectionalSpan(0, at, len).build();
            be.attention(qFull.reshape(heads4), kFull.reshape(heads4), vFull.reshape(heads4), span, scale,
                    outFull.reshape(heads4), lse);
            out = outFull.slice(at, len);
        }
        cache.appended(layer, n);
        return wo.forward(g, g.constant(out.reshape(n, c.dim())));
    }

}
