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
final class FlashAttention implements WorkerPool.Body {
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

    private static final class Scratch {
        float[] qh = new float[0], kh = new float[0], vh = new float[0], doh = new float[0];
        float[] kt = new float[0], vt = new float[0];
        float[] gq = new float[0], gk = new float[0], gv = new float[0];
        float[] o = new float[0];
        float[] rowMax = new float[0], rowSum = new float[0], di = new float[0];
        final float[] s = new float[BQ * BK];
        final float[] p = new float[BQ * BK];
        float[] ap = new float[0];
        final float[] acc = new float[MicroKernels.ACC_SIZE];

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
            if (rowMax.length < t) {
                rowMax = new float[t];
                rowSum = new float[t];
                di = new float[t];
            }
            int apNeed = Math.max(BQ, BK) * Math.max(dp, Math.max(BQ, BK));
            if (ap.length < apNeed) {
                ap = new float[apNeed];
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

    /** Copies head {@code h} of row {@code b} into {@code [T, dp]} rows (zero padded) and, if {@code trans}, its transpose {@code [dim, tp]}. */
    private void loadHead(float[] src, int so, int b, int h, int dp, float[] rows, float[] trans, int tp) {
        for (int t = 0; t < len; t++) {
            int s = so + ((b * len + t) * heads + h) * dim;
            System.arraycopy(src, s, rows, t * dp, dim);
            for (int d = dim; d < dp; d++) {
                rows[t * dp + d] = 0f;
            }
            if (trans != null) {
                for (int d = 0; d < dim; d++) {
                    trans[d * tp + t] = src[s + d];
                }
            }
        }
        if (trans != null) {
            for (int d = 0; d < dim; d++) {
                java.util.Arrays.fill(trans, d * tp + len, (d + 1) * tp, 0f);
            }
        }
    }

    private void storeHead(float[] rows, int dp, float[] dst, int dOff, int b, int h) {
        for (int t = 0; t < len; t++) {
            System.arraycopy(rows, t * dp, dst, dOff + ((b * len + t) * heads + h) * dim, dim);
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
        loadHead(q, qo, b, h, dp, w.qh, null, 0);
        loadHead(k, ko, b, h, dp, w.kh, w.kt, tp);
        loadHead(v, vo, b, h, dp, w.vh, null, 0);
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
                for (int j0 = kLo; j0 < kHi; j0 += BK) {
                    int bk = Math.min(BK, kHi - j0);
                    // Q is repacked per tile because the P pack below reuses the buffer; it costs bq*dim
                    // copies against bq*bk*dim FMAs.
                    MicroKernels.packA(w.qh, i0 * dp, dp, 1, bq, dim, w.ap);
                    MicroKernels.tile(w.ap, w.kt, j0, tp, s, 0, BK, bq, bk, dim, scale, 0f, w.acc);
                    if (!maskTile(s, b, i0, bq, j0, bk)) {
                        continue;
                    }
                    onlineSoftmax(s, bq, bk, w, dp);
                    MicroKernels.packA(s, 0, BK, 1, bq, bk, w.ap);
                    MicroKernels.tile(w.ap, w.vh, j0 * dp, dp, w.o, 0, dp, bq, dim, bk, 1f, 1f, w.acc);
                }
            }
            for (int r = 0; r < bq; r++) {
                int t = i0 + r;
                int dst = oo + ((b * len + t) * heads + h) * dim;
                float l = w.rowSum[r];
                if (l > 0f) {
                    float inv = 1f / l;
                    for (int d = 0; d < dim; d++) {
                        out[dst + d] = w.o[r * dp + d] * inv;
                    }
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
            FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < bk; j += L) {
                VectorMask<Float> m = S.indexInRange(j, bk);
                mx = mx.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, s, row + j, m), m);
            }
            float tileMax = mx.reduceLanes(VectorOperators.MAX);
            if (tileMax == Float.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(s, row, row + bk, 0f);
                continue;
            }
            float old = w.rowMax[r];
            float nm = Math.max(old, tileMax);
            FloatVector vm = FloatVector.broadcast(S, nm);
            FloatVector sum = FloatVector.zero(S);
            for (int j = 0; j < bk; j += L) {
                VectorMask<Float> m = S.indexInRange(j, bk);
                FloatVector e = FloatVector.fromArray(S, s, row + j, m).sub(vm).lanewise(VectorOperators.EXP);
                e.intoArray(s, row + j, m);
                sum = sum.add(e.blend(0f, m.not()));
            }
            float f = old == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(old - nm);
            w.rowSum[r] = w.rowSum[r] * f + sum.reduceLanes(VectorOperators.ADD);
            w.rowMax[r] = nm;
            if (f != 1f) {
                Elementwise.scale(w.o, r * dp, f, w.o, r * dp, dp);
            }
        }
    }

