package io.fusion4j.tensor.cpu;

import static io.fusion4j.api.backend.KernelChecks.bad;
import static io.fusion4j.api.backend.KernelChecks.f32;
import static io.fusion4j.api.backend.KernelChecks.i32;

import io.fusion4j.api.backend.AdamWStep;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.ConvGeometry;
import io.fusion4j.api.backend.KernelChecks;
import io.fusion4j.api.backend.KernelFlops;
import io.fusion4j.api.backend.Reduction;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.FlopCounter;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

/**
 * The CPU backend: heap-array storage, Vector API kernels, a persistent worker pool for GEMM,
 * attention and the heavier element-wise and row kernels. An instance is used from one thread at a time (kernels themselves fan out to the pool).
 */
public final class CpuBackend implements Backend {
    private final String name;
    private final WorkerPool pool;
    private final HostMatmul gemm;
    private final PooledKernels pooled;
    private final FlashAttention attention;
    private final FlopCounter flops = new FlopCounter();
    private final int[] philoxBlock = new int[4];
    private long[] topKKeys = new long[0];
    private RopeTable ropeTable;
    private boolean closed;
    private io.fusion4j.api.backend.PeakFlops peak;

    CpuBackend(int threads) {
        this("cpu", threads, Gemm::new);
    }

    private CpuBackend(String name, int threads, java.util.function.Function<? super WorkerPool, ? extends HostMatmul> matmul) {
        this.name = name;
        this.pool = new WorkerPool(threads);
        try {
            this.gemm = java.util.Objects.requireNonNull(matmul.apply(pool), "matmul");
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
        this.attention = new FlashAttention(pool);
        this.pooled = new PooledKernels(pool);
    }

    /**
     * A CPU backend named {@code name} whose matrix products are {@code matmul}'s, built on the backend's own worker
     * pool; every other kernel is this backend's. How a plugin replaces only the GEMMs (the {@code onednn} backend).
     * If {@code matmul} throws, the pool is closed and the exception propagates.
     */
    public static CpuBackend withMatmul(String name, int threads,
                                        java.util.function.Function<? super CpuWorkers, ? extends HostMatmul> matmul) {
        return new CpuBackend(name, threads, matmul);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String deviceDescription() {
        String d = Runtime.getRuntime().availableProcessors() + " processors, " + MicroKernels.L * 32
                + "-bit vectors (" + MicroKernels.L + " floats), " + pool.threads() + " worker threads";
        return gemm instanceof Gemm ? d : d + "; matrix products: " + gemm.description();
    }

    @Override
    public io.fusion4j.api.backend.Precision precision() {
        return gemm.precision();
    }

    @Override
    public java.util.Optional<io.fusion4j.api.backend.PeakFlops> matmulPeak() {
        return fp32Peak().flatMap(gemm::peak);
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public FlopCounter flops() {
        return flops;
    }

    /** Measured once, on this backend's pool (about half a second): see {@link FmaPeak}. */
    @Override
    public java.util.Optional<io.fusion4j.api.backend.PeakFlops> fp32Peak() {
        if (peak == null) {
            peak = FmaPeak.measure(pool);
        }
        return java.util.Optional.of(peak);
    }

    private static CpuStorage st(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s)) {
            throw new IllegalArgumentException("tensor " + t + " belongs to backend '" + t.storage().backendName()
                    + "', not 'cpu'; copy it through the host first");
        }
        return s;
    }

    private static float[] f(Tensor t) {
        return st(t).f;
    }

    private static int[] ints(Tensor t) {
        return st(t).i;
    }

    private static int off(Tensor t) {
        return (int) t.offset();
    }

    private static int n(Tensor t) {
        return (int) t.numel();
    }

    private static int rows(Tensor t) {
        return (int) t.shape().rows();
    }

    private static int cols(Tensor t) {
        return (int) t.shape().cols();
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Tensor allocate(DType dtype, Shape shape) {
        return new Tensor(CpuStorage.allocate(dtype, shape.numel()), 0, shape, false, null, 0);
    }

    @Override
    public StepArena newArena() {
        return new CpuArena();
    }

    @Override
    public void copyFromHost(float[] src, Tensor dst) {
        KernelChecks.hostFloats("copyFromHost", "dst", dst, src.length, "src");
        CpuStorage s = st(dst);
        switch (dst.dtype()) {
            case F32 -> System.arraycopy(src, 0, s.f, off(dst), src.length);
            case BF16 -> {
                for (int i = 0; i < src.length; i++) {
                    s.h[off(dst) + i] = DType.toBf16(src[i]);
                }
            }
        }
        flops.add(KernelFlops.copyFromHost());
    }

    @Override
    public void copyFromHost(int[] src, Tensor dst) {
        KernelChecks.hostInts("copyFromHost", "dst", dst, src.length, "src");
        System.arraycopy(src, 0, ints(dst), off(dst), src.length);
        flops.add(KernelFlops.copyFromHost());
    }

    @Override
    public void copyToHost(Tensor src, float[] dst) {
        KernelChecks.hostFloats("copyToHost", "src", src, dst.length, "dst");
        CpuStorage s = st(src);
        switch (src.dtype()) {
            case F32 -> System.arraycopy(s.f, off(src), dst, 0, dst.length);
            case BF16 -> {
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = DType.fromBf16(s.h[off(src) + i]);
                }
            }
        }
        flops.add(KernelFlops.copyToHost());
    }

    @Override
    public void copyToHost(Tensor src, int[] dst) {
        KernelChecks.hostInts("copyToHost", "src", src, dst.length, "dst");
        System.arraycopy(ints(src), off(src), dst, 0, dst.length);
        flops.add(KernelFlops.copyToHost());
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.copy(src, dst);
        CpuStorage a = st(src);
        CpuStorage b = st(dst);
        int n = n(src);
        int so = off(src);
        int dOff = off(dst);
        DType from = src.dtype();
        DType to = dst.dtype();
        if (from == to) {
            switch (from) {
                case F32 -> System.arraycopy(a.f, so, b.f, dOff, n);
                case I32 -> System.arraycopy(a.i, so, b.i, dOff, n);
                case BF16 -> System.arraycopy(a.h, so, b.h, dOff, n);
            }
        } else if (from == DType.F32 && to == DType.BF16) {
            for (int i = 0; i < n; i++) {
                b.h[dOff + i] = DType.toBf16(a.f[so + i]);
            }
        } else if (from == DType.BF16 && to == DType.F32) {
            for (int i = 0; i < n; i++) {
                b.f[dOff + i] = DType.fromBf16(a.h[so + i]);
            }
        } else {
            throw bad("copy", "dst", "the dtype of 'src' (" + from + ") or a float type when src is float", to);
        }
        flops.add(KernelFlops.copy());
    }

    @Override
    public void fill(Tensor t, float value) {
        KernelChecks.plainView("fill", "t", t);
        CpuStorage s = st(t);
        switch (t.dtype()) {
            case F32 -> pooled.fill(s.f, off(t), value, n(t));
            case BF16 -> java.util.Arrays.fill(s.h, off(t), off(t) + n(t), DType.toBf16(value));
            case I32 -> throw bad("fill", "t", "a float tensor", "I32");
        }
        flops.add(KernelFlops.fill());
    }

    // ---------------------------------------------------------------- GEMM

    @Override
    public void gemm(Tensor a, Tensor b, Tensor c, float alpha, float beta) {
        KernelChecks.GemmDims d = KernelChecks.gemm(a, b, c);
        int m = d.m();
        int k = d.k();
        int n2 = d.n();
        // Storage strides: a plain [M,K] view has A(r,p) at r*K + p; a transposed view of [K,M] at p*M + r.
        int rsA = a.isTransposed() ? 1 : k;
        int csA = a.isTransposed() ? m : 1;
        int rsB = b.isTransposed() ? 1 : n2;
        int csB = b.isTransposed() ? k : 1;
        matmul(f(a), off(a), rsA, csA, (long) m * k,
                f(b), off(b), rsB, csB, (long) k * n2,
                f(c), off(c), n2, (long) m * n2,
                d.batches(), m, n2, k, alpha, beta);
        flops.add(KernelFlops.gemm(d.batches(), m, n2, k));
    }

    /**
     * Every product of the backend goes through here. An empty one (no batch, row or column) does nothing and one of
     * depth 0 sets C to beta·C (0 where beta is 0, whatever C held), so a {@link HostMatmul} only sees non-empty
     * products.
     */
    private void matmul(float[] a, int aOff, int rsA, int csA, long aBatch,
                        float[] b, int bOff, int rsB, int csB, long bBatch,
                        float[] c, int cOff, int ldc, long cBatch,
                        int batches, int m, int n, int k, float alpha, float beta) {
        if (batches == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            for (int bi = 0; bi < batches; bi++) {
                for (int r = 0; r < m; r++) {
                    int row = Math.toIntExact(cOff + bi * cBatch + (long) r * ldc);
                    for (int j = 0; j < n; j++) {
                        c[row + j] = beta == 0f ? 0f : beta * c[row + j];
                    }
                }
            }
            return;
        }
        gemm.run(a, aOff, rsA, csA, aBatch, b, bOff, rsB, csB, bBatch, c, cOff, ldc, cBatch, batches, m, n, k, alpha, beta);
    }

    private int[] groupOffsets(String kernel, Tensor offsets, int groups, int rows) {
        int[] o = ints(offsets);
        KernelChecks.groupOffsets(kernel, o, off(offsets), groups, rows);
        return o;
    }

    @Override
    public void groupedGemm(Tensor a, Tensor b, Tensor offsets, Tensor c, float beta) {
        KernelChecks.GroupedDims d = KernelChecks.groupedGemm(a, b, offsets, c);
        int groups = d.groups();
        int k = d.k();
        int n2 = d.n();
        int[] o = groupOffsets("groupedGemm", offsets, groups, rows(a));
        int ob = off(offsets);
        int rsB = b.isTransposed() ? 1 : n2;
        int csB = b.isTransposed() ? k : 1;
        int same = equalGroups(o, ob, groups);
        if (same > 0) {
            // Equal groups from row 0 (expert choice): one batched call, so the pool splits all experts' tiles at once.
            matmul(f(a), off(a), k, 1, (long) same * k,
                    f(b), off(b), rsB, csB, (long) k * n2,
                    f(c), off(c), n2, (long) same * n2,
                    groups, same, n2, k, 1f, beta);
            flops.add(KernelFlops.groupedGemm(o[ob + groups], k, n2));
            return;
        }
        for (int g = 0; g < groups; g++) {
            int r0 = o[ob + g];
            int rows = o[ob + g + 1] - r0;
            if (rows == 0) {
                continue;
            }
            matmul(f(a), off(a) + r0 * k, k, 1, 0,
                    f(b), off(b) + g * k * n2, rsB, csB, 0,
                    f(c), off(c) + r0 * n2, n2, 0,
                    1, rows, n2, k, 1f, beta);
        }
        flops.add(KernelFlops.groupedGemm(o[ob + groups], k, n2));
    }

    @Override
    public void groupedGemmWeightGrad(Tensor a, Tensor dy, Tensor offsets, Tensor db, float beta) {
        KernelChecks.GroupedDims d = KernelChecks.groupedGemmWeightGrad(a, dy, offsets, db);
        int groups = d.groups();
        int k = d.k();
        int n2 = d.n();
        int[] o = groupOffsets("groupedGemmWeightGrad", offsets, groups, rows(a));
        int ob = off(offsets);
        int same = equalGroups(o, ob, groups);
        if (same > 0) {
            matmul(f(a), off(a), 1, k, (long) same * k,
                    f(dy), off(dy), n2, 1, (long) same * n2,
                    f(db), off(db), n2, (long) k * n2,
                    groups, k, n2, same, 1f, beta);
            flops.add(KernelFlops.groupedGemm(o[ob + groups], k, n2));
            return;
        }
        for (int g = 0; g < groups; g++) {
            int r0 = o[ob + g];
            int rows = o[ob + g + 1] - r0;
            int dbo = off(db) + g * k * n2;
            if (rows == 0) {
                if (beta == 0f) { // as in gemm, beta 0 ignores the old contents: 0 · NaN would stay NaN
                    java.util.Arrays.fill(f(db), dbo, dbo + k * n2, 0f);
                } else if (beta != 1f) {
                    Elementwise.scale(f(db), dbo, beta, f(db), dbo, k * n2);
                }
                continue;
            }
            // db[g] (K×N) = a_gᵀ (K×rows) · dy_g (rows×N): A(r,p) = a[(r0+p)*K + r].
            matmul(f(a), off(a) + r0 * k, 1, k, 0,
                    f(dy), off(dy) + r0 * n2, n2, 1, 0,
                    f(db), dbo, n2, 0,
                    1, k, n2, rows, 1f, beta);
        }
        flops.add(KernelFlops.groupedGemm(o[ob + groups], k, n2));
    }

    /** The rows per group when every group holds the same number of rows, from row 0 on; else 0. */
    private static int equalGroups(int[] o, int ob, int groups) {
        int rows = o[ob + 1] - o[ob];
        if (rows == 0 || o[ob] != 0) {
            return 0;
        }
        for (int g = 1; g <= groups; g++) {
            if (o[ob + g] != g * rows) {
                return 0;
            }
        }
        return rows;
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        if (KernelChecks.binaryBroadcast("add", a, b, out)) {
            int c = cols(a);
            for (int r = 0; r < rows(a); r++) {
                Elementwise.add(f(a), off(a) + r * c, f(b), off(b), f(out), off(out) + r * c, c);
            }
        } else {
            pooled.add(f(a), off(a), f(b), off(b), f(out), off(out), n(a));
        }
        flops.add(KernelFlops.add(a));
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        if (KernelChecks.binaryBroadcast("mul", a, b, out)) {
            int c = cols(a);
            for (int r = 0; r < rows(a); r++) {
                Elementwise.mul(f(a), off(a) + r * c, f(b), off(b), f(out), off(out) + r * c, c);
            }
        } else {
            Elementwise.mul(f(a), off(a), f(b), off(b), f(out), off(out), n(a));
        }
        flops.add(KernelFlops.mul(a));
    }

    @Override
    public void axpby(float alpha, Tensor a, float beta, Tensor b, Tensor out) {
        KernelChecks.axpby(a, b, out);
        Elementwise.axpby(alpha, f(a), off(a), beta, f(b), off(b), f(out), off(out), n(a));
        flops.add(KernelFlops.axpby(a));
    }

    @Override
    public void scale(Tensor a, float s, Tensor out) {
        KernelChecks.f32("scale", "a", a);
        KernelChecks.likeRef("scale", "out", out, "a", a);
        Elementwise.scale(f(a), off(a), s, f(out), off(out), n(a));
        flops.add(KernelFlops.scale(a));
    }

    @Override
    public void mulRows(Tensor x, Tensor s, Tensor out) {
        KernelChecks.mulRows(x, s, out);
        int c = cols(x);
        float[] sv = f(s);
        for (int r = 0; r < rows(x); r++) {
            Elementwise.scale(f(x), off(x) + r * c, sv[off(s) + r], f(out), off(out) + r * c, c);
        }
        flops.add(KernelFlops.mulRows(x));
    }

    @Override
    public void rowDot(Tensor a, Tensor b, Tensor out) {
        KernelChecks.rowDot(a, b, out);
        int c = cols(a);
        for (int r = 0; r < rows(a); r++) {
            f(out)[off(out) + r] = Elementwise.dot(f(a), off(a) + r * c, f(b), off(b) + r * c, c);
        }
        flops.add(KernelFlops.rowDot(a));
    }

    @Override
    public void silu(Tensor x, Tensor out) {
        KernelChecks.unary("silu", x, out);
        Elementwise.silu(f(x), off(x), f(out), off(out), n(x));
        flops.add(KernelFlops.silu(x));
    }

    @Override
    public void siluBackward(Tensor x, Tensor dy, Tensor dx) {
        KernelChecks.unaryBackward("siluBackward", "x", x, dy, dx);
        Elementwise.siluBackward(f(x), off(x), f(dy), off(dy), f(dx), off(dx), n(x));
        flops.add(KernelFlops.siluBackward(x));
    }

    @Override
    public void gelu(Tensor x, Tensor out) {
        KernelChecks.unary("gelu", x, out);
        Elementwise.gelu(f(x), off(x), f(out), off(out), n(x));
        flops.add(KernelFlops.gelu(x));
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        KernelChecks.unaryBackward("geluBackward", "x", x, dy, dx);
        Elementwise.geluBackward(f(x), off(x), f(dy), off(dy), f(dx), off(dx), n(x));
        flops.add(KernelFlops.geluBackward(x));
    }

    @Override
    public void sigmoid(Tensor x, Tensor out) {
        KernelChecks.unary("sigmoid", x, out);
        Elementwise.sigmoid(f(x), off(x), f(out), off(out), n(x));
        flops.add(KernelFlops.sigmoid(x));
    }

    @Override
    public void sigmoidBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.unaryBackward("sigmoidBackward", "y", y, dy, dx);
        Elementwise.sigmoidBackward(f(y), off(y), f(dy), off(dy), f(dx), off(dx), n(y));
        flops.add(KernelFlops.sigmoidBackward(y));
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor out) {
        KernelChecks.swiglu(gate, up, out);
        pooled.swiglu(f(gate), off(gate), f(up), off(up), f(out), off(out), n(gate));
        flops.add(KernelFlops.swiglu(gate));
    }

