package io.fusion4j.tensor.onednn;

import io.fusion4j.api.backend.Precision;
import io.fusion4j.tensor.cpu.CpuWorkers;
import io.fusion4j.tensor.cpu.HostMatmul;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * bf16 matrix products through oneDNN's matmul primitive, on the CPU backend's own workers.
 *
 * <p>A product is cut into chunks of {@link #ROWS} rows of C (the last one padded to a power of two, at least 16),
 * whatever the thread count, so a row's result never depends on how many threads ran: same bits for any thread
 * count, as the built-in SGEMM. B is rounded to bf16 once per call, in parallel; each chunk rounds its rows of A,
 * runs a single-threaded primitive (OpenMP held to one thread on each worker, so no second pool competes for the
 * cores), and writes {@code alpha·AB + beta·C} back into the heap array while the rows are still in cache.
 * Primitives are cached per (chunk rows, N, K, operand layouts) and per worker: oneDNN's default scratchpad belongs
 * to the primitive, so two threads never run the same one.
 */
final class OneDnnMatmul implements HostMatmul, CpuWorkers.Chunk {
    static final int ROWS = 128;
    private static final int MIN_ROWS = 16;
    /** Elements of B one conversion task rounds: enough to pay for the hand-off, small enough to balance. */
    private static final int CONVERT_GRAIN = 1 << 15;
    private static final int MAX_ENTRIES = 256;

    private final OneDnnLibrary lib;
    private final CpuWorkers pool;
    private final long engine;
    private final Worker[] workers;
    private final Entry[] entries = new Entry[MAX_ENTRIES];
    private int entryCount;
    private final NativeBuffer bBuf = new NativeBuffer();
    private final CpuWorkers.Chunk convertB = this::convertB;
    private boolean closed;

    // The current problem (set by run, read by workers).
    private float[] a, b, c;
    private int aOff, rsA, csA, bOff, rsB, csB, cOff, ldc;
    private long aBatch, bBatch, cBatch;
    private int m, n, k, rowChunks, bCount, bLinesPerTask, bTasksPerBatch;
    private float alpha, beta;
    private boolean aCol, bCol;
    private Entry full, rest;

    OneDnnMatmul(OneDnnLibrary lib, CpuWorkers pool) {
        this.lib = lib;
        this.pool = pool;
        this.workers = new Worker[pool.threads()];
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment out = tmp.allocate(ValueLayout.JAVA_LONG);
            OneDnnLibrary.check(call(lib.engineCreate, out.address(), OneDnnLibrary.ENGINE_CPU, 0L), "dnnl_engine_create");
            this.engine = out.get(ValueLayout.JAVA_LONG, 0);
            try {
                for (int w = 0; w < workers.length; w++) {
                    OneDnnLibrary.check(call(lib.streamCreate, out.address(), engine, OneDnnLibrary.STREAM_IN_ORDER),
                            "dnnl_stream_create");
                    workers[w] = new Worker(out.get(ValueLayout.JAVA_LONG, 0));
                }
            } catch (RuntimeException e) {
                for (Worker w : workers) {
                    if (w != null) {
                        call(lib.streamDestroy, w.stream);
                    }
                }
                call(lib.engineDestroy, engine);
                throw e;
            }
        }
    }

    @Override
    public String description() {
        return "oneDNN " + lib.version() + " (" + lib.path + "), bf16 operands on " + lib.bf16Isa()
                + ", fp32 accumulation";
    }

    @Override
    public Precision precision() {
        return Precision.BF16;
    }

    /**
     * AVX512-BF16's VDPBF16PS does two bf16 products per fp32 lane where an FMA does one, so twice the fp32 peak (from
     * the instruction's definition, not measured). AMX tiles have a peak of their own that this build does not
     * know: empty, and MFU is then shown against fp32.
     */
    @Override
    public java.util.Optional<io.fusion4j.api.backend.PeakFlops> peak(io.fusion4j.api.backend.PeakFlops fp32) {
        if (!"AVX512-BF16".equals(lib.bf16Isa())) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new io.fusion4j.api.backend.PeakFlops(2 * fp32.gigaflops(),
                "2 × the fp32 peak (" + fp32.source() + "): VDPBF16PS does two bf16 products per fp32 lane"));
    }

    @Override
    public void run(float[] a, int aOff, int rsA, int csA, long aBatch,
                    float[] b, int bOff, int rsB, int csB, long bBatch,
                    float[] c, int cOff, int ldc, long cBatch,
                    int batches, int m, int n, int k, float alpha, float beta) {
        if (closed) {
            throw new IllegalStateException("the onednn backend is closed");
        }
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
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        // A column-major operand (a transposed view) is kept so: its columns are contiguous runs. Any other
        // layout is gathered row by row into row-major.
        aCol = csA != 1 && rsA == 1;
        bCol = csB != 1 && rsB == 1;
        try {
            bCount = bBatch == 0 ? 1 : batches;
            bBuf.ensure((long) bCount * k * n * Short.BYTES);
            int lines = bCol ? n : k;
            int lineLength = bCol ? k : n;
            bLinesPerTask = Math.max(1, CONVERT_GRAIN / lineLength);
            bTasksPerBatch = (lines + bLinesPerTask - 1) / bLinesPerTask;
            pool.run(bCount * bTasksPerBatch, convertB);

            rowChunks = (m + ROWS - 1) / ROWS;
            if (entryCount > MAX_ENTRIES - 2) {
                // Shapes a model uses are few (four chunk heights per layer shape); this many means a sweep. Start
                // over, before this call's two lookups, so neither can be destroyed after it is found.
                clearEntries();
            }
            full = m >= ROWS ? entry(ROWS) : null;
            rest = m % ROWS != 0 ? entry(padded(m % ROWS)) : null;
            pool.run(batches * rowChunks, this);
        } finally {
            this.a = null;
            this.b = null;
            this.c = null;
        }
    }

    /** Rows a chunk of {@code rows} rows is computed as: the next power of two, at least {@link #MIN_ROWS}. */
    static int padded(int rows) {
        return rows >= ROWS ? ROWS : Math.max(MIN_ROWS, Integer.highestOneBit(rows - 1) << 1);
    }

    /** One task of B's rounding: {@link #bLinesPerTask} rows (or columns, when B is column-major) of one batch. */
    private void convertB(int task, int worker) {
        int batch = task / bTasksPerBatch;
        int first = (task % bTasksPerBatch) * bLinesPerTask;
        int lines = bCol ? n : k;
        int last = Math.min(lines, first + bLinesPerTask);
        int base = Math.toIntExact(bOff + batch * bBatch);
        long dstBase = (long) batch * k * n;
        MemorySegment dst = bBuf.segment;
        for (int line = first; line < last; line++) {
            if (bCol) {
                Bf16Rounding.round(b, base + line * csB, 1, k, dst, dstBase + (long) line * k);
            } else {
                Bf16Rounding.round(b, base + line * rsB, csB, n, dst, dstBase + (long) line * n);
            }
        }
    }

    @Override
    public void run(int chunk, int worker) {
        int batch = chunk / rowChunks;
        int r0 = (chunk % rowChunks) * ROWS;
        int rows = Math.min(ROWS, m - r0);
        Entry e = rows == ROWS ? full : rest;
        int p = e.rows;
        Worker w = workers[worker];
        w.a.ensure((long) p * k * Short.BYTES);
        w.c.ensure((long) p * n * Float.BYTES);
        int base = Math.toIntExact(aOff + batch * aBatch);
        MemorySegment as = w.a.segment;
        if (aCol) {
            for (int q = 0; q < k; q++) {
                Bf16Rounding.round(a, base + q * csA + r0, 1, rows, as, (long) q * p);
            }
        } else {
            for (int i = 0; i < rows; i++) {
                Bf16Rounding.round(a, base + (r0 + i) * rsA, csA, k, as, (long) i * k);
            }
        }
        // Before the primitive is made: oneDNN sizes a primitive's thread team (and its blocking) from the
        // calling thread's OpenMP setting when it creates it, so a primitive made at the default would spawn a
        // team from every worker and could block K differently from its twin on another worker.
        if (lib.ompSetNumThreads != null) {
            setOmpThreads(1);
        }
        long prim = e.primitive(worker);
        long bAddress = bBuf.segment.address() + (bBatch == 0 ? 0 : (long) batch * k * n * Short.BYTES);
        OneDnnLibrary.check(call(lib.memorySetDataHandle, e.memA[worker], as.address()), "dnnl_memory_set_data_handle");
        OneDnnLibrary.check(call(lib.memorySetDataHandle, e.memB[worker], bAddress), "dnnl_memory_set_data_handle");
        OneDnnLibrary.check(call(lib.memorySetDataHandle, e.memC[worker], w.c.segment.address()), "dnnl_memory_set_data_handle");
        OneDnnLibrary.check(call(lib.primitiveExecute, prim, w.stream, 3, e.args[worker].address()), "dnnl_primitive_execute");
        OneDnnLibrary.check(call(lib.streamWait, w.stream), "dnnl_stream_wait");
        int cBase = Math.toIntExact(cOff + batch * cBatch);
        MemorySegment cs = w.c.segment;
        for (int i = 0; i < rows; i++) {
            Bf16Rounding.store(cs, (long) i * n, c, cBase + (r0 + i) * ldc, n, alpha, beta);
        }
    }

    /** The cached shape for chunks of {@code rows} rows of the current problem; made on first use (caller thread). */
    private Entry entry(int rows) {
        for (int i = 0; i < entryCount; i++) {
            Entry e = entries[i];
            if (e.rows == rows && e.n == n && e.k == k && e.aCol == aCol && e.bCol == bCol) {
                return e;
            }
        }
        Entry e = new Entry(rows, n, k, aCol, bCol);
        entries[entryCount++] = e;
        return e;
    }

    private void clearEntries() {
        for (int i = 0; i < entryCount; i++) {
            entries[i].destroy();
            entries[i] = null;
        }
        entryCount = 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clearEntries();
        for (Worker w : workers) {
            call(lib.streamDestroy, w.stream);
            w.a.free();
            w.c.free();
        }
        bBuf.free();
        call(lib.engineDestroy, engine);
    }

    /** A worker's stream and its scratch for one chunk: A's rounded rows and C's fp32 result. */
    private static final class Worker {
        final long stream;
        final NativeBuffer a = new NativeBuffer();
        final NativeBuffer c = new NativeBuffer();

        Worker(long stream) {
            this.stream = stream;
        }
    }

    /** Native memory that grows on demand (64-byte aligned), freed when replaced or closed. */
    private static final class NativeBuffer {
        Arena arena;
        MemorySegment segment;

        void ensure(long bytes) {
            if (segment != null && segment.byteSize() >= bytes) {
                return;
            }
            long size = Math.max(bytes, segment == null ? 0 : segment.byteSize() * 2);
            free();
            arena = Arena.ofShared();
            segment = arena.allocate(size, 64);
        }

        void free() {
            if (arena != null) {
                arena.close();
                arena = null;
                segment = null;
            }
        }
    }

    /**
     * One product shape: chunk rows, N, K and the operand layouts; per worker a primitive (made by that worker on
     * first use), the three memory objects it reads and writes, and its argument list.
     */
    private final class Entry {
        final int rows, n, k;
        final boolean aCol, bCol;
        final long[] prim, memA, memB, memC;
        final MemorySegment[] args;
        private final Arena arena = Arena.ofShared();

        Entry(int rows, int n, int k, boolean aCol, boolean bCol) {
            this.rows = rows;
            this.n = n;
            this.k = k;
            this.aCol = aCol;
            this.bCol = bCol;
            int t = workers.length;
            prim = new long[t];
            memA = new long[t];
            memB = new long[t];
            memC = new long[t];
            args = new MemorySegment[t];
        }

        /** This worker's primitive, made on its first call. */
        long primitive(int worker) {
            if (prim[worker] == 0) {
                create(worker);
            }
            return prim[worker];
        }

        private void create(int worker) {
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment aMd = tmp.allocate(OneDnnLibrary.MEMORY_DESC_BYTES, 64);
                MemorySegment bMd = tmp.allocate(OneDnnLibrary.MEMORY_DESC_BYTES, 64);
                MemorySegment cMd = tmp.allocate(OneDnnLibrary.MEMORY_DESC_BYTES, 64);
                MemorySegment op = tmp.allocate(OneDnnLibrary.MATMUL_DESC_BYTES, 64);
                MemorySegment out = tmp.allocate(ValueLayout.JAVA_LONG);
                describe(tmp, aMd, rows, k, OneDnnLibrary.DT_BF16, aCol ? 1 : k, aCol ? rows : 1);
                describe(tmp, bMd, k, n, OneDnnLibrary.DT_BF16, bCol ? 1 : n, bCol ? k : 1);
                describe(tmp, cMd, rows, n, OneDnnLibrary.DT_F32, n, 1);
                OneDnnLibrary.check(call(lib.matmulDescInit, op.address(), aMd.address(), bMd.address(), 0L, cMd.address()),
                        "dnnl_matmul_desc_init");
                OneDnnLibrary.check(call(lib.primitiveDescCreate, out.address(), op.address(), 0L, engine, 0L),
                        "dnnl_primitive_desc_create (matmul " + rows + "x" + k + "x" + n + ", bf16)");
                long pd = out.get(ValueLayout.JAVA_LONG, 0);
                long p = 0;
                try {
                    OneDnnLibrary.check(call(lib.primitiveCreate, out.address(), pd), "dnnl_primitive_create");
                    p = out.get(ValueLayout.JAVA_LONG, 0);
                    memA[worker] = memory(out, aMd);
                    memB[worker] = memory(out, bMd);
                    memC[worker] = memory(out, cMd);
                    MemorySegment list = arena.allocate(3 * 16, 8);
                    argument(list, 0, OneDnnLibrary.ARG_SRC, memA[worker]);
                    argument(list, 1, OneDnnLibrary.ARG_WEIGHTS, memB[worker]);
                    argument(list, 2, OneDnnLibrary.ARG_DST, memC[worker]);
                    args[worker] = list;
                    prim[worker] = p;
                } catch (RuntimeException e) {
                    // Nothing half-made survives: the next call makes the whole set again.
                    for (long[] mem : new long[][]{memA, memB, memC}) {
                        if (mem[worker] != 0) {
                            call(lib.memoryDestroy, mem[worker]);
                            mem[worker] = 0;
                        }
                    }
                    if (p != 0) {
                        call(lib.primitiveDestroy, p);
                    }
                    throw e;
                } finally {
                    call(lib.primitiveDescDestroy, pd);
                }
            }
        }

        private long memory(MemorySegment out, MemorySegment md) {
            OneDnnLibrary.check(call(lib.memoryCreate, out.address(), md.address(), engine, 0L), "dnnl_memory_create");
            return out.get(ValueLayout.JAVA_LONG, 0);
        }

        /** {@code dnnl_exec_arg_t {int arg; dnnl_memory_t memory;}}: 16 bytes with the pointer at 8. */
        private static void argument(MemorySegment list, int i, int arg, long memory) {
            list.set(ValueLayout.JAVA_INT, i * 16L, arg);
            list.set(ValueLayout.JAVA_LONG, i * 16L + 8, memory);
        }

        private void describe(Arena tmp, MemorySegment md, long rows, long cols, int dataType, long rowStride, long colStride) {
            MemorySegment dims = tmp.allocate(ValueLayout.JAVA_LONG, 2);
            MemorySegment strides = tmp.allocate(ValueLayout.JAVA_LONG, 2);
            dims.setAtIndex(ValueLayout.JAVA_LONG, 0, rows);
            dims.setAtIndex(ValueLayout.JAVA_LONG, 1, cols);
            strides.setAtIndex(ValueLayout.JAVA_LONG, 0, rowStride);
            strides.setAtIndex(ValueLayout.JAVA_LONG, 1, colStride);
            OneDnnLibrary.check(call(lib.memoryDescInitByStrides, md.address(), 2, dims.address(), dataType, strides.address()),
                    "dnnl_memory_desc_init_by_strides");
        }

        void destroy() {
            for (int w = 0; w < prim.length; w++) {
                if (prim[w] != 0) {
                    call(lib.primitiveDestroy, prim[w]);
                    call(lib.memoryDestroy, memA[w]);
                    call(lib.memoryDestroy, memB[w]);
                    call(lib.memoryDestroy, memC[w]);
                    prim[w] = 0;
                }
            }
            arena.close();
        }
    }

    private void setOmpThreads(int t) {
        try {
            lib.ompSetNumThreads.invokeExact(t);
        } catch (Throwable e) {
            throw new IllegalStateException("omp_set_num_threads failed", e);
        }
    }

    private static int call(MethodHandle h, long x) {
        try {
            return (int) h.invokeExact(x);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int call(MethodHandle h, long x, long y) {
        try {
            return (int) h.invokeExact(x, y);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int call(MethodHandle h, long x, int y, long z) {
        try {
            return (int) h.invokeExact(x, y, z);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int call(MethodHandle h, long x, long y, int z) {
        try {
            return (int) h.invokeExact(x, y, z);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int call(MethodHandle h, long x, long y, int z, long w) {
        try {
            return (int) h.invokeExact(x, y, z, w);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int call(MethodHandle h, long x, int y, long z, int w, long v) {
        try {
            return (int) h.invokeExact(x, y, z, w, v);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int call(MethodHandle h, long x, long y, long z, long w) {
        try {
            return (int) h.invokeExact(x, y, z, w);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int call(MethodHandle h, long x, long y, long z, long w, long v) {
        try {
            return (int) h.invokeExact(x, y, z, w, v);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            return r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new IllegalStateException("calling oneDNN failed", e);
    }
}
