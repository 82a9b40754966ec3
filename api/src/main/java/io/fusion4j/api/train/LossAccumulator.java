package io.fusion4j.api.train;

import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.LossValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer's {@link LossSink} for one step: gives each term its gradient scale ({@code weight / count over the
 * whole batch}), sums each term's sum and count over the micro-batches, averages metrics over them.
 */
final class LossAccumulator implements LossSink {
    private final Map<String, Long> counts;
    private final long defaultCount;
    private final Map<String, double[]> terms = new LinkedHashMap<>(); // name → {sum, count, weight}
    private final Map<String, double[]> metrics = new LinkedHashMap<>(); // name → {sum, n}
    private String nonFinite;

    LossAccumulator(Map<String, Long> counts, long defaultCount) {
        this.counts = counts;
        this.defaultCount = defaultCount;
    }

    @Override
    public float gradScale(String term, double weight) {
        long n = counts.getOrDefault(term, defaultCount);
        return n == 0 ? 0f : (float) (weight / n);
    }

    @Override
    public void loss(String term, double weight, LossValue value) {
        double[] t = terms.computeIfAbsent(term, k -> new double[]{0, 0, weight});
        if (t[2] != weight) {
            throw new IllegalStateException("loss term '" + term + "' reported with weights " + t[2] + " and " + weight
                    + " in one step");
        }
        t[0] += value.sum();
        t[1] += value.count();
        if (!Double.isFinite(value.sum()) && nonFinite == null) {
            nonFinite = term + "' is " + value.sum();
        }
    }

    @Override
    public void metric(String name, double value) {
        double[] m = metrics.computeIfAbsent(name, k -> new double[2]);
        m[0] += value;
        m[1]++;
    }

    /** {@code "name' is NaN"} for the first term that was not finite, or null. */
    String nonFinite() {
        return nonFinite;
    }

    StepLosses result() {
        List<LossTerm> out = new ArrayList<>();
        terms.forEach((name, t) -> out.add(new LossTerm(name, t[1] == 0 ? 0 : t[0] / t[1], t[2], (long) t[1])));
        Map<String, Double> m = new LinkedHashMap<>();
        metrics.forEach((name, v) -> m.put(name, v[0] / v[1]));
        return new StepLosses(out, m);
    }
}
