package io.fusion4j.tensor.cpu;

import static io.fusion4j.tensor.cpu.MicroKernels.L;

/**
 * Packed-panel SGEMM, {@code C = alpha * A B + beta * C}, with A and B given by strides so NN, NT, TN
 * and TT are the same code. Loop order (BLIS): column block {@code NC} → depth block (KC) → pack B
 * into {@code NR}-wide panels (zero-padded) → row block {@code MC}, packed into 4-row slivers → panel →
 * 4-row micro-tile. Work is split into a grid of
 * row × column chunks; a chunk packs only the columns it computes, into its worker's buffer.
 *
 * <p>One instance per backend; it is the pool's job object, so a call allocates nothing. Not
 * re-entrant: the backend is used from one thread.
 */
final class Gemm implements CpuWorkers.Chunk, HostMatmul {
    static final int NR = 4 * L;
    /**
     * Depth block. At 256 the B panel streams from L2 (4 vector loads per 16 FMAs is within L2 bandwidth)
     * and C is merged half as often as at 128. Transposed operands are packed by register transposes that
     * write whole 64-byte rows, so they no longer need a smaller block (decision 0012).
     */
    static final int KC = 256;
    static final int MC = 64;
    static final int NC = 512;
    /** Spare floats at the end of a B pack so that it can start on a 64-byte line ({@link HeapAlignment}). */
    private static final int PAD = HeapAlignment.BYTES / Float.BYTES - 1;
    /** Below this many FLOPs one thread is faster than waking the pool. */
    private static final long PARALLEL_FLOPS = 1L << 21;
    /** Smallest row chunk worth handing out (~10 µs): each hand-out is an atomic shared by the threads. */
    private static final long MIN_CHUNK_FLOPS = 1L << 20;

    private final WorkerPool pool;
    private final float[][] packBuffers;
    private final float[][] packA;
    private final float[][] accTiles;
    /** Packs shared by every chunk (see {@link #prepack}); grown on demand, then reused. */
    private float[] sharedA = new float[0];
    private float[] sharedB = new float[0];
    private int sharedBStart;
    private final CpuWorkers.Chunk packJob = this::packShared;

    // The current problem (set by run, read by workers).
    private float[] a, b, c;
    private int aOff, rsA, csA, bOff, rsB, csB, cOff, ldc;
    private int m, n, k;
    private float alpha, beta;
    private long aBatch, bBatch, cBatch;
    private int batches, rowChunks, colChunks, rowsPerChunk, colsPerChunk;
    private boolean shareA, shareB;
    /**
     * B is a single block (one depth block, one NC block) that every row chunk needs whole: each worker packs
     * it once per call into its own buffer instead of one thread packing it for all.
     */
    private boolean ownB;
    /**
     * Per worker, with {@link #ownB}: where its pack of B starts in its buffer this call, or -1 before it packs.
     * Kept so that its later chunks need not ask {@link HeapAlignment#alignedStart} again, which allocates
     * 32-112 bytes a call (its memory segments are not always scalar-replaced).
     */
    private final int[] ownBStart;
    private int mPad, nPad, depthBlocks, rowBlocks, colBlocksNc;

    Gemm(WorkerPool pool) {
        this.pool = pool;
        this.packBuffers = new float[pool.threads()][KC * NC + PAD];
        this.packA = new float[pool.threads()][MC * KC];
        this.accTiles = new float[pool.threads()][MicroKernels.ACC_SIZE];
        this.ownBStart = new int[pool.threads()];
    }

    @Override
    public String description() {
        return "Vector API fp32";
    }

    @Override
    public io.fusion4j.api.backend.Precision precision() {
        return io.fusion4j.api.backend.Precision.FP32;
    }

    /** The pool belongs to the backend, which closes it. */
    @Override
    public void close() {
    }