    @Override
    public void swigluBackward(Tensor gate, Tensor up, Tensor dOut, Tensor dGate, Tensor dUp) {
        KernelChecks.swigluBackward(gate, up, dOut, dGate, dUp);
        pooled.swigluBackward(f(gate), off(gate), f(up), off(up), f(dOut), off(dOut), f(dGate), off(dGate),
                f(dUp), off(dUp), n(gate));
        flops.add(KernelFlops.swigluBackward(gate));
    }

    // ---------------------------------------------------------------- reductions and norms

    @Override
    public void reduceLastDim(Reduction op, Tensor x, Tensor out) {
        KernelChecks.reduceLastDim(x, out);
        RowKernels.reduce(op, f(x), off(x), f(out), off(out), rows(x), cols(x));
        flops.add(KernelFlops.reduceLastDim(op, x));
    }

    @Override
    public double squaredNorm(Tensor x) {
        f32("squaredNorm", "x", x);
        flops.add(KernelFlops.squaredNorm(x));
        return pooled.squaredNorm(f(x), off(x), n(x));
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
        KernelChecks.rmsNorm(x, weight, out, rstd);
        pooled.rmsNorm(f(x), off(x), f(weight), off(weight), eps, f(out), off(out), f(rstd), off(rstd), rows(x), cols(x));
        flops.add(KernelFlops.rmsNorm(x));
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight) {
        KernelChecks.rmsNormBackward(x, weight, rstd, dy, dx, dWeight);
        pooled.rmsNormBackward(f(x), off(x), f(weight), off(weight), f(rstd), off(rstd), f(dy), off(dy),
                f(dx), off(dx), f(dWeight), off(dWeight), rows(x), cols(x));
        flops.add(KernelFlops.rmsNormBackward(x));
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
        KernelChecks.layerNorm(x, weight, bias, out, mean, rstd);
        RowKernels.layerNorm(f(x), off(x), f(weight), off(weight), f(bias), off(bias), eps, f(out), off(out),
                f(mean), off(mean), f(rstd), off(rstd), rows(x), cols(x));
        flops.add(KernelFlops.layerNorm(x));
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy,
                                  Tensor dx, Tensor dWeight, Tensor dBias) {
        KernelChecks.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
        RowKernels.layerNormBackward(f(x), off(x), f(weight), off(weight), f(mean), off(mean), f(rstd), off(rstd),
                f(dy), off(dy), f(dx), off(dx), f(dWeight), off(dWeight), f(dBias), off(dBias), rows(x), cols(x));
        flops.add(KernelFlops.layerNormBackward(x));
    }

