package io.fusion4j.eval.bench;

import io.fusion4j.api.router.Routers;
import io.fusion4j.eval.models.ModelBuilder;
import io.fusion4j.eval.models.Models;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.PeakFlops;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code bench train}: full training steps (forward, backward, AdamW) of a preset on random tokens, the
 * way PERF.md specifies: warm-up steps (on 2 busy cores the JIT needs several seconds to compile every
 * kernel; until then vector code runs unintrinsified and allocates), then timed steps; tokens/s, counted GFLOP/s, MFU against the
 * FLOPs-per-token formula of PERF.md and the backend's fp32 peak (the CPU backend measures its own; where a backend
 * knows none, PERF.md's 210 GFLOP/s a core, said as assumed), and Java heap per step.
 */
public final class TrainBenchmark {
    /** PERF.md: ~210 GFLOP/s fp32 FMA peak per core on the AMD Zen 5 build machines; used only when the backend knows none. */
    private static final double ASSUMED_PEAK_PER_CORE = 210;

    private final Backend backend;
    private final Consumer<String> out;

    public TrainBenchmark(Backend backend, Consumer<String> out) {
        this.backend = backend;
        this.out = out;
    }

    public Measurement run(String config, int warmup, int steps) {
        return run(config, warmup, steps, false);
    }

    /** With {@code kernelTimes}, also prints the time of each kernel over the timed steps. */
    public Measurement run(String config, int warmup, int steps, boolean kernelTimes) {
        KernelTimes timer = kernelTimes ? KernelTimes.around(backend) : null;
        Backend backend = timer != null ? timer.backend() : this.backend;
        BenchModels.Bench bench = BenchModels.of(config);
        TrainConfig cfg = bench.train().withSteps(warmup + steps).withPrecision(backend.precision());
        Routers routers = Routers.discover();
        ModelBuilder builder = Models.standard(routers).builder(bench.model());
        Decoder decoder = builder.decoder(bench.model());
        double flopsPerToken = BenchModels.flopsPerToken(bench.model(), cfg.seqLen(), routers);
        DecoderConfig model = BenchModels.base(bench.model());
        Trainer<MixedBatch> t = new Trainer<>(backend, decoder.parameters(), builder.objective(decoder), bench.data(),
                List.of(), cfg, null, "{}");
        List<TrainEvent.Step> timed = new ArrayList<>();
        // Steps report the calling thread's heap; the worker pool's kernels run on other threads, so the whole
        // JVM's allocation over the timed steps is read too (JIT and JMX threads add a little to it).
        long[] allThreads = {-1, -1};
        try {
            t.run(false, e -> {
                if (e instanceof TrainEvent.Step s && s.step() == warmup) {
                    allThreads[0] = AllThreadsHeap.total();
                    if (timer != null) {
                        timer.start();
                    }
                }
                if (e instanceof TrainEvent.Step s && s.step() > warmup) {
                    timed.add(s);
                    if (s.step() == warmup + steps) {
                        allThreads[1] = AllThreadsHeap.total();
                    }
                }
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        double[] tps = timed.stream().mapToDouble(TrainEvent.Step::tokensPerSecond).toArray();
        Measurement m = Measurement.of(tps, "tokens/s", timed.stream().mapToLong(TrainEvent.Step::heapBytes).average()
                .orElse(0));
        double counted = timed.stream().mapToDouble(TrainEvent.Step::gigaflopsPerSecond).sorted().toArray()[timed.size() / 2];
        double formula = flopsPerToken * m.median() / 1e9;
        if (timer != null) {
            timer.stop(); // before the peak is measured: its seconds are no part of a step
        }
        // Read before the peak loop runs, whose own first compiles would show as C1 code.
        Optional<String> jit = m.heapWarning().isPresent() ? JitTiers.explain("io.fusion4j.tensor") : Optional.empty();
        PeakFlops peak = peak(this.backend);
        // The largest step beside the mean tells a one-off (a late JIT compile) from allocation every step.
        long largest = timed.stream().mapToLong(TrainEvent.Step::heapBytes).max().orElse(0);
        out.accept(String.format("train %s (d=%d L=%d T=%d B=%d vocab=%d)  threads %d  %s products  %s  counted %.1f"
                        + " GFLOP/s  %.1f GFLOP/s by 6N+12LTd = MFU %.1f%% of %.0f (%s)  heap %.0f KB/step"
                        + " (largest step %d KB; all threads %s)  loss %.3f",
                config, model.dim(), model.layers(), cfg.seqLen(), cfg.batch(), model.vocab(),
                backend.threads(), cfg.precision(), m.summary(), counted, formula, 100 * formula / peak.gigaflops(),
                peak.gigaflops(), peak.source(), m.heapBytesPerCall() / 1024, largest / 1024,
                AllThreadsHeap.perStep(allThreads[0], allThreads[1], timed.size()), timed.getLast().loss()));
        m.heapWarning().ifPresent(out);
        jit.ifPresent(out);
        if (timer != null) {
            timer.print(out, timed.size());
        }
        return m;
    }

    /**
     * The peak of the backend's matrix products in its precision; for bf16 without one, the fp32 peak, said so (MFU can
     * then pass 100%); without any, PERF.md's per-core figure for its threads, said as assumed.
     */
    static PeakFlops peak(Backend backend) {
        java.util.Optional<PeakFlops> products = backend.matmulPeak();
        if (products.isPresent()) {
            return products.get();
        }
        PeakFlops fp32 = backend.fp32Peak().orElseGet(() -> new PeakFlops(ASSUMED_PEAK_PER_CORE * backend.threads(),
                "assumed: " + (int) ASSUMED_PEAK_PER_CORE + " GFLOP/s a core, PERF.md's AMD Zen 5"));
        return backend.precision() == io.fusion4j.api.backend.Precision.FP32 ? fp32
                : new PeakFlops(fp32.gigaflops(), "the fp32 peak, no " + backend.precision() + " peak known: " + fp32.source());
    }
}