    /**
     * Runs {@code batches} GEMMs; batch {@code i} offsets A, B and C by {@code i * aBatch} etc.
     * {@code A(r,p) = a[aOff + r*rsA + p*csA]}, {@code B(p,j) = b[bOff + p*rsB + j*csB]}, C row-major with {@code ldc}.
     */
    @Override
    public void run(float[] a, int aOff, int rsA, int csA, long aBatch,
             float[] b, int bOff, int rsB, int csB, long bBatch,
             float[] c, int cOff, int ldc, long cBatch,
             int batches, int m, int n, int k, float alpha, float beta) {
        this.a = a;
        this.aOff = aOff;
        this.rsA = rsA;
        this.csA = csA;
        this.aBatch = aBatch;
        this.b = b;
        this.bOff = bOff;
        this.rsB = rsB;
        this.csB = csB;
        this.bBatch = bBatch;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
        this.cBatch = cBatch;
        this.batches = batches;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;

        long flops = 2L * m * n * k * batches;
        int threads = pool.threads();
        rowBlocks = (m + MC - 1) / MC;
        int colBlocks = (n + NR - 1) / NR;
        if (threads == 1 || flops < PARALLEL_FLOPS) {
            rowChunks = 1;
            colChunks = 1;
        } else {
            // Enough chunks to balance a noisy second core. Row chunks each re-pack B (K×N), column chunks
            // each re-pack A (M×K): split the dimension whose duplicated packing is the smaller.
            int target = Math.max(1, (threads * 2 + batches - 1) / batches);
            if (m >= n) {
                // In one GEMM a row chunk re-packs no B (prepack shares it, or each worker keeps its own), so
                // up to one chunk per MC block, of at least MIN_CHUNK_FLOPS, lets the thread that runs ahead
                // take more. With two chunks a thread, one thread idled ~10% of a 512³ call for the other.
                rowChunks = batches == 1
                        ? (int) Math.min(rowBlocks, Math.max(target, flops / MIN_CHUNK_FLOPS))
                        : Math.min(rowBlocks, target);
                colChunks = Math.min(colBlocks, (target + rowChunks - 1) / rowChunks);
            } else {
                colChunks = Math.min(colBlocks, target);
                rowChunks = Math.min(rowBlocks, (target + colChunks - 1) / colChunks);
            }
        }
        rowsPerChunk = ((rowBlocks + rowChunks - 1) / rowChunks) * MC;
        colsPerChunk = ((colBlocks + colChunks - 1) / colChunks) * NR;
        rowChunks = (m + rowsPerChunk - 1) / rowsPerChunk;
        colChunks = (n + colsPerChunk - 1) / colsPerChunk;
        int chunks = batches * rowChunks * colChunks;
        if (chunks == 1 || threads == 1 || flops < PARALLEL_FLOPS) {
            shareA = false;
            shareB = false;
            ownB = false;
            for (int i = 0; i < chunks; i++) {
                run(i, 0);
            }
        } else {
            prepack();
            pool.run(chunks, this);
        }
        this.a = null;
        this.b = null;
        this.c = null;
    }

    /**
     * An operand that several chunks would each pack (B when rows are split, A when columns are split or a
     * chunk spans several NC blocks) is packed once, in parallel, into a shared buffer laid out as the
     * chunks read it: depth block at {@code pc}, then A's row block at {@code ic} or B's panel at {@code jc},
     * at {@code pc * padded + (ic|jc) * kc}. Measured on the training shapes, the duplicated packing cost
     * up to a fifth of a weight-gradient GEMM on two threads.
     *
     * <p>A B of one block is not shared but packed by each worker ({@link #ownB}): a shared pack of it is one
     * task, so one thread packed while the other waited, and the pack, written by one core and read by the
     * other on every call, made a 256³ GEMM on two threads swing between 100 and 160 GFLOP/s. Packing it
     * twice costs under 5% of such a call.
     */
    private void prepack() {
        ownB = batches == 1 && rowChunks > 1 && colChunks == 1 && n <= NC && k <= KC;
        java.util.Arrays.fill(ownBStart, -1);
        shareB = batches == 1 && rowChunks > 1 && !ownB;
        shareA = batches == 1 && (colChunks > 1 || colsPerChunk > NC);
        if (!shareA && !shareB) {
            return;
        }
        depthBlocks = (k + KC - 1) / KC;
        colBlocksNc = (n + NC - 1) / NC;
        mPad = (m + MicroKernels.MR - 1) / MicroKernels.MR * MicroKernels.MR;
        nPad = (n + NR - 1) / NR * NR;
        if (shareA && sharedA.length < mPad * k) {
            sharedA = new float[mPad * k];
        }
        if (shareB && sharedB.length < nPad * k + PAD) {
            sharedB = new float[nPad * k + PAD];
        }
        if (shareB) {
            sharedBStart = HeapAlignment.alignedStart(sharedB);
        }
        int tasks = depthBlocks * ((shareA ? rowBlocks : 0) + (shareB ? colBlocksNc : 0));
        pool.run(tasks, packJob);
    }