    @Override
    public void softmax(Tensor x, Tensor out) {
        KernelChecks.unary("softmax", x, out);
        RowKernels.softmax(f(x), off(x), f(out), off(out), rows(x), cols(x));
        flops.add(KernelFlops.softmax(x));
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.unaryBackward("softmaxBackward", "y", y, dy, dx);
        RowKernels.softmaxBackward(f(y), off(y), f(dy), off(dy), f(dx), off(dx), rows(y), cols(y));
        flops.add(KernelFlops.softmaxBackward(y));
    }

    // ---------------------------------------------------------------- positions and attention

    /** The cos/sin table for this call's theta and head dim, covering every position in {@code positions}. */
    private RopeTable ropeTable(Tensor positions, float theta, int dim) {
        if (ropeTable == null || !ropeTable.matches(theta, dim)) {
            ropeTable = new RopeTable(theta, dim);
        }
        int[] p = ints(positions);
        int max = 0;
        for (int i = 0; i < positions.numel(); i++) {
            int v = p[off(positions) + i];
            if (v < 0) {
                throw KernelChecks.bad("rope", "positions", "non-negative", v + " at index " + i);
            }
            max = Math.max(max, v);
        }
        ropeTable.ensure(max);
        return ropeTable;
    }

    @Override
    public void rope(Tensor x, Tensor positions, float theta, Tensor out) {
        KernelChecks.rope("rope", "x", x, positions, theta, out, "out");
        int dim = (int) x.dim(3);
        RopeTable table = ropeTable(positions, theta, dim);
        IndexKernels.rope(f(x), off(x), ints(positions), off(positions), f(out), off(out),
                (int) (x.dim(0) * x.dim(1)), (int) x.dim(2), dim, table.cos(), table.sin(), 1f);
        flops.add(KernelFlops.rope(x));
    }

