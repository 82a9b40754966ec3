package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.AttentionMask;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused attention on {@code [B,T,H,D]} tensors, FlashAttention-2 style: queries in blocks of {@link #BQ},
 * keys in blocks of {@link #BK}, an online softmax, and a backward that recomputes probabilities from
 * the saved log-sum-exp. Only a BQ×BK score tile exists at a time, never T×T. Each (batch, head) pair
 * is one parallel chunk, so gradient accumulators are private to a worker and results do not depend
 * on scheduling. Key blocks outside a query block's visible range are skipped entirely.
 *
 * <p>Per-head operands are copied into worker scratch (Q, K, V rows padded to a multiple of the vector
 * length, and Kᵀ, Vᵀ for the score products), so every product runs on {@link MicroKernels}.
 */
final class FlashAttention implements CpuWorkers.Chunk {
    static final int BQ = 64;
    static final int BK = 64;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private final WorkerPool pool;
    private final Scratch[] scratch;

    // Current problem.
    private boolean backward;
    private float[] q, k, v, out, lse, dOut, dq, dk, dv;
    private int qo, ko, vo, oo, lo, dOo, dqo, dko, dvo;
    private int batch, len, heads, dim;
    private float scale;
    private AttentionMask mask;
    private int[] keyStart, keyEnd;

    /** Where one head's {@code [T, D]} rows live: the tensor itself (row stride H·D) or a padded copy. */
    private static final class View {
        float[] a;
        int off;
        int ld;

        void set(float[] a, int off, int ld) {
            this.a = a;
            this.off = off;
            this.ld = ld;
        }
    }

    private static final class Scratch {
        float[] qh = new float[0], kh = new float[0], vh = new float[0], doh = new float[0];
        float[] kt = new float[0], vt = new float[0];
        float[] gq = new float[0], gk = new float[0], gv = new float[0];
        float[] o = new float[0];
        float[] rowMax = new float[0], rowSum = new float[0], di = new float[0], rowScale = new float[0];
        final float[] s = new float[BQ * BK];
        final float[] p = new float[BQ * BK];
        float[] ap = new float[0];
        float[] apQ = new float[0];
        float[] apDo = new float[0];
        final float[] acc = new float[MicroKernels.ACC_SIZE];
        float[] tmp = new float[0];
        final int[] range = new int[2];
        final View qv = new View(), kv = new View(), vv = new View(), dov = new View();
        final View gqv = new View(), gkv = new View(), gvv = new View();

        void ensure(int t, int dp, boolean bwd) {
            int rows = t * dp;
            int tp = t + BK + L;
            if (qh.length < rows) {
                qh = new float[rows];
                kh = new float[rows];
                vh = new float[rows];
                o = new float[BQ * dp];
            }
            if (kt.length < dp * tp) {
                kt = new float[dp * tp];
            }
            if (tmp.length < MicroKernels.MR * dp) {
                tmp = new float[MicroKernels.MR * dp];
            }
            if (rowMax.length < t) {
                rowScale = new float[t];
                rowMax = new float[t];
                rowSum = new float[t];
                di = new float[t];
            }
            int apNeed = Math.max(BQ, BK) * Math.max(dp, Math.max(BQ, BK));
            if (ap.length < apNeed) {
                ap = new float[apNeed];
                apQ = new float[apNeed];
                apDo = new float[apNeed];
            }
            if (bwd) {
                if (doh.length < rows) {
                    doh = new float[rows];
                    gq = new float[rows];
                    gk = new float[rows];
                    gv = new float[rows];
                }
                if (vt.length < dp * tp) {
                    vt = new float[dp * tp];
                }
            }
        }
    }

    FlashAttention(WorkerPool pool) {
        this.pool = pool;
        this.scratch = new Scratch[pool.threads()];
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = new Scratch();
        }
    }

    void forward(float[] q, int qo, float[] k, int ko, float[] v, int vo, float[] out, int oo, float[] lse, int lo,
                 int batch, int len, int heads, int dim, AttentionMask mask, float scale) {
        this.backward = false;
        set(q, qo, k, ko, v, vo, out, oo, lse, lo, batch, len, heads, dim, mask, scale);
        pool.run(batch * heads, this);
        clear();
    }

    void backward(float[] q, int qo, float[] k, int ko, float[] v, int vo, float[] out, int oo, float[] lse, int lo,
                  float[] dOut, int dOo, float[] dq, int dqo, float[] dk, int dko, float[] dv, int dvo,
                  int batch, int len, int heads, int dim, AttentionMask mask, float scale) {
        this.backward = true;
        set(q, qo, k, ko, v, vo, out, oo, lse, lo, batch, len, heads, dim, mask, scale);
        this.dOut = dOut;
        this.dOo = dOo;
        this.dq = dq;
        this.dqo = dqo;
        this.dk = dk;
        this.dko = dko;
        this.dv = dv;
        this.dvo = dvo;
        pool.run(batch * heads, this);
        clear();
    }

    private void set(float[] q, int qo, float[] k, int ko, float[] v, int vo, float[] out, int oo, float[] lse, int lo,
                     int batch, int len, int heads, int dim, AttentionMask mask, float scale) {
        this.q = q;
        this.qo = qo;
        this.k = k;
        this.ko = ko;
        this.v = v;
        this.vo = vo;
        this.out = out;
        this.oo = oo;
        this.lse = lse;
        this.lo = lo;
        this.batch = batch;
        this.len = len;
        this.heads = heads;
        this.dim = dim;
        this.scale = scale;
        if (this.mask != mask) {
            this.mask = mask;
            this.keyStart = mask.keyStarts();
            this.keyEnd = mask.keyEnds();
        }
    }

    private void clear() {
        q = k = v = out = lse = dOut = dq = dk = dv = null;
    }

    @Override
    public void run(int chunk, int worker) {
        int b = chunk / heads;
        int h = chunk % heads;
        Scratch w = scratch[worker];
        int dp = (dim + L - 1) / L * L;
        w.ensure(len, dp, backward);
        if (backward) {
            backwardHead(b, h, dp, w);
        } else {
            forwardHead(b, h, dp, w);
        }
    }

    /**
     * Points {@code view} at head {@code h} of row {@code b}. With {@code dim} a multiple of the vector length
     * the tensor is used in place (row stride H·D: tiles read whole vectors inside one row); otherwise the
     * rows are copied into zero-padded scratch. (Compact copies of every operand were measured slower.)
     */
    private void headRows(float[] src, int so, int b, int h, int dp, float[] copy, View view) {
        int base = so + (b * len * heads + h) * dim;
        if (dim == dp) {
            view.set(src, base, heads * dim);
            return;
        }
        for (int t = 0; t < len; t++) {
            System.arraycopy(src, base + t * heads * dim, copy, t * dp, dim);
            java.util.Arrays.fill(copy, t * dp + dim, (t + 1) * dp, 0f);
        }
        view.set(copy, 0, dp);
    }

    /**
     * Writes the transpose {@code [dim, tp]} (zero padded) of a head's rows with GEMM's register transposes
     * ({@link MicroKernels#transposeRows}); gathers were measured slower here.
     */
    private void transpose(View rows, float[] trans, int tp, float[] tmp) {
        MicroKernels.transposeRows(rows.a, rows.off, rows.ld, len, dim, trans, 0, tp, tmp);
        for (int d = 0; d < dim; d++) {
            java.util.Arrays.fill(trans, d * tp + len, (d + 1) * tp, 0f);
        }
    }

    /** Gradient rows: the output tensor itself when its rows can be written in place, else scratch. */
    private void gradRows(float[] dst, int dOff, int b, int h, int dp, float[] scratch, View view) {
        int base = dOff + (b * len * heads + h) * dim;
        if (dim == dp) {
            view.set(dst, base, heads * dim);
            for (int t = 0; t < len; t++) {
                java.util.Arrays.fill(dst, base + t * heads * dim, base + t * heads * dim + dim, 0f);
            }
        } else {
            view.set(scratch, 0, dp);
            java.util.Arrays.fill(scratch, 0, len * dp, 0f);
        }
    }

    private void storeHead(View rows, float[] dst, int dOff, int b, int h) {
        if (rows.a == dst) {
            return; // accumulated in place
        }
        for (int t = 0; t < len; t++) {
            System.arraycopy(rows.a, rows.off + t * rows.ld, dst, dOff + ((b * len + t) * heads + h) * dim, dim);
        }
    }

    /**
     * {@code s = scale · Q[i0..] Kᵀ[:, j0..]} from the packed Q block, each sliver only up to the last key it
     * sees; the columns it skips are set to -inf by {@link #maskTile}.
     */
    private void scores(Scratch w, int b, int i0, int bq, int j0, int bk, int tp) {
        scoreLike(w.apQ, w.kt, w, b, i0, bq, j0, bk, tp, scale);
    }

    private void scoreLike(float[] packed, float[] trans, Scratch w, int b, int i0, int bq, int j0, int bk, int tp,
                           float alpha) {
        for (int r0 = 0; r0 < bq; r0 += MicroKernels.MR) {
            int mr = Math.min(MicroKernels.MR, bq - r0);
            int nEnd = sliverKeyEnd(b, i0, r0, mr, j0, bk);
            if (nEnd > 0) {
                MicroKernels.sliver(packed, r0 / MicroKernels.MR, dim, 0, dim, trans, j0, tp, w.s, r0 * BK, BK, mr, nEnd,
                        alpha, 0f, w.acc);
            }
        }
    }

    /**
     * {@code dst[r] = beta_r·dst[r] + alpha · packed[r] × src[j0..]} for the query rows of block {@code i0}, each
     * 4-row sliver only over the keys it sees (the packed probabilities or score gradients are exactly 0 beyond).
     * {@code rowBeta} null means beta 1.
     */
    private void queryRows(float[] packed, View src, float[] dst, int dOff, int ld, Scratch w, int b, int i0, int bq,
                           int j0, int bk, float alpha, float[] rowBeta) {
        for (int r0 = 0; r0 < bq; r0 += MicroKernels.MR) {
            int mr = Math.min(MicroKernels.MR, bq - r0);
            int kEnd = sliverKeyEnd(b, i0, r0, mr, j0, bk);
            if (kEnd > 0) {
                MicroKernels.sliver(packed, r0 / MicroKernels.MR, bk, 0, kEnd, src.a, src.off + j0 * src.ld, src.ld,
                        dst, dOff + r0 * ld, ld, mr, dim, alpha, 1f, rowBeta, r0, w.acc);
            }
        }
    }

    /** {@code grad[j0..] += alpha · Aᵀ-packed rows × src[i0..]}, each key sliver over the queries that see it. */
    private void keyGrad(float[] packedT, View src, View grad, Scratch w, int b, int i0, int bq, int j0, int bk,
                         float alpha) {
        for (int r0 = 0; r0 < bk; r0 += MicroKernels.MR) {
            int mr = Math.min(MicroKernels.MR, bk - r0);
            sliverQueryRange(b, i0, bq, j0 + r0, mr, w.range);
            if (w.range[0] < w.range[1]) {
                MicroKernels.sliver(packedT, r0 / MicroKernels.MR, bq, w.range[0], w.range[1], src.a,
                        src.off + i0 * src.ld, src.ld, grad.a, grad.off + (j0 + r0) * grad.ld, grad.ld, mr, dim,
                        alpha, 1f, w.acc);
            }
        }
    }

    /** Sets score entries outside each query's key range to -inf; returns false when no entry of the tile is visible. */
    private boolean maskTile(float[] s, int b, int i0, int bq, int j0, int bk) {
        boolean any = false;
        for (int r = 0; r < bq; r++) {
            int qi = b * len + i0 + r;
            int a = Math.max(0, keyStart[qi] - j0);
            int e = Math.min(bk, keyEnd[qi] - j0);
            int row = r * BK;
            if (e <= a) {
                java.util.Arrays.fill(s, row, row + bk, Float.NEGATIVE_INFINITY);
                continue;
            }
            any = true;
            for (int j = 0; j < a; j++) {
                s[row + j] = Float.NEGATIVE_INFINITY;
            }
            for (int j = e; j < bk; j++) {
                s[row + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return any;
    }

    /** One past the last key, relative to {@code j0} and clamped to {@code [0, bk]}, that rows {@code i0+r0 ..} of a sliver see. */
    private int sliverKeyEnd(int b, int i0, int r0, int mr, int j0, int bk) {
        int e = 0;
        for (int r = r0; r < r0 + mr; r++) {
            int qi = b * len + i0 + r;
            if (keyEnd[qi] > keyStart[qi]) {
                e = Math.max(e, keyEnd[qi] - j0);
            }
        }
        return Math.min(bk, e);
    }

    /**
     * Queries of block {@code i0} (relative {@code [start, end)} packed into {@code range}) that see any key of
     * {@code [key0, key0+mr)}; empty when {@code range[0] >= range[1]}.
     */
    private void sliverQueryRange(int b, int i0, int bq, int key0, int mr, int[] range) {
        int first = bq;
        int last = -1;
        for (int r = 0; r < bq; r++) {
            int qi = b * len + i0 + r;
            if (keyStart[qi] < key0 + mr && keyEnd[qi] > key0) {
                first = Math.min(first, r);
                last = r;
            }
        }
        range[0] = first;
        range[1] = last + 1;
    }

    private int blockKeyLo(int b, int i0, int bq) {
        int lo = Integer.MAX_VALUE;
        for (int r = 0; r < bq; r++) {
            int qi = b * len + i0 + r;
            if (keyEnd[qi] > keyStart[qi]) {
                lo = Math.min(lo, keyStart[qi]);
            }
        }
        return lo;
    }

    private int blockKeyHi(int b, int i0, int bq) {
        int hi = 0;
        for (int r = 0; r < bq; r++) {
            int qi = b * len + i0 + r;
            if (keyEnd[qi] > keyStart[qi]) {
                hi = Math.max(hi, keyEnd[qi]);
            }
        }
        return hi;
    }

    private void forwardHead(int b, int h, int dp, Scratch w) {
        int tp = len + BK + L;
        View qv = w.qv;
        View kv = w.kv;
        View vv = w.vv;
        headRows(q, qo, b, h, dp, w.qh, qv);
        headRows(k, ko, b, h, dp, w.kh, kv);
        headRows(v, vo, b, h, dp, w.vh, vv);
        transpose(kv, w.kt, tp, w.tmp);
        float[] s = w.s;
        for (int i0 = 0; i0 < len; i0 += BQ) {
            int bq = Math.min(BQ, len - i0);
            int kLo = blockKeyLo(b, i0, bq);
            int kHi = blockKeyHi(b, i0, bq);
            java.util.Arrays.fill(w.o, 0, bq * dp, 0f);
            for (int r = 0; r < bq; r++) {
                w.rowMax[r] = Float.NEGATIVE_INFINITY;
                w.rowSum[r] = 0f;
            }
            if (kHi > kLo) {
                MicroKernels.packA(qv.a, qv.off + i0 * qv.ld, qv.ld, 1, bq, dim, w.apQ);
                for (int j0 = kLo; j0 < kHi; j0 += BK) {
                    int bk = Math.min(BK, kHi - j0);
                    scores(w, b, i0, bq, j0, bk, tp);
                    if (!maskTile(s, b, i0, bq, j0, bk)) {
                        continue;
                    }
                    onlineSoftmax(s, bq, bk, w, dp);
                    MicroKernels.packA(s, 0, BK, 1, bq, bk, w.ap);
                    // O = rowScale·O + P V (the online-softmax rescale rides on the merge).
                    queryRows(w.ap, vv, w.o, 0, dp, w, b, i0, bq, j0, bk, 1f, w.rowScale);
                }
            }
            for (int r = 0; r < bq; r++) {
                int t = i0 + r;
                int dst = oo + ((b * len + t) * heads + h) * dim;
                float l = w.rowSum[r];
                if (l > 0f) {
                    Elementwise.scale(w.o, r * dp, 1f / l, out, dst, dim);
                    lse[lo + (b * heads + h) * len + t] = w.rowMax[r] + (float) Math.log(l);
                } else {
                    java.util.Arrays.fill(out, dst, dst + dim, 0f);
                    lse[lo + (b * heads + h) * len + t] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /** Turns a masked score tile into probabilities relative to the running max, rescaling running sums and outputs. */
    private static void onlineSoftmax(float[] s, int bq, int bk, Scratch w, int dp) {
        for (int r = 0; r < bq; r++) {
            int row = r * BK;
            float tileMax = RowKernels.max(s, row, bk);
            if (tileMax == Float.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(s, row, row + bk, 0f);
                w.rowScale[r] = 1f;
                continue;
            }
            float old = w.rowMax[r];
            float nm = Math.max(old, tileMax);
            // Array-level helper: exp under a mask in every iteration fell out of C2's intrinsics and boxed vectors.
            float rowSum = VectorMath.expMinusAndSum(s, row, s, row, bk, nm);
            float f = old == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(old - nm);
            w.rowSum[r] = w.rowSum[r] * f + rowSum;
            w.rowMax[r] = nm;
            w.rowScale[r] = f; // applied to O's row by the P·V merge
        }
    }

    private void backwardHead(int b, int h, int dp, Scratch w) {
        int tp = len + BK + L;
        View qv = w.qv;
        View kv = w.kv;
        View vv = w.vv;
        View dov = w.dov;
        headRows(q, qo, b, h, dp, w.qh, qv);
        headRows(k, ko, b, h, dp, w.kh, kv);
        headRows(v, vo, b, h, dp, w.vh, vv);
        headRows(dOut, dOo, b, h, dp, w.doh, dov);
        transpose(kv, w.kt, tp, w.tmp);
        transpose(vv, w.vt, tp, w.tmp);
        gradRows(dq, dqo, b, h, dp, w.gq, w.gqv);
        gradRows(dk, dko, b, h, dp, w.gk, w.gkv);
        gradRows(dv, dvo, b, h, dp, w.gv, w.gvv);
        View gq = w.gqv;
        View gk = w.gkv;
        View gv = w.gvv;
        int lseBase = lo + (b * heads + h) * len;
        for (int t = 0; t < len; t++) {
            int o = ((b * len + t) * heads + h) * dim;
            w.di[t] = Elementwise.dot(dOut, dOo + o, out, oo + o, dim);
        }
        float[] s = w.s;
        float[] p = w.p;
        for (int i0 = 0; i0 < len; i0 += BQ) {
            int bq = Math.min(BQ, len - i0);
            int kLo = blockKeyLo(b, i0, bq);
            int kHi = blockKeyHi(b, i0, bq);
            if (kHi <= kLo) {
                continue;
            }
            // Q and dO of this query block stay packed across its key tiles.
            MicroKernels.packA(qv.a, qv.off + i0 * qv.ld, qv.ld, 1, bq, dim, w.apQ);
            MicroKernels.packA(dov.a, dov.off + i0 * dov.ld, dov.ld, 1, bq, dim, w.apDo);
            for (int j0 = kLo; j0 < kHi; j0 += BK) {
                int bk = Math.min(BK, kHi - j0);
                scores(w, b, i0, bq, j0, bk, tp);
                if (!maskTile(s, b, i0, bq, j0, bk)) {
                    continue;
                }
                // P = exp(S - lse)
                for (int r = 0; r < bq; r++) {
                    float l = lse[lseBase + i0 + r];
                    int row = r * BK;
                    if (l == Float.NEGATIVE_INFINITY) {
                        java.util.Arrays.fill(p, row, row + bk, 0f);
                        continue;
                    }
                    FloatVector vl = FloatVector.broadcast(S, l);
                    int j = 0;
                    for (; j + L <= bk; j += L) {
                        VectorMath.exp(FloatVector.fromArray(S, s, row + j).sub(vl)).intoArray(p, row + j);
                    }
                    for (; j < bk; j++) {
                        p[row + j] = (float) Math.exp(s[row + j] - l);
                    }
                }
                // dV[j0..] += Pᵀ dO[i0..], each key sliver only over the queries that see it.
                MicroKernels.packA(p, 0, 1, BK, bk, bq, w.ap);
                keyGrad(w.ap, dov, gv, w, b, i0, bq, j0, bk, 1f);
                // dP = dO[i0..] Vᵀ[:, j0..]  (into s; columns a sliver skips are never read unmasked)
                scoreLike(w.apDo, w.vt, w, b, i0, bq, j0, bk, tp, 1f);
                // dS = P * (dP - D_i) (into s). Lanes past a row's last key load dP as 0 and have P = 0, so
                // they become exactly 0 whatever the skipped columns held. A row that sees no key (padding) loads
                // nothing: its empty range may lie past the columns its sliver computed (or the sliver computed
                // none), where s still holds the mask's -inf, and -inf · 0 is NaN.
                for (int r = 0; r < bq; r++) {
                    int row = r * BK;
                    int qi = b * len + i0 + r;
                    int e = keyEnd[qi] > keyStart[qi] ? Math.max(0, Math.min(bk, keyEnd[qi] - j0)) : 0;
                    FloatVector vd = FloatVector.broadcast(S, w.di[i0 + r]);
                    for (int j = 0; j < bk; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, e);
                        VectorMask<Float> all = S.indexInRange(j, bk);
                        FloatVector.fromArray(S, s, row + j, m).sub(vd).mul(FloatVector.fromArray(S, p, row + j, all))
                                .intoArray(s, row + j, all);
                    }
                }
                // dQ[i0..] += scale dS K[j0..], each query sliver only over the keys it sees.
                MicroKernels.packA(s, 0, BK, 1, bq, bk, w.ap);
                queryRows(w.ap, kv, gq.a, gq.off + i0 * gq.ld, gq.ld, w, b, i0, bq, j0, bk, scale, null);
                // dK[j0..] += scale dSᵀ Q[i0..]
                MicroKernels.packA(s, 0, 1, BK, bk, bq, w.ap);
                keyGrad(w.ap, qv, gk, w, b, i0, bq, j0, bk, scale);
            }
        }
        storeHead(gq, dq, dqo, b, h);
        storeHead(gk, dk, dko, b, h);
        storeHead(gv, dv, dvo, b, h);
    }
}