    /** One prepack task: a (depth block, row block) of A or a (depth block, NC block) of B. */
    private void packShared(int task, int worker) {
        int aTasks = shareA ? depthBlocks * rowBlocks : 0;
        if (task < aTasks) {
            int pc = (task / rowBlocks) * KC;
            int ic = (task % rowBlocks) * MC;
            int kc = Math.min(KC, k - pc);
            MicroKernels.packA(a, aOff + ic * rsA + pc * csA, rsA, csA, Math.min(MC, m - ic), kc,
                    sharedA, pc * mPad + ic * kc);
        } else {
            int t = task - aTasks;
            int pc = (t / colBlocksNc) * KC;
            int jc = (t % colBlocksNc) * NC;
            int kc = Math.min(KC, k - pc);
            packB(bOff, pc, kc, jc, Math.min(NC, n - jc), sharedB, sharedBStart + pc * nPad + jc * kc,
                    accTiles[worker]);
        }
    }

    @Override
    public void run(int chunk, int worker) {
        int perBatch = rowChunks * colChunks;
        int batch = chunk / perBatch;
        int rc = (chunk % perBatch) / colChunks;
        int cc = chunk % colChunks;
        int r0 = rc * rowsPerChunk;
        int r1 = Math.min(m, r0 + rowsPerChunk);
        int j0 = cc * colsPerChunk;
        int j1 = Math.min(n, j0 + colsPerChunk);
        int ao = Math.toIntExact(aOff + batch * aBatch);
        int bo = Math.toIntExact(bOff + batch * bBatch);
        int co = Math.toIntExact(cOff + batch * cBatch);
        block(ao, bo, co, r0, r1, j0, j1, worker);
    }

    private void block(int ao, int bo, int co, int r0, int r1, int j0, int j1, int worker) {
        float[] pack = packBuffers[worker];
        float[] apack = packA[worker];
        float[] acc = accTiles[worker];
        boolean packed = ownB && ownBStart[worker] >= 0;
        int packStart = shareB ? 0 : packed ? ownBStart[worker] : HeapAlignment.alignedStart(pack);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            int panels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bp = pack;
                int bpOff = packStart;
                if (shareB) {
                    bp = sharedB;
                    bpOff = sharedBStart + pc * nPad + jc * kc;
                } else if (!packed) {
                    packB(bo, pc, kc, jc, nc, pack, packStart, acc);
                    if (ownB) {
                        ownBStart[worker] = packStart; // this worker's next chunk needs the same pack
                    }
                }
                float betaBlock = pc == 0 ? beta : 1f;
                for (int ic = r0; ic < r1; ic += MC) {
                    int mc = Math.min(MC, r1 - ic);
                    float[] ap = apack;
                    int apOff = 0;
                    if (shareA) {
                        ap = sharedA;
                        apOff = pc * mPad + ic * kc;
                    } else {
                        MicroKernels.packA(a, ao + ic * rsA + pc * csA, rsA, csA, mc, kc, apack);
                    }
                    for (int jp = 0; jp < panels; jp++) {
                        int ncols = Math.min(NR, nc - jp * NR);
                        MicroKernels.tile(ap, apOff, bp, bpOff + jp * kc * NR, NR,
                                c, co + ic * ldc + jc + jp * NR, ldc,
                                mc, ncols, kc, alpha, betaBlock, acc);
                    }
                }
            }
        }
    }

    /** Packs B[pc..pc+kc, jc..jc+nc] into NR-wide panels at {@code pack[packOff..]}, zero-padding the last one. */
    private void packB(int bo, int pc, int kc, int jc, int nc, float[] pack, int packOff, float[] transposeTmp) {
        int panels = (nc + NR - 1) / NR;
        for (int jp = 0; jp < panels; jp++) {
            int base = packOff + jp * kc * NR;
            int cols = Math.min(NR, nc - jp * NR);
            int col0 = jc + jp * NR;
            if (csB == 1) {
                for (int p = 0; p < kc; p++) {
                    int src = bo + (pc + p) * rsB + col0;
                    int dst = base + p * NR;
                    System.arraycopy(b, src, pack, dst, cols);
                    if (cols < NR) {
                        java.util.Arrays.fill(pack, dst + cols, dst + NR, 0f);
                    }
                }
            } else {
                if (rsB == 1) {
                    // Transposed B: each column is a contiguous run of depths (the scalar loop below writes one
                    // cache line per element).
                    MicroKernels.transposeRows(b, bo + pc + col0 * csB, csB, cols, kc, pack, base, NR, transposeTmp);
                } else {
                    for (int jj = 0; jj < cols; jj++) {
                        int src = bo + pc * rsB + (col0 + jj) * csB;
                        int dst = base + jj;
                        for (int p = 0; p < kc; p++) {
                            pack[dst + p * NR] = b[src + p * rsB];
                        }
                    }
                }
                if (cols < NR) {
                    for (int p = 0; p < kc; p++) {
                        java.util.Arrays.fill(pack, base + p * NR + cols, base + (p + 1) * NR, 0f);
                    }
                }
            }
        }
    }
}