    @Override
    public void ropeBackward(Tensor dy, Tensor positions, float theta, Tensor dx) {
        KernelChecks.rope("ropeBackward", "dy", dy, positions, theta, dx, "dx");
        int dim = (int) dy.dim(3);
        RopeTable table = ropeTable(positions, theta, dim);
        IndexKernels.rope(f(dy), off(dy), ints(positions), off(positions), f(dx), off(dx),
                (int) (dy.dim(0) * dy.dim(1)), (int) dy.dim(2), dim, table.cos(), table.sin(), -1f);
        flops.add(KernelFlops.ropeBackward(dy));
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
        KernelChecks.AttentionDims dims = KernelChecks.attention(q, k, v, mask, out, lse);
        int b = dims.batch();
        int t = dims.length();
        int h = dims.heads();
        int d = dims.dim();
        attention.forward(f(q), off(q), f(k), off(k), f(v), off(v), f(out), off(out), f(lse), off(lse),
                b, t, h, d, mask, scale);
        flops.add(KernelFlops.attention(mask, h, d));
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dOut,
                                  AttentionMask mask, float scale, Tensor dq, Tensor dk, Tensor dv) {
        KernelChecks.AttentionDims dims = KernelChecks.attentionBackward(q, k, v, out, lse, dOut, mask, dq, dk, dv);
        int b = dims.batch();
        int t = dims.length();
        int h = dims.heads();
        int d = dims.dim();
        attention.backward(f(q), off(q), f(k), off(k), f(v), off(v), f(out), off(out), f(lse), off(lse),
                f(dOut), off(dOut), f(dq), off(dq), f(dk), off(dk), f(dv), off(dv), b, t, h, d, mask, scale);
        flops.add(KernelFlops.attentionBackward(mask, h, d));
    }

