package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.Backend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code bench train} with several configs: step times compared side by side. On a shared machine a neighbour can take
 * a core for minutes, so figures from runs a minute apart differ by more than the costs being compared (an MoE layer's
 * dispatch against its dense twin). Here the configs run in turn in one JVM, round after round, and each round's ratio
 * compares steps taken seconds apart; the median over rounds is the figure. The first round warms the JIT with the full
 * warm-up; later rounds build fresh models of already-compiled code and take a few warm-up steps only.
 */
public final class TrainComparison {
    /** Warm-up steps of the rounds after the first: the arena and caches settle in one or two. */
    static final int LATER_WARMUP = 5;

    private final TrainBenchmark bench;
    private final Consumer<String> out;

    public TrainComparison(Backend backend, Consumer<String> out) {
        this.bench = new TrainBenchmark(backend, out);
        this.out = out;
    }

    /** The rounds' figures per config, in {@code configs} order; prints each run's line, then the ratios. */
    public List<List<Measurement>> run(List<String> configs, int warmup, int steps, int rounds) {
        if (configs.size() < 2) {
            throw new IllegalArgumentException("a comparison needs at least two configs, found " + configs);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, found " + rounds);
        }
        configs.forEach(BenchModels::of); // a misspelt name fails now, not after minutes of the others
        List<List<Measurement>> figures = new ArrayList<>();
        for (int c = 0; c < configs.size(); c++) {
            figures.add(new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            out.accept("# round " + (r + 1) + " of " + rounds);
            for (int c = 0; c < configs.size(); c++) {
                figures.get(c).add(bench.run(configs.get(c), r == 0 ? warmup : Math.min(warmup, LATER_WARMUP), steps));
            }
        }
        summary(configs, figures).forEach(out);
        return figures;
    }

    /** One line per config after the first: its step time over the first config's, round by round, and the median. */
    static List<String> summary(List<String> configs, List<List<Measurement>> figures) {
        List<String> lines = new ArrayList<>();
        String base = configs.getFirst();
        for (int c = 1; c < configs.size(); c++) {
            int rounds = figures.get(c).size();
            double[] ratios = new double[rounds];
            StringBuilder each = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                // Both configs step over the same batch of tokens, so the step-time ratio is the inverse rate ratio.
                ratios[r] = figures.getFirst().get(r).median() / figures.get(c).get(r).median();
                each.append(String.format(" %.2f", ratios[r]));
            }
            Measurement m = Measurement.of(ratios, "", 0);
            lines.add(String.format("%s step / %s step, same JVM, configs in turn: median %.2fx (%.2f-%.2f) over %d"
                    + " rounds; by round:%s", configs.get(c), base, m.median(), m.min(), m.max(), rounds, each));
        }
        return lines;
    }
}
