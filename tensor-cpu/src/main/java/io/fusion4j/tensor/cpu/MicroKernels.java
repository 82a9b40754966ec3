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
    static final int ACC_SIZE = 16 * 16 * 4; // also holds a 4 x KC transpose in Gemm.packB

    // Two-input shuffles for a 4x16 register transpose (16-lane vectors only): zip two rows into
    // (row0,row1) pairs, then interleave pairs of two zipped vectors into runs of four rows.
    private static final VectorShuffle<Float> ZIP_LO;
    private static final VectorShuffle<Float> ZIP_HI;
    private static final VectorShuffle<Float> PAIRS_LO;
    private static final VectorShuffle<Float> PAIRS_HI;
    // Two-input shuffles for a 4x4 transpose of 128-bit lanes (four floats each): zip the lanes of two
    // vectors, then gather lane pairs of two zipped vectors.
    private static final VectorShuffle<Float> LANES_ZIP_LO;
    private static final VectorShuffle<Float> LANES_ZIP_HI;
    private static final VectorShuffle<Float> LANES_PAIRS_LO;
    private static final VectorShuffle<Float> LANES_PAIRS_HI;

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
            int[] llo = new int[16];
            int[] lhi = new int[16];
            int[] lplo = new int[16];
            int[] lphi = new int[16];
            for (int f = 0; f < 4; f++) {
                llo[f] = f;
                llo[4 + f] = 16 + f;
                llo[8 + f] = 4 + f;
                llo[12 + f] = 20 + f;
                lhi[f] = 8 + f;
                lhi[4 + f] = 24 + f;
                lhi[8 + f] = 12 + f;
                lhi[12 + f] = 28 + f;
            }
            for (int f = 0; f < 8; f++) {
                lplo[f] = f;
                lplo[8 + f] = 16 + f;
                lphi[f] = 8 + f;
                lphi[8 + f] = 24 + f;
            }
            LANES_ZIP_LO = VectorShuffle.fromArray(S, llo, 0);
            LANES_ZIP_HI = VectorShuffle.fromArray(S, lhi, 0);
            LANES_PAIRS_LO = VectorShuffle.fromArray(S, lplo, 0);
            LANES_PAIRS_HI = VectorShuffle.fromArray(S, lphi, 0);
            ZIP_LO = VectorShuffle.fromArray(S, zlo, 0);
            ZIP_HI = VectorShuffle.fromArray(S, zhi, 0);
            PAIRS_LO = VectorShuffle.fromArray(S, plo, 0);
            PAIRS_HI = VectorShuffle.fromArray(S, phi, 0);
        } else {
            ZIP_LO = ZIP_HI = PAIRS_LO = PAIRS_HI = null;
            LANES_ZIP_LO = LANES_ZIP_HI = LANES_PAIRS_LO = LANES_PAIRS_HI = null;
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
            int groups = L == 16 ? m / 16 : 0;
            int k4 = groups > 0 ? k & ~3 : 0;
            for (int p = 0; p < k4; p += 4) {
                packLaneGroups(a, aOff + p * csA, csA, groups, dst, dstOff + p * MR, MR * k);
            }
            for (int p = 0; p < k; p++) {
                int q = aOff + p * csA;
                int d = dstOff + p * MR;
                for (int s = p < k4 ? 4 * groups : 0; s < slivers; s++) {
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
     * Transposes {@code rows} runs of {@code depth} floats ({@code src[so + r*ld + p]}) into {@code dst[d + p*ldd + r]}:
     * GEMM packs a transposed B this way and attention its transposed K and V. Sixteen rows at a time go through
     * {@link #transpose16}, which writes whole 64-byte rows; four at a time through the 4×16 sliver transpose,
     * whose four-float runs per depth are copied as runs; the rest element by element. {@code tmp} holds
     * {@code 4 * depth} floats.
     */
    static void transposeRows(float[] src, int so, int ld, int rows, int depth, float[] dst, int d, int ldd,
                              float[] tmp) {
        int r = 0;
        if (L == 16) {
            int depth16 = depth & ~15;
            for (; r + 16 <= rows; r += 16) {
                int s = so + r * ld;
                for (int p = 0; p < depth16; p += 16) {
                    transpose16(src, s + p, ld, dst, d + p * ldd + r, ldd);
                }
                for (int p = depth16; p < depth; p++) {
                    for (int i = 0; i < 16; i++) {
                        dst[d + p * ldd + r + i] = src[s + i * ld + p];
                    }
                }
            }
            for (; r + MR <= rows; r += MR) {
                int s = so + r * ld;
                int p = packSliverVector(src, s, ld, depth, tmp, 0);
                for (int q = 0; q < p; q++) {
                    copy4(tmp, q * MR, dst, d + q * ldd + r);
                }
                for (; p < depth; p++) {
                    for (int i = 0; i < MR; i++) {
                        dst[d + p * ldd + r + i] = src[s + i * ld + p];
                    }
                }
            }
        }
        for (; r < rows; r++) {
            int s = so + r * ld;
            for (int p = 0; p < depth; p++) {
                dst[d + p * ldd + r] = src[s + p];
            }
        }
    }

    /**
     * A 16×16 block of transposed B into panel rows: block column {@code c} is the contiguous run
     * {@code b[src + c*csB ..]} of 16 depths; depth {@code i} is stored as 16 columns at {@code dst[d + i*ldd]}.
     * Four rounds of zipping row {@code i} with row {@code i+8} transpose the block in registers (64 two-input
     * shuffles per 256 floats), so the panel is written in whole 64-byte rows instead of four-float pieces
     * scattered over 16 cache lines; the scattered writes were why a transposed B had to be packed with a
     * depth block small enough to stay in L1.
     */
    static void transpose16(float[] b, int src, int csB, float[] dst, int d, int ldd) {
        FloatVector r0 = FloatVector.fromArray(S, b, src);
        FloatVector r1 = FloatVector.fromArray(S, b, src + csB);
        FloatVector r2 = FloatVector.fromArray(S, b, src + 2 * csB);
        FloatVector r3 = FloatVector.fromArray(S, b, src + 3 * csB);
        FloatVector r4 = FloatVector.fromArray(S, b, src + 4 * csB);
        FloatVector r5 = FloatVector.fromArray(S, b, src + 5 * csB);
        FloatVector r6 = FloatVector.fromArray(S, b, src + 6 * csB);
        FloatVector r7 = FloatVector.fromArray(S, b, src + 7 * csB);
        FloatVector r8 = FloatVector.fromArray(S, b, src + 8 * csB);
        FloatVector r9 = FloatVector.fromArray(S, b, src + 9 * csB);
        FloatVector r10 = FloatVector.fromArray(S, b, src + 10 * csB);
        FloatVector r11 = FloatVector.fromArray(S, b, src + 11 * csB);
        FloatVector r12 = FloatVector.fromArray(S, b, src + 12 * csB);
        FloatVector r13 = FloatVector.fromArray(S, b, src + 13 * csB);
        FloatVector r14 = FloatVector.fromArray(S, b, src + 14 * csB);
        FloatVector r15 = FloatVector.fromArray(S, b, src + 15 * csB);
        for (int round = 0; round < 4; round++) {
            FloatVector t0 = r0.rearrange(ZIP_LO, r8);
            FloatVector t1 = r0.rearrange(ZIP_HI, r8);
            FloatVector t2 = r1.rearrange(ZIP_LO, r9);
            FloatVector t3 = r1.rearrange(ZIP_HI, r9);
            FloatVector t4 = r2.rearrange(ZIP_LO, r10);
            FloatVector t5 = r2.rearrange(ZIP_HI, r10);
            FloatVector t6 = r3.rearrange(ZIP_LO, r11);
            FloatVector t7 = r3.rearrange(ZIP_HI, r11);
            FloatVector t8 = r4.rearrange(ZIP_LO, r12);
            FloatVector t9 = r4.rearrange(ZIP_HI, r12);
            FloatVector t10 = r5.rearrange(ZIP_LO, r13);
            FloatVector t11 = r5.rearrange(ZIP_HI, r13);
            FloatVector t12 = r6.rearrange(ZIP_LO, r14);
            FloatVector t13 = r6.rearrange(ZIP_HI, r14);
            FloatVector t14 = r7.rearrange(ZIP_LO, r15);
            FloatVector t15 = r7.rearrange(ZIP_HI, r15);
            r0 = t0;
            r1 = t1;
            r2 = t2;
            r3 = t3;
            r4 = t4;
            r5 = t5;
            r6 = t6;
            r7 = t7;
            r8 = t8;
            r9 = t9;
            r10 = t10;
            r11 = t11;
            r12 = t12;
            r13 = t13;
            r14 = t14;
            r15 = t15;
        }
        r0.intoArray(dst, d);
        r1.intoArray(dst, d + ldd);
        r2.intoArray(dst, d + 2 * ldd);
        r3.intoArray(dst, d + 3 * ldd);
        r4.intoArray(dst, d + 4 * ldd);
        r5.intoArray(dst, d + 5 * ldd);
        r6.intoArray(dst, d + 6 * ldd);
        r7.intoArray(dst, d + 7 * ldd);
        r8.intoArray(dst, d + 8 * ldd);
        r9.intoArray(dst, d + 9 * ldd);
        r10.intoArray(dst, d + 10 * ldd);
        r11.intoArray(dst, d + 11 * ldd);
        r12.intoArray(dst, d + 12 * ldd);
        r13.intoArray(dst, d + 13 * ldd);
        r14.intoArray(dst, d + 14 * ldd);
        r15.intoArray(dst, d + 15 * ldd);
    }

    /**
     * Four depths of transposed A into {@code groups} groups of four slivers: depth {@code i} is the run
     * {@code a[src + i*csA ..]}; a 16-float load of it holds one four-float lane per sliver, and a 4×4 transpose
     * of those lanes gives each sliver its four depths as one 16-float store at {@code dst[d + s*sliverStride]}.
     * This replaced 64 scalar moves per 64 floats that made packing a third of a weight-gradient GEMM.
     */
    private static void packLaneGroups(float[] a, int src, int csA, int groups, float[] dst, int d, int sliverStride) {
        for (int g = 0; g < groups; g++) {
            int q = src + 16 * g;
            FloatVector v0 = FloatVector.fromArray(S, a, q);
            FloatVector v1 = FloatVector.fromArray(S, a, q + csA);
            FloatVector v2 = FloatVector.fromArray(S, a, q + 2 * csA);
            FloatVector v3 = FloatVector.fromArray(S, a, q + 3 * csA);
            FloatVector alo = v0.rearrange(LANES_ZIP_LO, v1);
            FloatVector ahi = v0.rearrange(LANES_ZIP_HI, v1);
            FloatVector blo = v2.rearrange(LANES_ZIP_LO, v3);
            FloatVector bhi = v2.rearrange(LANES_ZIP_HI, v3);
            int o = d + 4 * g * sliverStride;
            alo.rearrange(LANES_PAIRS_LO, blo).intoArray(dst, o);
            alo.rearrange(LANES_PAIRS_HI, blo).intoArray(dst, o + sliverStride);
            ahi.rearrange(LANES_PAIRS_LO, bhi).intoArray(dst, o + 2 * sliverStride);
            ahi.rearrange(LANES_PAIRS_HI, bhi).intoArray(dst, o + 3 * sliverStride);
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

    /**
     * Runs the tiles over packed A ({@code m} rows from {@code ap[apOff..]}) and B. A whole tile over a packed
     * panel ({@code ldb == n == 4L}) with {@code alpha == 1} and {@code beta} 0 or 1 (every product of a training
     * step) goes through {@link #k4x4Panel}, which adds its accumulators into C from registers; the rest
     * accumulate into {@code acc} and {@link #merge}. Both give the same bits.
     */
    static void tile(float[] ap, int apOff, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc,
                     int m, int n, int k, float alpha, float beta, float[] acc) {
        boolean panel = ldb == 4 * L && n == 4 * L && alpha == 1f && (beta == 0f || beta == 1f);
        for (int r = 0; r < m; r += MR) {
            if (panel && r + MR <= m) {
                k4x4Panel(ap, apOff + r * k, b, bOff, k, c, cOff + r * ldc, ldc, beta != 0f);
            } else {
                sliverAt(ap, apOff + r * k, b, bOff, c, cOff + r * ldc, ldc, Math.min(MR, m - r), n, ldb, k, alpha,
                        beta, null, 0, acc);
            }
        }
    }

    /**
     * {@link #k4x4} over a packed B panel (row stride {@code 4L}), then {@code C = acc + (accumulate ? C : 0)}
     * straight from the registers. Measured in a training step, writing the 16 accumulators to a scratch tile
     * and reading them back in {@link #merge} was 3-5% of the time. The depth is the only induction variable
     * and both strides are constants, so C2 can hoist the bounds checks out of the loop.
     */
    static void k4x4Panel(float[] a, int pa, float[] b, int pb, int k, float[] c, int pc, int ldc, boolean accumulate) {
        final int nr = 4 * L;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < k; p++) {
            int q = pb + p * nr;
            int s = pa + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, b, q);
            FloatVector b1 = FloatVector.fromArray(S, b, q + L);
            FloatVector b2 = FloatVector.fromArray(S, b, q + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, q + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[s]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[s + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[s + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[s + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            c32 = b2.fma(x, c32);
            c33 = b3.fma(x, c33);
        }
        int o0 = pc;
        int o1 = pc + ldc;
        int o2 = pc + 2 * ldc;
        int o3 = pc + 3 * ldc;
        if (accumulate) {
            // acc + C rounds as merge's fma(C, 1, 1 * acc) does.
            c00 = c00.add(FloatVector.fromArray(S, c, o0));
            c01 = c01.add(FloatVector.fromArray(S, c, o0 + L));
            c02 = c02.add(FloatVector.fromArray(S, c, o0 + 2 * L));
            c03 = c03.add(FloatVector.fromArray(S, c, o0 + 3 * L));
            c10 = c10.add(FloatVector.fromArray(S, c, o1));
            c11 = c11.add(FloatVector.fromArray(S, c, o1 + L));
            c12 = c12.add(FloatVector.fromArray(S, c, o1 + 2 * L));
            c13 = c13.add(FloatVector.fromArray(S, c, o1 + 3 * L));
            c20 = c20.add(FloatVector.fromArray(S, c, o2));
            c21 = c21.add(FloatVector.fromArray(S, c, o2 + L));
            c22 = c22.add(FloatVector.fromArray(S, c, o2 + 2 * L));
            c23 = c23.add(FloatVector.fromArray(S, c, o2 + 3 * L));
            c30 = c30.add(FloatVector.fromArray(S, c, o3));
            c31 = c31.add(FloatVector.fromArray(S, c, o3 + L));
            c32 = c32.add(FloatVector.fromArray(S, c, o3 + 2 * L));
            c33 = c33.add(FloatVector.fromArray(S, c, o3 + 3 * L));
        }
        c00.intoArray(c, o0);
        c01.intoArray(c, o0 + L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1);
        c11.intoArray(c, o1 + L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2);
        c21.intoArray(c, o2 + L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3);
        c31.intoArray(c, o3 + L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
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
        // Written out: a vector passed to a method C2 does not inline is boxed, 16 a tile.
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c02.intoArray(acc, 2 * L);
        c03.intoArray(acc, 3 * L);
        c10.intoArray(acc, 4 * L);
        c11.intoArray(acc, 5 * L);
        c12.intoArray(acc, 6 * L);
        c13.intoArray(acc, 7 * L);
        c20.intoArray(acc, 8 * L);
        c21.intoArray(acc, 9 * L);
        c22.intoArray(acc, 10 * L);
        c23.intoArray(acc, 11 * L);
        c30.intoArray(acc, 12 * L);
        c31.intoArray(acc, 13 * L);
        c32.intoArray(acc, 14 * L);
        c33.intoArray(acc, 15 * L);
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
