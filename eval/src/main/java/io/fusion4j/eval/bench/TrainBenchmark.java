package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.eval.data.TokenDataset;
import io.fusion4j.eval.train.TrainConfig;
import io.fusion4j.eval.train.TrainEvent;
import io.fusion4j.eval.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code bench train}: full training steps (forward, backward, AdamW) of a preset on random tokens, the
 * way PERF.md specifies: warm-up steps (on 2 busy cores the JIT needs several seconds to compile every
 * kernel; until then vector code runs unintrinsified and allocates), then timed steps; tokens/s, counted GFLOP/s, MFU against the
 * FLOPs-per-token formula of PERF.md and the 210 GFLOP/s-per-core fp32 peak, and Java heap per step.
 */
public final class TrainBenchmark {
    /** PERF.md: ~210 GFLOP/s fp32 FMA peak per core on the build machines. */
    private static final double PEAK_PER_CORE = 210;

    private final Backend backend;
    private final Consumer<String> out;

    public TrainBenchmark(Backend backend, Consumer<String> out) {
        this.backend = backend;
        this.out = out;
    }

    /** FLOPs per token by PERF.md: 6·N_active + 12·L·T·d (embedding lookup excluded, LM head included). */
    static double flopsPerToken(TrainConfig c) {
        var m = c.model();
        double nActive = m.layers() * (4.0 * m.dim() * m.dim() + 3.0 * m.dim() * m.ffnHidden()) + (double) m.dim() * m.vocab();
        return 6 * nActive + 12.0 * m.layers() * c.seqLen() * m.dim();
    }

    public Measurement run(String preset, int warmup, int steps) {
        TrainConfig cfg = TrainConfig.preset(preset, TrainConfig.presetVocab(preset)).withSteps(warmup + steps);
        SplittableRandom r = new SplittableRandom(7);
        int[] tokens = r.ints((long) (warmup + steps + 1) * cfg.batch() * cfg.seqLen() + 1, 0, cfg.model().vocab()).toArray();
        Trainer t = new Trainer(backend, new Decoder(cfg.model()), new TokenDataset(tokens, cfg.seqLen(), cfg.seed()), cfg,
                null, "{}");
        List<TrainEvent.Step> timed = new ArrayList<>();
        t.run(false).ofType(TrainEvent.Step.class).doOnNext(s -> {
            if (s.step() > warmup) {
                timed.add(s);
            }
        }).blockLast();
        double[] tps = timed.stream().mapToDouble(TrainEvent.Step::tokensPerSecond).toArray();
        Measurement m = Measurement.of(tps, "tokens/s", timed.stream().mapToLong(TrainEvent.Step::heapBytes).average()
                .orElse(0));
        double counted = timed.stream().mapToDouble(TrainEvent.Step::gigaflopsPerSecond).sorted().toArray()[timed.size() / 2];
        double formula = flopsPerToken(cfg) * m.median() / 1e9;
        double peak = PEAK_PER_CORE * backend.threads();
        out.accept(String.format("train %s (d=%d L=%d T=%d B=%d vocab=%d)  threads %d  %s  counted %.1f GFLOP/s"
                        + "  %.1f GFLOP/s by 6N+12LTd = MFU %.1f%% of %.0f  heap %.0f KB/step",
                preset, cfg.model().dim(), cfg.model().layers(), cfg.seqLen(), cfg.batch(), cfg.model().vocab(),
                backend.threads(), m.summary(), counted, formula, 100 * formula / peak, peak, m.heapBytesPerCall() / 1024));
        m.heapWarning().ifPresent(out);
        return m;
    }
}