    // ---------------------------------------------------------------- losses

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, float zLoss, Tensor losses, Tensor lse) {
        KernelChecks.crossEntropy(logits, targets, losses, lse);
        checkTargets("crossEntropy", targets, cols(logits));
        pooled.crossEntropy(f(logits), off(logits), ints(targets), off(targets), zLoss, f(losses), off(losses),
                f(lse), off(lse), rows(logits), cols(logits));
        flops.add(KernelFlops.crossEntropy(logits));
    }

    private static void checkTargets(String kernel, Tensor targets, int classes) {
        KernelChecks.targets(kernel, ints(targets), off(targets), n(targets), classes);
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, float zLoss, float gradScale,
                                     Tensor dLogits) {
        KernelChecks.crossEntropyBackward(logits, targets, lse, dLogits);
        checkTargets("crossEntropyBackward", targets, cols(logits));
        pooled.crossEntropyBackward(f(logits), off(logits), ints(targets), off(targets), f(lse), off(lse), zLoss,
                gradScale, f(dLogits), off(dLogits), rows(logits), cols(logits));
        flops.add(KernelFlops.crossEntropyBackward(logits));
    }

    @Override
    public void mse(Tensor pred, Tensor target, Tensor out) {
        KernelChecks.mse(pred, target, out);
        RowKernels.mse(f(pred), off(pred), f(target), off(target), f(out), off(out), rows(pred), cols(pred));
        flops.add(KernelFlops.mse(pred));
    }

    @Override
    public void mseBackward(Tensor pred, Tensor target, float gradScale, Tensor dPred) {
        KernelChecks.lossBackward("mseBackward", "pred", pred, "target", target, "dPred", dPred);
        RowKernels.mseBackward(f(pred), off(pred), f(target), off(target), gradScale, f(dPred), off(dPred),
                rows(pred), cols(pred));
        flops.add(KernelFlops.mseBackward(pred));
    }

    @Override
    public void bceWithLogits(Tensor logits, Tensor targets, Tensor out) {
        KernelChecks.bceWithLogits(logits, targets, out);
        RowKernels.bce(f(logits), off(logits), f(targets), off(targets), f(out), off(out), n(logits));
        flops.add(KernelFlops.bceWithLogits(logits));
    }

    @Override
    public void bceWithLogitsBackward(Tensor logits, Tensor targets, float gradScale, Tensor dLogits) {
        KernelChecks.lossBackward("bceWithLogitsBackward", "logits", logits, "targets", targets, "dLogits", dLogits);
        RowKernels.bceBackward(f(logits), off(logits), f(targets), off(targets), gradScale, f(dLogits), off(dLogits),
                n(logits));
        flops.add(KernelFlops.bceWithLogitsBackward(logits));
    }

    // ---------------------------------------------------------------- gather, scatter, top-k

    @Override
    public void gatherRows(Tensor src, Tensor idx, Tensor out) {
        KernelChecks.gatherRows(src, idx, out);
        int d = cols(src);
        IndexKernels.checkIndices("gatherRows", "idx", ints(idx), off(idx), n(idx), rows(src));
        IndexKernels.gatherRows(f(src), off(src), ints(idx), off(idx), f(out), off(out), n(idx), d);
        flops.add(KernelFlops.gatherRows());
    }

    @Override
    public void scatterAddRows(Tensor src, Tensor idx, Tensor weights, Tensor out) {
        KernelChecks.scatterAddRows(src, idx, weights, out);
        int d = cols(out);
        IndexKernels.checkIndices("scatterAddRows", "idx", ints(idx), off(idx), n(idx), rows(out));
        IndexKernels.scatterAddRows(f(src), off(src), ints(idx), off(idx), weights == null ? null : f(weights),
                weights == null ? 0 : off(weights), weights != null, f(out), off(out), n(idx), d);
        flops.add(KernelFlops.scatterAddRows(src));
    }

    @Override
    public void topK(Tensor x, int k, Tensor values, Tensor indices) {
        KernelChecks.topK(x, k, values, indices);
        int c = cols(x);
        if (topKKeys.length < c) {
            topKKeys = new long[c];
        }
        IndexKernels.topK(f(x), off(x), rows(x), c, k, f(values), off(values), ints(indices), off(indices), topKKeys);
        flops.add(KernelFlops.topK());
    }

    @Override
    public void topKBackward(Tensor dValues, Tensor indices, Tensor dx) {
        KernelChecks.topKBackward(dValues, indices, dx);
        int c = cols(dx);
        int k = cols(dValues);
        int r = rows(dx);
        IndexKernels.checkIndices("topKBackward", "indices", ints(indices), off(indices), n(indices), c);
        float[] d = f(dx);
        int dxo = off(dx);
        java.util.Arrays.fill(d, dxo, dxo + r * c, 0f);
        float[] v = f(dValues);
        int vo = off(dValues);
        int[] ix = ints(indices);
        int io = off(indices);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < k; j++) {
                // Stored, not added to the zero: 0f + -0f is +0f, and the contract places dValues exactly.
                d[dxo + i * c + ix[io + i * k + j]] = v[vo + i * k + j];
            }
        }
        flops.add(KernelFlops.topKBackward());
    }

    @Override
    public void transpose(Tensor x, Tensor out) {
        KernelChecks.transpose(x, out);
        IndexKernels.transpose(f(x), off(x), rows(x), cols(x), f(out), off(out));
        flops.add(KernelFlops.transpose());
    }

    @Override
    public void gatherIndices(Tensor table, Tensor idx, Tensor out) {
        KernelChecks.gatherIndices(table, idx, out);
        int[] ix = ints(idx);
        int io = off(idx);
        int m = n(idx);
        IndexKernels.checkIndices("gatherIndices", "idx", ix, io, m, n(table));
        int[] t = ints(table);
        int to = off(table);
        int[] o = ints(out);
        int oo = off(out);
        for (int i = 0; i < m; i++) {
            o[oo + i] = t[to + ix[io + i]];
        }
        flops.add(KernelFlops.gatherIndices());
    }

    // ---------------------------------------------------------------- convolution helpers

    @Override
    public void im2col(Tensor x, ConvGeometry geometry, Tensor cols) {
        KernelChecks.im2col(x, geometry, cols);
        IndexKernels.im2col(f(x), off(x), (int) x.dim(0), (int) x.dim(1), (int) x.dim(2), (int) x.dim(3), geometry,
                f(cols), off(cols));
        flops.add(KernelFlops.im2col());
    }

    @Override
    public void col2im(Tensor cols, ConvGeometry geometry, Tensor dx) {
        KernelChecks.col2im(cols, geometry, dx);
        IndexKernels.col2im(f(cols), off(cols), (int) dx.dim(0), (int) dx.dim(1), (int) dx.dim(2), (int) dx.dim(3),
                geometry, f(dx), off(dx));
        flops.add(KernelFlops.col2im(cols));
    }

    // ---------------------------------------------------------------- optimizer

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) {
        KernelChecks.adamw(param, grad, m, v);
        pooled.adamw(f(param), off(param), f(grad), off(grad), f(m), off(m), f(v), off(v), n(param),
                step.lr(), step.beta1(), step.beta2(), step.eps(), step.weightDecay(), step.gradScale(),
                step.biasCorrection1(), step.biasCorrection2());
        flops.add(KernelFlops.adamw(param));
    }

    // ---------------------------------------------------------------- random numbers

    @Override
    public void randomUniform(Tensor out, long seed, long offset) {
        f32("randomUniform", "out", out);
        IndexKernels.philox(f(out), off(out), n(out), seed, offset, false, philoxBlock);
        flops.add(KernelFlops.randomUniform());
    }

    @Override
    public void randomNormal(Tensor out, long seed, long offset) {
        f32("randomNormal", "out", out);
        IndexKernels.philox(f(out), off(out), n(out), seed, offset, true, philoxBlock);
        flops.add(KernelFlops.randomNormal());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                gemm.close();
            } finally {
                pool.close();
            }
        }
    }
}
