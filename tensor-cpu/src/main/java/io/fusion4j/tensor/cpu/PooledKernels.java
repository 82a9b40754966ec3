package io.fusion4j.tensor.cpu;

import java.util.Arrays;

/**
 * Element-wise and row kernels spread over the worker pool. In a two-thread training step these ran on
 * the calling thread while the worker idled, ~18% of the main thread's time (swiglu, norms, cross-entropy,
 * AdamW; residual and gradient sums another ~2%). Each output element is computed exactly as by the
 * single-threaded kernel, so the split never changes a bit; the one cross-row reduction (RMSNorm's weight
 * gradient) sums fixed row blocks in a fixed order, independent of the thread count.
 *
 * <p>One job object per kernel, made once: a call sets its fields and runs it, allocating nothing. Not
 * re-entrant, like the backend that owns it.
 */
final class PooledKernels {
    /** Below this many floats of work a kernel stays on the calling thread: waking a worker costs more. */
    static final int MIN_SPLIT = 1 << 15;
    /** Rows per partial weight gradient in {@link #rmsNormBackward}; fixed so the sum order is too. */
    static final int NORM_ROW_BLOCK = 128;
    /** Floats per partial sum of {@link #squaredNorm}; fixed so the sum order is too. */
    static final int NORM_BLOCK = 1024;

    private final WorkerPool pool;
    private final Binary binary = new Binary();
    private final SwigluBackward swigluBackward = new SwigluBackward();
    private final AdamW adamw = new AdamW();
    private final RmsNorm rmsNorm = new RmsNorm();
    private final RmsNormBackward rmsNormBackward = new RmsNormBackward();
    private final CrossEntropy crossEntropy = new CrossEntropy();
    private final CrossEntropyBackward crossEntropyBackward = new CrossEntropyBackward();
    private final Fill fill = new Fill();
    private final SquaredNorm squaredNorm = new SquaredNorm();

    PooledKernels(WorkerPool pool) {
        this.pool = pool;
    }

    /**
     * Runs {@code job} over {@code [0, count)} in ranges of whole {@code grain}s, a few per thread (the
     * second core is often busy, so dynamic hand-out balances better than one range each).
     */
    private void split(Ranged job, int count, int grain, long floats) {
        int threads = pool.threads();
        int ranges = threads == 1 || floats < MIN_SPLIT ? 1
                : (int) Math.min(4L * threads, Math.max(1, floats / MIN_SPLIT));
        int grains = (count + grain - 1) / grain;
        job.total = count;
        job.per = Math.max(1, (grains + ranges - 1) / ranges) * grain;
        int chunks = (count + job.per - 1) / job.per;
        if (chunks <= 1) {
            job.range(0, count);
        } else {
            pool.run(chunks, job);
        }
    }

