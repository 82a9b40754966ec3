package io.fusion4j.tensor.cuda;

import static io.fusion4j.api.backend.KernelChecks.bad;
import static io.fusion4j.api.backend.KernelChecks.f32;
import static io.fusion4j.api.backend.KernelChecks.i32;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.function.ToLongFunction;

/**
 * The CUDA backend: device-memory tensors and the kernels of {@code fusion4j_kernels.cu}, GEMMs through
 * cuBLAS when it is found and the built-in tiled kernel otherwise. Every driver call runs on the
 * device's owner thread; kernels are queued on one stream and results are read after a sync.
 * FLOPs are counted by {@link KernelFlops}, as on every backend.
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaDevice device;
    private final FlopCounter flops = new FlopCounter();
    private AttentionMask maskOnDevice;
    private DeviceBuffer maskStarts;
    private DeviceBuffer maskEnds;
    private DeviceBuffer scratch;
    private boolean closed;

    CudaBackend(CudaDevice device) {
        this.device = device;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String deviceDescription() {
        return String.format("%s, compute %d.%d, %d SMs, %.1f GiB, driver %d.%d, kernels from %s, GEMM by %s",
                device.name, device.ccMajor, device.ccMinor, device.multiprocessors, device.totalMemory / 1073741824.0,
                device.driverVersion / 1000, device.driverVersion % 1000 / 10, device.kernelOrigin,
                device.hasCublas() ? "cuBLAS (" + device.cublas.location + ")" : "the built-in tiled kernel");
    }

    @Override
    public int threads() {
        return device.multiprocessors;
    }

    @Override
    public FlopCounter flops() {
        return flops;
    }

    // ---------------------------------------------------------------- helpers

    CudaStorage newStorage(DType dtype, long elements) {
        DeviceBuffer buf = device.allocate(elements * dtype.byteSize());
        return new CudaStorage(buf, dtype, elements);
    }

    private static CudaStorage st(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s)) {
            throw new IllegalArgumentException("tensor " + t + " belongs to backend '" + t.storage().backendName()
                    + "', not 'cuda'; copy it through the host first");
        }
        return s;
    }

    private static long ptr(Tensor t) {
        return st(t).address(t.offset());
    }

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, 1L << 16));
    }

    /** Element-wise launch over {@code n} items (grid-stride). */
    private void each(Kernel k, long n, Object... args) {
        if (n == 0) {
            return;
        }
        device.run(() -> device.launch(k, blocks(n), 1, 1, THREADS, 1, 1, args));
    }

    /** One block of {@link #THREADS} per row. */
    private void perRow(Kernel k, long rows, Object... args) {
        if (rows == 0) {
            return;
        }
        device.run(() -> device.launch(k, (int) rows, 1, 1, THREADS, 1, 1, args));
    }

    /** One thread per item in blocks of {@link #THREADS} (non-grid-stride kernels). */
    private void perThread(Kernel k, long items, Object... args) {
        if (items == 0) {
            return;
        }
        device.run(() -> device.launch(k, (int) ((items + THREADS - 1) / THREADS), 1, 1, THREADS, 1, 1, args));
    }

    private DeviceBuffer scratch(long bytes) {
        if (scratch == null || scratch.bytes < bytes) {
            if (scratch != null) {
                device.synchronize();
                scratch.close();
            }
            scratch = device.allocate(Math.max(bytes, 4096));
        }
        return scratch;
    }

    void zero(Tensor t) {
        long bytes = t.numel() * t.dtype().byteSize();
        if (bytes > 0) {
            device.run(() -> device.driver.memsetZero(ptr(t), bytes));
        }
    }

    private int[] readInts(Tensor t) {
        int[] out = new int[(int) t.numel()];
        copyToHost(t, out);
        return out;
    }

    /** Position of the first index outside [0, bound), or -1, computed on the device. */
    private void checkIndices(String kernel, String arg, Tensor idx, int bound) {
        long n = idx.numel();
        if (n == 0) {
            return;
        }
        DeviceBuffer flag = scratch(8);
        device.run(() -> {
            try (Arena a = Arena.ofConfined()) {
                device.driver.copyHtoD(flag.pointer, a.allocateFrom(JAVA_LONG, n), 8);
            }
            device.launch(Kernel.check_indices_i32, blocks(n), 1, 1, THREADS, 1, 1, ptr(idx), n, bound, flag.pointer);
        });
        long first = readLong(flag);
        if (first < n) {
            int[] all = readInts(idx);
            throw KernelChecks.badIndex(kernel, arg, bound, all[(int) first], first);
        }
    }

    private long readLong(DeviceBuffer b) {
        return device.call(() -> {
            device.driver.synchronize(device.stream);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = a.allocate(JAVA_LONG);
                device.driver.copyDtoH(m, b.pointer, 8);
                return m.get(JAVA_LONG, 0);
            }
        });
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Tensor allocate(DType dtype, Shape shape) {
        CudaStorage s = newStorage(dtype, Math.max(shape.numel(), 1));
        DeviceBuffer buf = s.buffer;
        CLEANER.register(s, buf::close);
        Tensor t = new Tensor(s, 0, shape, false, null, 0);
        zero(t);
        return t;
    }

    @Override
    public StepArena newArena() {
        return new CudaArena(this);
    }

    @Override
    public void copyFromHost(float[] src, Tensor dst) {
        KernelChecks.hostFloats("copyFromHost", "dst", dst, src.length, "src");
        long p = ptr(dst);
        switch (dst.dtype()) {
            case F32 -> device.run(() -> {
                try (Arena a = Arena.ofConfined()) {
                    device.driver.copyHtoD(p, a.allocateFrom(JAVA_FLOAT, src), 4L * src.length);
                }
            });
            case BF16 -> {
                short[] h = new short[src.length];
                for (int i = 0; i < h.length; i++) {
                    h[i] = DType.toBf16(src[i]);
                }
                device.run(() -> {
                    try (Arena a = Arena.ofConfined()) {
                        device.driver.copyHtoD(p, a.allocateFrom(JAVA_SHORT, h), 2L * h.length);
                    }
                });
            }
        }
        flops.add(KernelFlops.copyFromHost());
    }

    @Override
    public void copyFromHost(int[] src, Tensor dst) {
        KernelChecks.hostInts("copyFromHost", "dst", dst, src.length, "src");
        long p = ptr(dst);
        device.run(() -> {
            try (Arena a = Arena.ofConfined()) {
                device.driver.copyHtoD(p, a.allocateFrom(JAVA_INT, src), 4L * src.length);
            }
        });
        flops.add(KernelFlops.copyFromHost());
    }

    @Override
    public void copyToHost(Tensor src, float[] dst) {
        KernelChecks.hostFloats("copyToHost", "src", src, dst.length, "dst");
        long p = ptr(src);
        boolean bf16 = src.dtype() == DType.BF16;
        device.run(() -> {
            device.driver.synchronize(device.stream);
            try (Arena a = Arena.ofConfined()) {
                long bytes = (long) dst.length * (bf16 ? 2 : 4);
                MemorySegment m = a.allocate(Math.max(bytes, 1));
                device.driver.copyDtoH(m, p, bytes);
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = bf16 ? DType.fromBf16(m.getAtIndex(JAVA_SHORT, i)) : m.getAtIndex(JAVA_FLOAT, i);
                }
            }
        });
        flops.add(KernelFlops.copyToHost());
    }

    @Override
    public void copyToHost(Tensor src, int[] dst) {
        KernelChecks.hostInts("copyToHost", "src", src, dst.length, "dst");
        long p = ptr(src);
        device.run(() -> {
            device.driver.synchronize(device.stream);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = a.allocate(Math.max(4L * dst.length, 1));
                device.driver.copyDtoH(m, p, 4L * dst.length);
                MemorySegment.copy(m, JAVA_INT, 0, dst, 0, dst.length);
            }
        });
        flops.add(KernelFlops.copyToHost());
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.copy(src, dst);
        DType from = src.dtype();
        DType to = dst.dtype();
        long n = src.numel();
        if (from == to) {
            device.run(() -> device.driver.copyDtoD(ptr(dst), ptr(src), n * from.byteSize()));
        } else if (from == DType.F32 && to == DType.BF16) {
            each(Kernel.f32_to_bf16, n, ptr(src), ptr(dst), n);
        } else if (from == DType.BF16 && to == DType.F32) {
            each(Kernel.bf16_to_f32, n, ptr(src), ptr(dst), n);
        } else {
            throw bad("copy", "dst", "the dtype of 'src' (" + from + ") or a float type when src is float", to);
        }
        flops.add(KernelFlops.copy());
    }

    @Override
    public void fill(Tensor t, float value) {
        KernelChecks.plainView("fill", "t", t);
        switch (t.dtype()) {
            case F32 -> each(Kernel.fill_f32, t.numel(), ptr(t), t.numel(), value);
            case BF16 -> each(Kernel.fill_bf16, t.numel(), ptr(t), t.numel(), value);
            case I32 -> throw bad("fill", "t", "a float tensor", "I32");
        }
        flops.add(KernelFlops.fill());
    }

    // ---------------------------------------------------------------- GEMM

    /** Row-major {@code C = alpha·op(A)·op(B) + beta·C}, {@code batches} at element strides. */
    private void gemmCore(boolean ta, boolean tb, int m, int n, int k, float alpha, long a, long strideA,
                          long b, long strideB, float beta, long c, long strideC, int batches) {
        if (m == 0 || n == 0 || batches == 0) {
            return;
        }
        device.run(() -> {
            if (device.hasCublas()) {
                device.cublas.gemm(device.cublasHandle(), ta, tb, m, n, k, alpha, a, strideA * 4, b, strideB * 4,
                        beta, c, strideC * 4, batches);
            } else {
                long rsA = ta ? 1 : k;
                long csA = ta ? m : 1;
                long rsB = tb ? 1 : n;
                long csB = tb ? k : 1;
                device.launch(Kernel.sgemm_strided_f32, (n + 31) / 32, (m + 31) / 32, batches, 32, 32, 1,
                        a, b, c, m, n, k, rsA, csA, rsB, csB, n, strideA, strideB, strideC, alpha, beta);
            }
        });
    }

    @Override
    public void gemm(Tensor a, Tensor b, Tensor c, float alpha, float beta) {
        KernelChecks.GemmDims d = KernelChecks.gemm(a, b, c);
        gemmCore(a.isTransposed(), b.isTransposed(), d.m(), d.n(), d.k(), alpha, ptr(a), (long) d.m() * d.k(),
                ptr(b), (long) d.k() * d.n(), beta, ptr(c), (long) d.m() * d.n(), d.batches());
        flops.add(KernelFlops.gemm(d.batches(), d.m(), d.n(), d.k()));
    }

    @Override
    public void groupedGemm(Tensor a, Tensor b, Tensor offsets, Tensor c, float beta) {
        KernelChecks.GroupedDims d = KernelChecks.groupedGemm(a, b, offsets, c);
        int[] o = readInts(offsets);
        KernelChecks.groupOffsets("groupedGemm", o, 0, d.groups(), d.rows());
        for (int g = 0; g < d.groups(); g++) {
            int rows = o[g + 1] - o[g];
            if (rows == 0) {
                continue;
            }
            gemmCore(false, b.isTransposed(), rows, d.n(), d.k(), 1f, ptr(a) + 4L * o[g] * d.k(), 0,
                    ptr(b) + 4L * g * d.k() * d.n(), 0, beta, ptr(c) + 4L * o[g] * d.n(), 0, 1);
        }
        flops.add(KernelFlops.groupedGemm(o[d.groups()], d.k(), d.n()));
    }

    @Override
    public void groupedGemmWeightGrad(Tensor a, Tensor dy, Tensor offsets, Tensor db, float beta) {
        KernelChecks.GroupedDims d = KernelChecks.groupedGemmWeightGrad(a, dy, offsets, db);
        int[] o = readInts(offsets);
        KernelChecks.groupOffsets("groupedGemmWeightGrad", o, 0, d.groups(), d.rows());
        for (int g = 0; g < d.groups(); g++) {
            int rows = o[g + 1] - o[g];
            long dbg = ptr(db) + 4L * g * d.k() * d.n();
            if (rows == 0) {
                long n = (long) d.k() * d.n();
                if (beta == 0f) { // as in gemm, beta 0 ignores the old contents: 0 · NaN would stay NaN
                    each(Kernel.fill_f32, n, dbg, n, 0f);
                } else if (beta != 1f) {
                    each(Kernel.scale_f32, n, dbg, beta, dbg, n);
                }
                continue;
            }
            // db[g] (K×N) = a_gᵀ · dy_g: a_g's storage [rows, K] is the transposed view of a [K, rows] operand.
            gemmCore(true, false, d.k(), d.n(), rows, 1f, ptr(a) + 4L * o[g] * d.k(), 0, ptr(dy) + 4L * o[g] * d.n(), 0,
                    beta, dbg, 0, 1);
        }
        flops.add(KernelFlops.groupedGemm(o[d.groups()], d.k(), d.n()));
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        boolean row = KernelChecks.binaryBroadcast("add", a, b, out);
        each(Kernel.add_f32, a.numel(), ptr(a), ptr(b), ptr(out), a.numel(), row ? a.shape().cols() : 0L);
        flops.add(KernelFlops.add(a));
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        boolean row = KernelChecks.binaryBroadcast("mul", a, b, out);
        each(Kernel.mul_f32, a.numel(), ptr(a), ptr(b), ptr(out), a.numel(), row ? a.shape().cols() : 0L);
        flops.add(KernelFlops.mul(a));
    }

    @Override
    public void axpby(float alpha, Tensor a, float beta, Tensor b, Tensor out) {
        KernelChecks.axpby(a, b, out);
        each(Kernel.axpby_f32, a.numel(), alpha, ptr(a), beta, ptr(b), ptr(out), a.numel());
        flops.add(KernelFlops.axpby(a));
    }

    @Override
    public void scale(Tensor a, float s, Tensor out) {
        f32("scale", "a", a);
        KernelChecks.likeRef("scale", "out", out, "a", a);
        each(Kernel.scale_f32, a.numel(), ptr(a), s, ptr(out), a.numel());
        flops.add(KernelFlops.scale(a));
    }

    @Override
    public void mulRows(Tensor x, Tensor s, Tensor out) {
        KernelChecks.mulRows(x, s, out);
        each(Kernel.mul_rows_f32, x.numel(), ptr(x), ptr(s), ptr(out), x.numel(), Math.max(1L, x.shape().cols()));
        flops.add(KernelFlops.mulRows(x));
    }

    @Override
    public void rowDot(Tensor a, Tensor b, Tensor out) {
        KernelChecks.rowDot(a, b, out);
        perRow(Kernel.row_dot_f32, a.shape().rows(), ptr(a), ptr(b), ptr(out), (int) a.shape().cols());
        flops.add(KernelFlops.rowDot(a));
    }

    private void unaryOp(Kernel k, String name, Tensor x, Tensor out, ToLongFunction<Tensor> count) {
        KernelChecks.unary(name, x, out);
        each(k, x.numel(), ptr(x), ptr(out), x.numel());
        flops.add(count.applyAsLong(x));
    }

    private void unaryGrad(Kernel k, String name, String xName, Tensor x, Tensor dy, Tensor dx,
                           ToLongFunction<Tensor> count) {
        KernelChecks.unaryBackward(name, xName, x, dy, dx);
        each(k, x.numel(), ptr(x), ptr(dy), ptr(dx), x.numel());
        flops.add(count.applyAsLong(x));
    }

    @Override
    public void silu(Tensor x, Tensor out) {
        unaryOp(Kernel.silu_f32, "silu", x, out, KernelFlops::silu);
    }

    @Override
    public void siluBackward(Tensor x, Tensor dy, Tensor dx) {
        unaryGrad(Kernel.silu_bwd_f32, "siluBackward", "x", x, dy, dx, KernelFlops::siluBackward);
    }

    @Override
    public void gelu(Tensor x, Tensor out) {
        unaryOp(Kernel.gelu_f32, "gelu", x, out, KernelFlops::gelu);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        unaryGrad(Kernel.gelu_bwd_f32, "geluBackward", "x", x, dy, dx, KernelFlops::geluBackward);
    }

    @Override
    public void sigmoid(Tensor x, Tensor out) {
        unaryOp(Kernel.sigmoid_f32, "sigmoid", x, out, KernelFlops::sigmoid);
    }

    @Override
    public void sigmoidBackward(Tensor y, Tensor dy, Tensor dx) {
        unaryGrad(Kernel.sigmoid_bwd_f32, "sigmoidBackward", "y", y, dy, dx, KernelFlops::sigmoidBackward);
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor out) {
        KernelChecks.swiglu(gate, up, out);
        each(Kernel.swiglu_f32, gate.numel(), ptr(gate), ptr(up), ptr(out), gate.numel());
        flops.add(KernelFlops.swiglu(gate));
    }

    @Override
    public void swigluBackward(Tensor gate, Tensor up, Tensor dOut, Tensor dGate, Tensor dUp) {
        KernelChecks.swigluBackward(gate, up, dOut, dGate, dUp);
        each(Kernel.swiglu_bwd_f32, gate.numel(), ptr(gate), ptr(up), ptr(dOut), ptr(dGate), ptr(dUp), gate.numel());
        flops.add(KernelFlops.swigluBackward(gate));
    }

    // ---------------------------------------------------------------- reductions and norms

    @Override
    public void reduceLastDim(Reduction op, Tensor x, Tensor out) {
        KernelChecks.reduceLastDim(x, out);
        perRow(Kernel.reduce_rows_f32, x.shape().rows(), ptr(x), ptr(out), (int) x.shape().cols(), op.ordinal());
        flops.add(KernelFlops.reduceLastDim(op, x));
    }

    @Override
    public double squaredNorm(Tensor x) {
        f32("squaredNorm", "x", x);
        long n = x.numel();
        flops.add(KernelFlops.squaredNorm(x));
        if (n == 0) {
            return 0;
        }
        int parts = (int) Math.min(1024, blocks(n));
        DeviceBuffer partial = scratch(8L * parts);
        return device.call(() -> {
            device.launch(Kernel.sum_squares_partial_f32, parts, 1, 1, THREADS, 1, 1, ptr(x), n, partial.pointer);
            device.driver.synchronize(device.stream);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = a.allocate(8L * parts);
                device.driver.copyDtoH(m, partial.pointer, 8L * parts);
                double total = 0;
                for (int i = 0; i < parts; i++) {
                    total += m.getAtIndex(JAVA_DOUBLE, i); // fixed order: deterministic
                }
                return total;
            }
        });
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
        KernelChecks.rmsNorm(x, weight, out, rstd);
        perRow(Kernel.rmsnorm_f32, x.shape().rows(), ptr(x), ptr(weight), eps, ptr(out), ptr(rstd), (int) x.shape().cols());
        flops.add(KernelFlops.rmsNorm(x));
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight) {
        KernelChecks.rmsNormBackward(x, weight, rstd, dy, dx, dWeight);
        int cols = (int) x.shape().cols();
        long rows = x.shape().rows();
        perRow(Kernel.rmsnorm_bwd_dx_f32, rows, ptr(x), ptr(weight), ptr(rstd), ptr(dy), ptr(dx), cols);
        perThread(Kernel.rmsnorm_bwd_dw_f32, cols, ptr(x), ptr(rstd), ptr(dy), ptr(dWeight), (int) rows, cols);
        flops.add(KernelFlops.rmsNormBackward(x));
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
        KernelChecks.layerNorm(x, weight, bias, out, mean, rstd);
        perRow(Kernel.layernorm_f32, x.shape().rows(), ptr(x), ptr(weight), ptr(bias), eps, ptr(out), ptr(mean),
                ptr(rstd), (int) x.shape().cols());
        flops.add(KernelFlops.layerNorm(x));
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy,
                                  Tensor dx, Tensor dWeight, Tensor dBias) {
        KernelChecks.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
        int cols = (int) x.shape().cols();
        long rows = x.shape().rows();
        perRow(Kernel.layernorm_bwd_dx_f32, rows, ptr(x), ptr(weight), ptr(mean), ptr(rstd), ptr(dy), ptr(dx), cols);
        perThread(Kernel.layernorm_bwd_dwdb_f32, cols, ptr(x), ptr(mean), ptr(rstd), ptr(dy), ptr(dWeight), ptr(dBias),
                (int) rows, cols);
        flops.add(KernelFlops.layerNormBackward(x));
    }

    @Override
    public void softmax(Tensor x, Tensor out) {
        KernelChecks.unary("softmax", x, out);
        perRow(Kernel.softmax_f32, x.shape().rows(), ptr(x), ptr(out), (int) x.shape().cols());
        flops.add(KernelFlops.softmax(x));
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.unaryBackward("softmaxBackward", "y", y, dy, dx);
        perRow(Kernel.softmax_bwd_f32, y.shape().rows(), ptr(y), ptr(dy), ptr(dx), (int) y.shape().cols());
        flops.add(KernelFlops.softmaxBackward(y));
    }

    // ---------------------------------------------------------------- positions and attention

    @Override
    public void rope(Tensor x, Tensor positions, float theta, Tensor out) {
        KernelChecks.rope("rope", "x", x, positions, theta, out, "out");
        ropeLaunch(x, positions, theta, out, 1f);
        flops.add(KernelFlops.rope(x));
    }

    @Override
    public void ropeBackward(Tensor dy, Tensor positions, float theta, Tensor dx) {
        KernelChecks.rope("ropeBackward", "dy", dy, positions, theta, dx, "dx");
        ropeLaunch(dy, positions, theta, dx, -1f);
        flops.add(KernelFlops.ropeBackward(dy));
    }

    private void ropeLaunch(Tensor x, Tensor positions, float theta, Tensor out, float sign) {
        int rows = (int) (x.dim(0) * x.dim(1));
        int heads = (int) x.dim(2);
        int dim = (int) x.dim(3);
        each(Kernel.rope_f32, (long) rows * heads * (dim / 2), ptr(x), ptr(positions), theta, ptr(out), rows, heads, dim,
                sign);
    }

    private void uploadMask(AttentionMask mask) {
        if (mask == maskOnDevice) {
            return;
        }
        int[] s = mask.keyStarts();
        int[] e = mask.keyEnds();
        if (maskStarts == null || maskStarts.bytes < 4L * s.length) {
            device.synchronize();
            if (maskStarts != null) {
                maskStarts.close();
                maskEnds.close();
            }
            maskStarts = device.allocate(4L * s.length);
            maskEnds = device.allocate(4L * s.length);
        }
        device.run(() -> {
            device.driver.synchronize(device.stream);
            try (Arena a = Arena.ofConfined()) {
                device.driver.copyHtoD(maskStarts.pointer, a.allocateFrom(JAVA_INT, s), 4L * s.length);
                device.driver.copyHtoD(maskEnds.pointer, a.allocateFrom(JAVA_INT, e), 4L * e.length);
            }
        });
        maskOnDevice = mask;
    }

    private static void checkHeadDim(String kernel, int d) {
        if (d > 256) {
            throw bad(kernel, "q", "a head dim of at most 256 on the cuda backend", d);
        }
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
        KernelChecks.AttentionDims d = KernelChecks.attention(q, k, v, mask, out, lse);
        checkHeadDim("attention", d.dim());
        uploadMask(mask);
        long warps = (long) d.batch() * d.heads() * d.length();
        perThread(Kernel.attention_fwd_f32, warps * 32, ptr(q), ptr(k), ptr(v), ptr(out), ptr(lse), maskStarts.pointer,
                maskEnds.pointer, d.batch(), d.length(), d.heads(), d.dim(), scale);
        flops.add(KernelFlops.attention(mask, d.heads(), d.dim()));
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dOut,
                                  AttentionMask mask, float scale, Tensor dq, Tensor dk, Tensor dv) {
        KernelChecks.AttentionDims d = KernelChecks.attentionBackward(q, k, v, out, lse, dOut, mask, dq, dk, dv);
        checkHeadDim("attentionBackward", d.dim());
        uploadMask(mask);
        long warps = (long) d.batch() * d.heads() * d.length();
        DeviceBuffer di = scratch(4L * warps);
        perThread(Kernel.attention_di_f32, warps * 32, ptr(out), ptr(dOut), di.pointer, d.batch(), d.length(), d.heads(),
                d.dim());
        perThread(Kernel.attention_bwd_dq_f32, warps * 32, ptr(q), ptr(k), ptr(v), ptr(lse), di.pointer, ptr(dOut),
                ptr(dq), maskStarts.pointer, maskEnds.pointer, d.batch(), d.length(), d.heads(), d.dim(), scale);
        perThread(Kernel.attention_bwd_dkdv_f32, warps * 32, ptr(q), ptr(k), ptr(v), ptr(lse), di.pointer, ptr(dOut),
                ptr(dk), ptr(dv), maskStarts.pointer, maskEnds.pointer, d.batch(), d.length(), d.heads(), d.dim(), scale);
        flops.add(KernelFlops.attentionBackward(mask, d.heads(), d.dim()));
    }

    // ---------------------------------------------------------------- losses

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, float zLoss, Tensor losses, Tensor lse) {
        KernelChecks.crossEntropy(logits, targets, losses, lse);
        int cols = (int) logits.shape().cols();
        KernelChecks.targets("crossEntropy", readInts(targets), 0, (int) targets.numel(), cols);
        perRow(Kernel.cross_entropy_f32, logits.shape().rows(), ptr(logits), ptr(targets), zLoss, ptr(losses), ptr(lse),
                cols);
        flops.add(KernelFlops.crossEntropy(logits));
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, float zLoss, float gradScale,
                                     Tensor dLogits) {
        KernelChecks.crossEntropyBackward(logits, targets, lse, dLogits);
        int cols = (int) logits.shape().cols();
        KernelChecks.targets("crossEntropyBackward", readInts(targets), 0, (int) targets.numel(), cols);
        perRow(Kernel.cross_entropy_bwd_f32, logits.shape().rows(), ptr(logits), ptr(targets), ptr(lse), zLoss, gradScale,
                ptr(dLogits), cols);
        flops.add(KernelFlops.crossEntropyBackward(logits));
    }

    @Override
    public void mse(Tensor pred, Tensor target, Tensor out) {
        KernelChecks.mse(pred, target, out);
        perRow(Kernel.mse_f32, pred.shape().rows(), ptr(pred), ptr(target), ptr(out), (int) pred.shape().cols());
        flops.add(KernelFlops.mse(pred));
    }

    @Override
    public void mseBackward(Tensor pred, Tensor target, float gradScale, Tensor dPred) {
        KernelChecks.lossBackward("mseBackward", "pred", pred, "target", target, "dPred", dPred);
        float c = 2f * gradScale / Math.max(1, pred.shape().cols());
        each(Kernel.axpby_f32, pred.numel(), c, ptr(pred), -c, ptr(target), ptr(dPred), pred.numel());
        flops.add(KernelFlops.mseBackward(pred));
    }

    @Override
    public void bceWithLogits(Tensor logits, Tensor targets, Tensor out) {
        KernelChecks.bceWithLogits(logits, targets, out);
        each(Kernel.bce_f32, logits.numel(), ptr(logits), ptr(targets), ptr(out), logits.numel());
        flops.add(KernelFlops.bceWithLogits(logits));
    }

    @Override
    public void bceWithLogitsBackward(Tensor logits, Tensor targets, float gradScale, Tensor dLogits) {
        KernelChecks.lossBackward("bceWithLogitsBackward", "logits", logits, "targets", targets, "dLogits", dLogits);
        each(Kernel.bce_bwd_f32, logits.numel(), ptr(logits), ptr(targets), gradScale, ptr(dLogits), logits.numel());
        flops.add(KernelFlops.bceWithLogitsBackward(logits));
    }

    // ---------------------------------------------------------------- gather, scatter, top-k

    @Override
    public void gatherRows(Tensor src, Tensor idx, Tensor out) {
        KernelChecks.gatherRows(src, idx, out);
        checkIndices("gatherRows", "idx", idx, (int) src.shape().rows());
        int d = (int) src.shape().cols();
        each(Kernel.gather_rows_f32, idx.numel() * d, ptr(src), ptr(idx), ptr(out), idx.numel(), d);
        flops.add(KernelFlops.gatherRows());
    }

    @Override
    public void scatterAddRows(Tensor src, Tensor idx, Tensor weights, Tensor out) {
        KernelChecks.scatterAddRows(src, idx, weights, out);
        checkIndices("scatterAddRows", "idx", idx, (int) out.shape().rows());
        int d = (int) out.shape().cols();
        perThread(Kernel.scatter_add_rows_f32, d, ptr(src), ptr(idx), weights == null ? 0L : ptr(weights), ptr(out),
                idx.numel(), d);
        flops.add(KernelFlops.scatterAddRows(src));
    }

    @Override
    public void topK(Tensor x, int k, Tensor values, Tensor indices) {
        KernelChecks.topK(x, k, values, indices);
        long n = x.numel();
        if (n > 0) {
            DeviceBuffer flag = scratch(8);
            device.run(() -> {
                try (Arena a = Arena.ofConfined()) {
                    device.driver.copyHtoD(flag.pointer, a.allocateFrom(JAVA_LONG, n), 8);
                }
                device.launch(Kernel.first_nan_f32, blocks(n), 1, 1, THREADS, 1, 1, ptr(x), n, flag.pointer);
            });
            long first = readLong(flag);
            if (first < n) {
                long cols = x.shape().cols();
                throw bad("topK", "x", "free of NaN", "NaN at row " + first / cols + ", column " + first % cols);
            }
        }
        int rows = (int) x.shape().rows();
        perThread(Kernel.topk_f32, rows, ptr(x), rows, (int) x.shape().cols(), k, ptr(values), ptr(indices));
        flops.add(KernelFlops.topK());
    }

    @Override
    public void topKBackward(Tensor dValues, Tensor indices, Tensor dx) {
        KernelChecks.topKBackward(dValues, indices, dx);
        int cols = (int) dx.shape().cols();
        checkIndices("topKBackward", "indices", indices, cols);
        fill(dx, 0f);
        each(Kernel.topk_bwd_f32, dValues.numel(), ptr(dValues), ptr(indices), ptr(dx), dx.shape().rows(),
                (int) dValues.shape().cols(), cols);
        flops.add(KernelFlops.topKBackward());
    }

    @Override
    public void transpose(Tensor x, Tensor out) {
        KernelChecks.transpose(x, out);
        each(Kernel.transpose_f32, x.numel(), ptr(x), ptr(out), (int) x.dim(0), (int) x.dim(1));
        flops.add(KernelFlops.transpose());
    }

    @Override
    public void gatherIndices(Tensor table, Tensor idx, Tensor out) {
        KernelChecks.gatherIndices(table, idx, out);
        checkIndices("gatherIndices", "idx", idx, (int) table.numel());
        each(Kernel.gather_indices_i32, idx.numel(), ptr(table), ptr(idx), ptr(out), idx.numel());
        flops.add(KernelFlops.gatherIndices());
    }

    // ---------------------------------------------------------------- convolution helpers

    @Override
    public void im2col(Tensor x, ConvGeometry g, Tensor cols) {
        KernelChecks.im2col(x, g, cols);
        int h = (int) x.dim(2);
        int w = (int) x.dim(3);
        each(Kernel.im2col_f32, cols.numel(), ptr(x), ptr(cols), (int) x.dim(0), (int) x.dim(1), h, w, g.kernelH(),
                g.kernelW(), g.stride(), g.padding(), g.outH(h), g.outW(w));
        flops.add(KernelFlops.im2col());
    }

    @Override
    public void col2im(Tensor cols, ConvGeometry g, Tensor dx) {
        KernelChecks.col2im(cols, g, dx);
        int h = (int) dx.dim(2);
        int w = (int) dx.dim(3);
        each(Kernel.col2im_f32, dx.numel(), ptr(cols), ptr(dx), (int) dx.dim(0), (int) dx.dim(1), h, w, g.kernelH(),
                g.kernelW(), g.stride(), g.padding(), g.outH(h), g.outW(w));
        flops.add(KernelFlops.col2im(cols));
    }

    // ---------------------------------------------------------------- optimizer and random numbers

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep s) {
        KernelChecks.adamw(param, grad, m, v);
        each(Kernel.adamw_f32, param.numel(), ptr(param), ptr(grad), ptr(m), ptr(v), param.numel(), s.lr(), s.beta1(),
                s.beta2(), s.eps(), s.weightDecay(), s.gradScale(), s.biasCorrection1(), s.biasCorrection2());
        flops.add(KernelFlops.adamw(param));
    }

    @Override
    public void randomUniform(Tensor out, long seed, long offset) {
        f32("randomUniform", "out", out);
        each(Kernel.philox_uniform_f32, out.numel(), ptr(out), out.numel(), (int) seed, (int) (seed >>> 32), offset);
        flops.add(KernelFlops.randomUniform());
    }

    @Override
    public void randomNormal(Tensor out, long seed, long offset) {
        f32("randomNormal", "out", out);
        each(Kernel.philox_normal_f32, out.numel(), ptr(out), out.numel(), (int) seed, (int) (seed >>> 32), offset);
        flops.add(KernelFlops.randomNormal());
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (DeviceBuffer b : new DeviceBuffer[]{maskStarts, maskEnds, scratch}) {
            if (b != null) {
                b.close();
            }
        }
        device.close();
    }
}
