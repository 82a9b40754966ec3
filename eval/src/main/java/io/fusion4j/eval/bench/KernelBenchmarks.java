package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.AdamWStep;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.KernelFlops;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.List;
import java.util.function.Consumer;

/** The PERF.md kernel benchmarks on one backend; each result line goes to {@code out} as soon as it exists. */
public final class KernelBenchmarks {
    /** GEMM shapes of PERF.md, M×K×N. */
    public static final List<int[]> GEMM_SHAPES = List.of(
            new int[]{256, 256, 256}, new int[]{512, 512, 512}, new int[]{1024, 1024, 1024},
            new int[]{2048, 2048, 2048}, new int[]{8192, 256, 1024}, new int[]{8192, 1024, 256});

    private final Backend backend;
    private final BenchRunner runner;
    private final Consumer<String> out;

    public KernelBenchmarks(Backend backend, BenchRunner runner, Consumer<String> out) {
        this.backend = backend;
        this.runner = runner;
        this.out = out;
    }

    private Tensor random(long seed, long... dims) {
        Tensor t = backend.allocate(DType.F32, Shape.of(dims));
        backend.randomUniform(t, seed, 0);
        return t;
    }

    /** GEMM in the forward (NN) and both backward forms (NT: dX = dY·Wᵀ, TN: dW = Xᵀ·dY). */
    public Measurement gemm(int m, int k, int n, String form) {
        boolean ta = form.charAt(0) == 'T';
        boolean tb = form.charAt(1) == 'T';
        Tensor a = ta ? random(1, k, m).t() : random(1, m, k);
        Tensor b = tb ? random(2, n, k).t() : random(2, k, n);
        Tensor c = backend.allocate(DType.F32, Shape.of(m, n));
        Measurement r = runner.measure(() -> {
            backend.gemm(a, b, c, 1f, 0f);
            backend.synchronize();
        }, KernelFlops.gemm(1, m, n, k), "GFLOP/s");
        emit(String.format("gemm %s %5dx%5dx%5d  threads %d  %s  heap %.0f B/call%s", form, m, k, n,
                backend.threads(), r.summary(), r.heapBytesPerCall(), utilisation(r)), r);
        return r;
    }

    /** Causal attention forward, backward and both, in counted GFLOP/s (visible pairs only). */
    public Measurement[] attention(int b, int h, int t, int d) {
        AttentionMask mask = AttentionMask.causal(b, t);
        Tensor q = random(3, b, t, h, d);
        Tensor k = random(4, b, t, h, d);
        Tensor v = random(5, b, t, h, d);
        Tensor dOut = random(6, b, t, h, d);
        Tensor o = backend.allocate(DType.F32, Shape.of(b, t, h, d));
        Tensor lse = backend.allocate(DType.F32, Shape.of(b, h, t));
        Tensor dq = backend.allocate(DType.F32, Shape.of(b, t, h, d));
        Tensor dk = backend.allocate(DType.F32, Shape.of(b, t, h, d));
        Tensor dv = backend.allocate(DType.F32, Shape.of(b, t, h, d));
        float scale = (float) (1 / Math.sqrt(d));
        double fwdFlops = KernelFlops.attention(mask, h, d);
        double bwdFlops = KernelFlops.attentionBackward(mask, h, d);
        Measurement fwd = runner.measure(() -> backend.attention(q, k, v, mask, scale, o, lse), fwdFlops, "GFLOP/s");
        Measurement bwd = runner.measure(() -> backend.attentionBackward(q, k, v, o, lse, dOut, mask, scale, dq, dk, dv),
                bwdFlops, "GFLOP/s");
        Measurement both = runner.measure(() -> {
            backend.attention(q, k, v, mask, scale, o, lse);
            backend.attentionBackward(q, k, v, o, lse, dOut, mask, scale, dq, dk, dv);
            backend.synchronize();
        }, fwdFlops + bwdFlops, "GFLOP/s");
        String shape = String.format("B=%d H=%d T=%d D=%d causal", b, h, t, d);
        emit(String.format("attention forward   %s  threads %d  %s  heap %.0f B/call", shape, backend.threads(),
                fwd.summary(), fwd.heapBytesPerCall()), fwd);
        emit(String.format("attention backward  %s  threads %d  %s  heap %.0f B/call", shape, backend.threads(),
                bwd.summary(), bwd.heapBytesPerCall()), bwd);
        emit(String.format("attention fwd+bwd   %s  threads %d  %s  heap %.0f B/call%s", shape,
                backend.threads(), both.summary(), both.heapBytesPerCall(), utilisation(both)), both);
        return new Measurement[]{fwd, bwd, both};
    }

    /** Prints a figure's line, then its heap warning if it has one. */
    private void emit(String line, Measurement r) {
        out.accept(line);
        r.heapWarning().ifPresent(out);
    }

    /** {@code ", MFU ..."} against the device's bf16 peak when the backend is a known GPU, else empty. */
    private String utilisation(Measurement r) {
        return DevicePeak.of(backend.deviceDescription()).map(p -> ", " + p.mfu(r.median())).orElse("");
    }

    /** Memory-bound kernels in GB/s of compulsory traffic, with a plain copy as the bandwidth reference. */
    public Measurement[] ops(int n) {
        Tensor a = random(7, n);
        Tensor b = random(8, n);
        Tensor c = backend.allocate(DType.F32, Shape.of(n));
        Tensor p = random(9, n);
        Tensor g = random(10, n);
        Tensor m = backend.allocate(DType.F32, Shape.of(n));
        Tensor v = backend.allocate(DType.F32, Shape.of(n));
        Measurement copy = runner.measure(() -> backend.copy(a, c), 8.0 * n, "GB/s");
        report("copy (bandwidth reference)", copy, copy);
        Measurement add = runner.measure(() -> backend.add(a, b, c), 12.0 * n, "GB/s");
        report("add", add, copy);
        Measurement scale = runner.measure(() -> backend.scale(a, 0.5f, c), 8.0 * n, "GB/s");
        report("scale", scale, copy);
        Measurement swiglu = runner.measure(() -> backend.swiglu(a, b, c), 12.0 * n, "GB/s");
        report("swiglu", swiglu, copy);
        AdamWStep step = new AdamWStep(1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, 10, 1f);
        Measurement adamw = runner.measure(() -> backend.adamw(p, g, m, v, step), 28.0 * n, "GB/s");
        report("adamw", adamw, copy);
        return new Measurement[]{copy, add, scale, swiglu, adamw};
    }

    private void report(String name, Measurement r, Measurement copy) {
        emit(String.format("%-28s threads %d  %s  %3.0f%% of copy  heap %.0f B/call", name, backend.threads(),
                r.summary(), 100 * r.median() / copy.median(), r.heapBytesPerCall()), r);
    }
}