    /** {@code out = a + b} over {@code n} floats (residual streams and gradient sums). */
    void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        binary(BinaryOp.ADD, a, ao, b, bo, out, oo, n);
    }

    /** {@code out = silu(g) * u} over {@code n} floats. */
    void swiglu(float[] g, int go, float[] u, int uo, float[] out, int oo, int n) {
        binary(BinaryOp.SWIGLU, g, go, u, uo, out, oo, n);
    }

    private void binary(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        Binary j = binary;
        j.op = op;
        j.a = a;
        j.ao = ao;
        j.b = b;
        j.bo = bo;
        j.out = out;
        j.oo = oo;
        split(j, n, MicroKernels.L, n);
        j.a = j.b = j.out = null;
    }

    void swigluBackward(float[] g, int go, float[] u, int uo, float[] d, int dOff, float[] dg, int dgo, float[] du,
                        int duo, int n) {
        SwigluBackward j = swigluBackward;
        j.g = g;
        j.go = go;
        j.u = u;
        j.uo = uo;
        j.d = d;
        j.dOff = dOff;
        j.dg = dg;
        j.dgo = dgo;
        j.du = du;
        j.duo = duo;
        split(j, n, MicroKernels.L, 2L * n);
        j.g = j.u = j.d = j.dg = j.du = null;
    }

    /** {@code a[ao .. ao+n) = v} (the flat gradient buffer is zeroed once a step: 100 MB in an MoE model). */
    void fill(float[] a, int ao, float v, int n) {
        Fill j = fill;
        j.a = a;
        j.ao = ao;
        j.v = v;
        split(j, n, MicroKernels.L, n);
        j.a = null;
    }

    /**
     * Σ x² over {@code n} floats, accumulated in double over blocks of {@link #NORM_BLOCK} floats (for
     * accuracy): each block's float sum is kept and the blocks are added in order on this thread, so the result is
     * the same bits whatever the split and the thread count.
     */
    double squaredNorm(float[] x, int xo, int n) {
        SquaredNorm j = squaredNorm;
        int blocks = (n + NORM_BLOCK - 1) / NORM_BLOCK;
        if (j.blockSums.length < blocks) {
            j.blockSums = new float[blocks];
        }
        j.x = x;
        j.xo = xo;
        j.n = n;
        split(j, n, NORM_BLOCK, n);
        j.x = null;
        double total = 0;
        for (int b = 0; b < blocks; b++) {
            total += j.blockSums[b];
        }
        return total;
    }

    void adamw(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int n,
               float lr, float b1, float b2, float eps, float wd, float gradScale, float bc1, float bc2) {
        AdamW j = adamw;
        j.p = p;
        j.po = po;
        j.g = g;
        j.go = go;
        j.m = m;
        j.mo = mo;
        j.v = v;
        j.vo = vo;
        j.lr = lr;
        j.b1 = b1;
        j.b2 = b2;
        j.eps = eps;
        j.wd = wd;
        j.gradScale = gradScale;
        j.bc1 = bc1;
        j.bc2 = bc2;
        split(j, n, MicroKernels.L, 2L * n);
        j.p = j.g = j.m = j.v = null;
    }

    void rmsNorm(float[] x, int xo, float[] w, int wo, float eps, float[] out, int oo, float[] rstd, int ro,
                 int rows, int cols) {
        RmsNorm j = rmsNorm;
        j.x = x;
        j.xo = xo;
        j.w = w;
        j.wo = wo;
        j.eps = eps;
        j.out = out;
        j.oo = oo;
        j.rstd = rstd;
        j.ro = ro;
        j.cols = cols;
        split(j, rows, 1, (long) rows * cols);
        j.x = j.w = j.out = j.rstd = null;
    }

    /**
     * Each block of {@link #NORM_ROW_BLOCK} rows writes its own partial weight gradient; the partials are then
     * added into {@code dw} in block order.
     */
    void rmsNormBackward(float[] x, int xo, float[] w, int wo, float[] rstd, int ro, float[] dy, int dyo,
                         float[] dx, int dxo, float[] dw, int dwo, int rows, int cols) {
        int blocks = (rows + NORM_ROW_BLOCK - 1) / NORM_ROW_BLOCK;
        RmsNormBackward j = rmsNormBackward;
        if (j.partials.length < (long) blocks * cols) {
            j.partials = new float[Math.toIntExact((long) blocks * cols)];
        }
        Arrays.fill(j.partials, 0, blocks * cols, 0f);
        j.x = x;
        j.xo = xo;
        j.w = w;
        j.wo = wo;
        j.rstd = rstd;
        j.ro = ro;
        j.dy = dy;
        j.dyo = dyo;
        j.dx = dx;
        j.dxo = dxo;
        j.cols = cols;
        split(j, rows, NORM_ROW_BLOCK, 2L * rows * cols);
        for (int b = 0; b < blocks; b++) {
            Elementwise.add(dw, dwo, j.partials, b * cols, dw, dwo, cols);
        }
        j.x = j.w = j.rstd = j.dy = j.dx = null;
    }

    void crossEntropy(float[] x, int xo, int[] t, int to, float z, float[] loss, int lo, float[] lse, int so,
                      int rows, int cols) {
        CrossEntropy j = crossEntropy;
        j.x = x;
        j.xo = xo;
        j.t = t;
        j.to = to;
        j.z = z;
        j.loss = loss;
        j.lo = lo;
        j.lse = lse;
        j.so = so;
        j.cols = cols;
        split(j, rows, 1, (long) rows * cols);
        j.x = j.loss = j.lse = null;
        j.t = null;
    }

    void crossEntropyBackward(float[] x, int xo, int[] t, int to, float[] lse, int so, float z, float scale,
                              float[] dx, int dxo, int rows, int cols) {
        CrossEntropyBackward j = crossEntropyBackward;
        j.x = x;
        j.xo = xo;
        j.t = t;
        j.to = to;
        j.lse = lse;
        j.so = so;
        j.z = z;
        j.scale = scale;
        j.dx = dx;
        j.dxo = dxo;
        j.cols = cols;
        split(j, rows, 1, (long) rows * cols);
        j.x = j.lse = j.dx = null;
        j.t = null;
    }

    /** A kernel over index range {@code [0, total)}; chunk {@code c} is {@code [c*per, (c+1)*per)}. */
    private abstract static class Ranged implements CpuWorkers.Chunk {
        int total;
        int per;

        @Override
        public final void run(int chunk, int worker) {
            int start = chunk * per;
            range(start, Math.min(total, start + per));
        }

        abstract void range(int start, int end);
    }

    private enum BinaryOp { ADD, SWIGLU }

    /** An element-wise kernel of two inputs. */
    private static final class Binary extends Ranged {
        BinaryOp op;
        float[] a, b, out;
        int ao, bo, oo;

        @Override
        void range(int s, int e) {
            switch (op) {
                case ADD -> Elementwise.add(a, ao + s, b, bo + s, out, oo + s, e - s);
                case SWIGLU -> Elementwise.swiglu(a, ao + s, b, bo + s, out, oo + s, e - s);
            }
        }
    }

    private static final class SwigluBackward extends Ranged {
        float[] g, u, d, dg, du;
        int go, uo, dOff, dgo, duo;

        @Override
        void range(int s, int e) {
            Elementwise.swigluBackward(g, go + s, u, uo + s, d, dOff + s, dg, dgo + s, du, duo + s, e - s);
        }
    }

    private static final class AdamW extends Ranged {
        float[] p, g, m, v;
        int po, go, mo, vo;
        float lr, b1, b2, eps, wd, gradScale, bc1, bc2;

        @Override
        void range(int s, int e) {
            Elementwise.adamw(p, po + s, g, go + s, m, mo + s, v, vo + s, e - s, lr, b1, b2, eps, wd, gradScale, bc1, bc2);
        }
    }

    private static final class Fill extends Ranged {
        float[] a;
        int ao;
        float v;

        @Override
        void range(int s, int e) {
            Elementwise.fill(a, ao + s, v, e - s);
        }
    }

    /** Ranges start on block boundaries ({@link #split}'s grain), so block {@code b} is {@code [b·NORM_BLOCK, …)}. */
    private static final class SquaredNorm extends Ranged {
        float[] x;
        float[] blockSums = new float[0];
        int xo, n;

        @Override
        void range(int s, int e) {
            for (int b = s; b < e; b += NORM_BLOCK) {
                int len = Math.min(NORM_BLOCK, n - b);
                blockSums[b / NORM_BLOCK] = Elementwise.dot(x, xo + b, x, xo + b, len);
            }
        }
    }

    private static final class RmsNorm extends Ranged {
        float[] x, w, out, rstd;
        int xo, wo, oo, ro, cols;
        float eps;

        @Override
        void range(int s, int e) {
            RowKernels.rmsNorm(x, xo + s * cols, w, wo, eps, out, oo + s * cols, rstd, ro + s, e - s, cols);
        }
    }

    private static final class RmsNormBackward extends Ranged {
        float[] x, w, rstd, dy, dx;
        float[] partials = new float[0];
        int xo, wo, ro, dyo, dxo, cols;

        @Override
        void range(int s, int e) {
            for (int r = s; r < e; r += NORM_ROW_BLOCK) {
                int end = Math.min(e, r + NORM_ROW_BLOCK);
                RowKernels.rmsNormBackward(x, xo + r * cols, w, wo, rstd, ro + r, dy, dyo + r * cols, dx,
                        dxo + r * cols, partials, (r / NORM_ROW_BLOCK) * cols, end - r, cols);
            }
        }
    }

    private static final class CrossEntropy extends Ranged {
        float[] x, loss, lse;
        int[] t;
        int xo, to, lo, so, cols;
        float z;

        @Override
        void range(int s, int e) {
            RowKernels.crossEntropy(x, xo + s * cols, t, to + s, z, loss, lo + s, lse, so + s, e - s, cols);
        }
    }

    private static final class CrossEntropyBackward extends Ranged {
        float[] x, lse, dx;
        int[] t;
        int xo, to, so, dxo, cols;
        float z, scale;

        @Override
        void range(int s, int e) {
            RowKernels.crossEntropyBackward(x, xo + s * cols, t, to + s, lse, so + s, z, scale, dx, dxo + s * cols,
                    e - s, cols);
        }
    }
}
