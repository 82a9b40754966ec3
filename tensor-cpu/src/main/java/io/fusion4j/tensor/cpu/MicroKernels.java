package io.fusion4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked tiles shared by GEMM and attention: {@code C[m,n] = alpha * A[m,k] B[k,n] + beta * C}.
 *
 * <p>A is first packed into 4-row slivers ({@code sliver s, depth p, row r} at {@code s*4k + 4p + r}, zero
 * padded), so the inner loop reads A with one induction variable; measured here, that took the 4×4
 * tile from ~90 to ~200 GFLOP/s on one core (strided reads of A defeat bounds-check hoisting). B is
 * row-major with row stride {@code ldb} and must have {@code roundUp(n, L)} readable floats per row
 * (callers pad). A 4-row × 4-vector tile keeps 16 accumulators in registers: enough independent FMA
 * chains to cover FMA latency on two 512-bit pipes. With {@code beta == 0} C's old contents are never read.
 */
final class MicroKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = 4;
    /** Floats of the scratch tile a caller passes to {@link #tile}. */
    static final int ACC_SIZE = 16 * 16 * 4; // also holds a 4 x KC_MAX transpose in Gemm.packB

    // Two-input shuffles for a 4x16 register transpose (16-lane vectors only): zip two rows into
    // (row0,row1) pairs, then interleave pairs of two zipped vectors into runs of four rows.
    private static final VectorShuffle<Float> ZIP_LO;
    private static final VectorShuffle<Float> ZIP_HI;
    private static final VectorShuffle<Float> PAIRS_LO;
    private static final VectorShuffle<Float> PAIRS_HI;

    static {
        if (L == 16) {
            int[] zlo = new int[16];
            int[] zhi = new int[16];
            int[] plo = new int[16];
            int[] phi = new int[16];
            for (int i = 0; i < 8; i++) {
                zlo[2 * i] = i;
                zlo[2 * i + 1] = 16 + i;
                zhi[2 * i] = 8 + i;
                zhi[2 * i + 1] = 24 + i;
            }
            for (int i = 0; i < 4; i++) {
                plo[4 * i] = 2 * i;
                plo[4 * i + 1] = 2 * i + 1;
                plo[4 * i + 2] = 16 + 2 * i;
                plo[4 * i + 3] = 17 + 2 * i;
                phi[4 * i] = 8 + 2 * i;
                phi[4 * i + 1] = 9 + 2 * i;
                phi[4 * i + 2] = 24 + 2 * i;
                phi[4 * i + 3] = 25 + 2 * i;
            }
            ZIP_LO = VectorShuffle.fromArray(S, zlo, 0);
            ZIP_HI = VectorShuffle.fromArray(S, zhi, 0);
            PAIRS_LO = VectorShuffle.fromArray(S, plo, 0);
            PAIRS_HI = VectorShuffle.fromArray(S, phi, 0);
        } else {
            ZIP_LO = ZIP_HI = PAIRS_LO = PAIRS_HI = null;
        }
    }

    private MicroKernels() {
    }

    /**
     * Packs four contiguous rows (row stride {@code rsA}) of depth {@code k} into one sliver with a
     * register transpose: 4 loads, 8 two-input shuffles and 4 stores per 64 floats. Measured here it
     * packs at 0.10 ns per float against 0.42 for the scalar loop, which mattered for N=256 GEMMs
     * where packing A was a quarter of the time.
     */
    static int packSliverVector(float[] a, int src, int rsA, int k, float[] dst, int base) {
        int p = 0;
        for (; p + 16 <= k; p += 16) {
            FloatVector v0 = FloatVector.fromArray(S, a, src + p);
            FloatVector v1 = FloatVector.fromArray(S, a, src + rsA + p);
            FloatVector v2 = FloatVector.fromArray(S, a, src + 2 * rsA + p);
            FloatVector v3 = FloatVector.fromArray(S, a, src + 3 * rsA + p);
            FloatVector alo = v0.rearrange(ZIP_LO, v1);
            FloatVector ahi = v0.rearrange(ZIP_HI, v1);
            FloatVector blo = v2.rearrange(ZIP_LO, v3);
            FloatVector bhi = v2.rearrange(ZIP_HI, v3);
            int d = base + p * MR;
            alo.rearrange(PAIRS_LO, blo).intoArray(dst, d);
            alo.rearrange(PAIRS_HI, blo).intoArray(dst, d + 16);
            ahi.rearrange(PAIRS_LO, bhi).intoArray(dst, d + 32);
            ahi.rearrange(PAIRS_HI, bhi).intoArray(dst, d + 48);
        }
        return p;
    }

    /** Packs {@code A(r,p) = a[aOff + r*rsA + p*csA]}, {@code r < m}, {@code p < k} into 4-row slivers at {@code dst[0..]}. */
    static void packA(float[] a, int aOff, int rsA, int csA, int m, int k, float[] dst) {
        packA(a, aOff, rsA, csA, m, k, dst, 0);
    }

    /** {@link #packA} into {@code dst[dstOff..]}. */
    static void packA(float[] a, int aOff, int rsA, int csA, int m, int k, float[] dst, int dstOff) {
        int slivers = (m + MR - 1) / MR;
        if (rsA == 1 && csA != 1 && m % MR == 0) {
            // Transposed A: each depth is a contiguous run of m floats. Reading whole runs, depth
            // outer, avoids walking one sliver down a large power-of-two stride (L1 set conflicts).
            for (int p = 0; p < k; p++) {
                int q = aOff + p * csA;
                int d = dstOff + p * MR;
                for (int s = 0; s < slivers; s++) {
                    copy4(a, q + s * MR, dst, d + s * MR * k);
                }
            }
            return;
        }
        for (int s = 0; s < slivers; s++) {
            int base = dstOff + s * MR * k;
            int rows = Math.min(MR, m - s * MR);
            int src = aOff + s * MR * rsA;
            if (rows == MR && csA == 1) {
                int p0 = L == 16 ? packSliverVector(a, src, rsA, k, dst, base) : 0;
                for (int p = p0; p < k; p++) {
                    int d = base + p * MR;
                    dst[d] = a[src + p];
                    dst[d + 1] = a[src + rsA + p];
                    dst[d + 2] = a[src + 2 * rsA + p];
                    dst[d + 3] = a[src + 3 * rsA + p];
                }
            } else if (rows == MR && rsA != 1) {
                for (int p = 0; p < k; p++) {
                    int d = base + p * MR;
                    int q = src + p * csA;
                    dst[d] = a[q];
                    dst[d + 1] = a[q + rsA];
                    dst[d + 2] = a[q + 2 * rsA];
                    dst[d + 3] = a[q + 3 * rsA];
                }
            } else {
                for (int p = 0; p < k; p++) {
                    int d = base + p * MR;
                    int q = src + p * csA;
                    for (int rr = 0; rr < MR; rr++) {
                        dst[d + rr] = rr < rows ? a[q + rr * rsA] : 0f;
                    }
                }
            }
        }
    }

    /**
     * Copies four floats with scalar moves. A {@code SPECIES_128} move (the obvious choice) let the JDK's shared
     * {@code FloatVector} methods see two vector classes, and a C2 compile of the micro-kernel made while that
     * type profile was bimorphic kept every vector boxed (4 runs in 12 of a GEMM benchmark at 7 GFLOP/s, once a
     * training run at 233 tokens/s). A masked move of the preferred species avoids that but made a training
     * step ~8% slower here; scalar moves did not (decision 0010).
     */
    static void copy4(float[] src, int s, float[] dst, int d) {
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
        dst[d + 2] = src[s + 2];
        dst[d + 3] = src[s + 3];
    }

    /** Runs the tiles over packed A ({@code m} rows from {@code ap[apOff..]}) and B. */
    static void tile(float[] ap, int apOff, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc,
                     int m, int n, int k, float alpha, float beta, float[] acc) {
        for (int r = 0; r < m; r += MR) {
            sliverAt(ap, apOff + r * k, b, bOff, c, cOff + r * ldc, ldc, Math.min(MR, m - r), n, ldb, k, alpha, beta,
                    null, 0, acc);
        }
    }

    /**
     * One packed sliver {@code s} (packed with depth {@code kp}) times B over depths {@code [k0, k1)}, into
     * {@code mr} rows of C starting at {@code cOff}. Attention uses it to skip the part of a tile that the
     * mask makes zero.
     */
    static void sliver(float[] ap, int s, int kp, int k0, int k1, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, int mr, int n, float alpha, float beta, float[] acc) {
        sliver(ap, s, kp, k0, k1, b, bOff, ldb, c, cOff, ldc, mr, n, alpha, beta, null, 0, acc);
    }

    /**
     * {@link #sliver} with a per-row beta ({@code rowBeta[rbOff + r]} for row r, when non-null): attention folds
     * its online-softmax rescaling of the output rows into the merge this way.
     */
    static void sliver(float[] ap, int s, int kp, int k0, int k1, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, int mr, int n, float alpha, float beta,
                       float[] rowBeta, int rbOff, float[] acc) {
        sliverAt(ap, s * MR * kp + k0 * MR, b, bOff + k0 * ldb, c, cOff, ldc, mr, n, ldb, k1 - k0, alpha, beta,
                rowBeta, rbOff, acc);
    }

    /** One packed sliver starting at {@code ap[pa]}, times B from {@code b[pb]} over {@code k} depths. */
    private static void sliverAt(float[] ap, int pa, float[] b, int pb, float[] c, int cOff, int ldc, int mr, int n,
                                 int ldb, int k, float alpha, float beta, float[] rowBeta, int rbOff, float[] acc) {
        int j = 0;
        for (; j + 3 * L < n; j += 4 * L) {
            k4x4(ap, pa, b, pb + j, ldb, k, acc);
            merge(acc, 4, c, cOff + j, ldc, mr, n - j, alpha, beta, rowBeta, rbOff);
        }
        for (; j + L < n; j += 2 * L) {
            k4x2(ap, pa, b, pb + j, ldb, k, acc);
            merge(acc, 2, c, cOff + j, ldc, mr, n - j, alpha, beta, rowBeta, rbOff);
        }
        for (; j < n; j += L) {
            k4x1(ap, pa, b, pb + j, ldb, k, acc);
            merge(acc, 1, c, cOff + j, ldc, mr, n - j, alpha, beta, rowBeta, rbOff);
        }
    }

    /** Accumulates a 4-row tile into {@code acc} (row stride {@code 4L}); the caller merges it into C. */
    static void k4x4(float[] a, int pa, float[] b, int pb, int ldb, int k, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, pb);
            FloatVector b1 = FloatVector.fromArray(S, b, pb + L);
            FloatVector b2 = FloatVector.fromArray(S, b, pb + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, pb + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[pa]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[pa + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[pa + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[pa + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            c32 = b2.fma(x, c32);
            c33 = b3.fma(x, c33);
            pa += MR;
            pb += ldb;
        }
        spill(acc, 0, c00, c01, c02, c03);
        spill(acc, 1, c10, c11, c12, c13);
        spill(acc, 2, c20, c21, c22, c23);
        spill(acc, 3, c30, c31, c32, c33);
    }

    /** Accumulates a 4-row tile into {@code acc} (row stride {@code 4L}); the caller merges it into C. */
    static void k4x2(float[] a, int pa, float[] b, int pb, int ldb, int k, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, pb);
            FloatVector b1 = FloatVector.fromArray(S, b, pb + L);
            FloatVector x = FloatVector.broadcast(S, a[pa]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[pa + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[pa + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[pa + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            pa += MR;
            pb += ldb;
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c10.intoArray(acc, 4 * L);
        c11.intoArray(acc, 5 * L);
        c20.intoArray(acc, 8 * L);
        c21.intoArray(acc, 9 * L);
        c30.intoArray(acc, 12 * L);
        c31.intoArray(acc, 13 * L);
    }

    /** Accumulates a 4-row tile into {@code acc} (row stride {@code 4L}); the caller merges it into C. */
    static void k4x1(float[] a, int pa, float[] b, int pb, int ldb, int k, float[] acc) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, pb);
            c0 = b0.fma(FloatVector.broadcast(S, a[pa]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[pa + 1]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[pa + 2]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[pa + 3]), c3);
            pa += MR;
            pb += ldb;
        }
        c0.intoArray(acc, 0);
        c1.intoArray(acc, 4 * L);
        c2.intoArray(acc, 8 * L);
        c3.intoArray(acc, 12 * L);
    }

    // Written out (not a helper taking vectors): a vector passed to a method C2 does not inline is boxed.
    private static void spill(float[] acc, int row, FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3) {
        int o = row * 4 * L;
        v0.intoArray(acc, o);
        v1.intoArray(acc, o + L);
        v2.intoArray(acc, o + 2 * L);
        v3.intoArray(acc, o + 3 * L);
    }

    /** {@code C = alpha * acc + beta_r * C} for {@code mr} rows and {@code min(ncols, vecs*L)} columns. */
    static void merge(float[] acc, int vecs, float[] c, int pc, int ldc, int mr, int ncols, float alpha, float beta,
                      float[] rowBeta, int rbOff) {
        int cols = Math.min(ncols, vecs * L);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int r = 0; r < mr; r++) {
            float br = rowBeta == null ? beta : rowBeta[rbOff + r];
            FloatVector vb = FloatVector.broadcast(S, br);
            int ao = r * 4 * L;
            int co = pc + r * ldc;
            int j = 0;
            // Whole vectors first without masks: building a mask per vector cost ~2% of a training step.
            for (; j + L <= cols; j += L) {
                FloatVector v = FloatVector.fromArray(S, acc, ao + j).mul(va);
                if (br != 0f) {
                    v = FloatVector.fromArray(S, c, co + j).fma(vb, v);
                }
                v.intoArray(c, co + j);
            }
            if (j < cols) {
                VectorMask<Float> m = S.indexInRange(j, cols);
                FloatVector v = FloatVector.fromArray(S, acc, ao + j).mul(va);
                if (br != 0f) {
                    v = FloatVector.fromArray(S, c, co + j, m).fma(vb, v);
                }
                v.intoArray(c, co + j, m);
            }
        }
    }
}