    private void backwardHead(int b, int h, int dp, Scratch w) {
        int tp = len + BK + L;
        loadHead(q, qo, b, h, dp, w.qh, null, 0);
        loadHead(k, ko, b, h, dp, w.kh, w.kt, tp);
        loadHead(v, vo, b, h, dp, w.vh, w.vt, tp);
        loadHead(dOut, dOo, b, h, dp, w.doh, null, 0);
        int lseBase = lo + (b * heads + h) * len;
        for (int t = 0; t < len; t++) {
            int o = oo + ((b * len + t) * heads + h) * dim;
            w.di[t] = Elementwise.dot(dOut, dOo + ((b * len + t) * heads + h) * dim, out, o, dim);
        }
        java.util.Arrays.fill(w.gq, 0, len * dp, 0f);
        java.util.Arrays.fill(w.gk, 0, len * dp, 0f);
        java.util.Arrays.fill(w.gv, 0, len * dp, 0f);
        float[] s = w.s;
        float[] p = w.p;
        for (int i0 = 0; i0 < len; i0 += BQ) {
            int bq = Math.min(BQ, len - i0);
            int kLo = blockKeyLo(b, i0, bq);
            int kHi = blockKeyHi(b, i0, bq);
            for (int j0 = kLo; j0 < kHi; j0 += BK) {
                int bk = Math.min(BK, kHi - j0);
                MicroKernels.packA(w.qh, i0 * dp, dp, 1, bq, dim, w.ap);
                MicroKernels.tile(w.ap, w.kt, j0, tp, s, 0, BK, bq, bk, dim, scale, 0f, w.acc);
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
                    for (int j = 0; j < bk; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, bk);
                        FloatVector.fromArray(S, s, row + j, m).sub(vl).lanewise(VectorOperators.EXP).intoArray(p, row + j, m);
                    }
                }
                // dV[j0..] += Pᵀ dO[i0..]
                MicroKernels.packA(p, 0, 1, BK, bk, bq, w.ap);
                MicroKernels.tile(w.ap, w.doh, i0 * dp, dp, w.gv, j0 * dp, dp, bk, dim, bq, 1f, 1f, w.acc);
                // dP = dO[i0..] Vᵀ[:, j0..]  (into s)
                MicroKernels.packA(w.doh, i0 * dp, dp, 1, bq, dim, w.ap);
                MicroKernels.tile(w.ap, w.vt, j0, tp, s, 0, BK, bq, bk, dim, 1f, 0f, w.acc);
                // dS = P * (dP - D_i)  (into s)
                for (int r = 0; r < bq; r++) {
                    int row = r * BK;
                    FloatVector vd = FloatVector.broadcast(S, w.di[i0 + r]);
                    for (int j = 0; j < bk; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, bk);
                        FloatVector.fromArray(S, s, row + j, m).sub(vd).mul(FloatVector.fromArray(S, p, row + j, m))
                                .intoArray(s, row + j, m);
                    }
                }
                // dQ[i0..] += scale dS K[j0..]
                MicroKernels.packA(s, 0, BK, 1, bq, bk, w.ap);
                MicroKernels.tile(w.ap, w.kh, j0 * dp, dp, w.gq, i0 * dp, dp, bq, dim, bk, scale, 1f, w.acc);
                // dK[j0..] += scale dSᵀ Q[i0..]
                MicroKernels.packA(s, 0, 1, BK, bk, bq, w.ap);
                MicroKernels.tile(w.ap, w.qh, i0 * dp, dp, w.gk, j0 * dp, dp, bk, dim, bq, scale, 1f, w.acc);
            }
        }
        storeHead(w.gq, dp, dq, dqo, b, h);
        storeHead(w.gk, dp, dk, dko, b, h);
        storeHead(w.gv, dp, dv, dvo, b, h);
    }
}
