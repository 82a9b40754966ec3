package io.fusion4j.api.train;

import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.LossValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer's {@link LossSink} for one step: gives each term its gradient scale ({@code weight / count over the
 * whole batch}), sums each term's sum and count over the micro-batches, averages metrics over them, and checks that
 * the objective's declared counts are what its loss ops counted (a mismatch would scale the gradient wrongly).
 */
final class LossAccumulator implements LossSink {
    /** One term so far: the weight its gradient was scaled with, and its summed loss and count. */
    private static final class Term {
        final double weight;
        double sum;
        long count;

        Term(double weight) {
            this.weight = weight;
        }
    }

    /** One metric so far: its sum over micro-batches and how many reported it. */
    private static final class Metric {
        double sum;
        int n;
    }

    private final Map<String, Long> counts;
    private final long defaultCount;
    private final Map<String, Term> terms = new LinkedHashMap<>();
    private final Map<String, Double> scaled = new LinkedHashMap<>();
    private final Map<String, Metric> metrics = new LinkedHashMap<>();
    private String nonFinite;

    /**
     * @param counts       each declared term's target count over the whole batch (checked at {@link #result})
     * @param defaultCount the count of a term not declared (the batch's tokens)
     */
    LossAccumulator(Map<String, Long> counts, long defaultCount) {
        this.counts = counts;
        this.defaultCount = defaultCount;
    }

    @Override
    public float gradScale(String term, double weight) {
        Double before = scaled.putIfAbsent(term, weight);
        if (before != null && before != weight) {
            throw new IllegalStateException("loss term '" + term + "' was scaled with weights " + before + " and "
                    + weight + " in one step");
        }
        long n = counts.getOrDefault(term, defaultCount);
        return n == 0 ? 0f : (float) (weight / n);
    }

    @Override
    public void loss(String term, double weight, LossValue value) {
        Double asked = scaled.get(term);
        if (asked != null && asked != weight) {
            throw new IllegalStateException("loss term '" + term + "' was scaled with weight " + asked
                    + " but reported with weight " + weight);
        }
        Term t = terms.computeIfAbsent(term, k -> new Term(weight));
        if (t.weight != weight) {
            throw new IllegalStateException("loss term '" + term + "' reported with weights " + t.weight + " and "
                    + weight + " in one step");
        }
        t.sum += value.sum();
        t.count += value.count();
        if (!Double.isFinite(value.sum()) && nonFinite == null) {
            nonFinite = term + "' is " + value.sum();
        }
    }

    @Override
    public void metric(String name, double value) {
        Metric m = metrics.computeIfAbsent(name, k -> new Metric());
        m.sum += value;
        m.n++;
    }

    /** {@code "name' is NaN"} for the first term that was not finite, or null. */
    String nonFinite() {
        return nonFinite;
    }

    StepLosses result() {
        List<LossTerm> out = new ArrayList<>();
        terms.forEach((name, t) -> {
            Long declared = counts.get(name);
            if (declared != null && declared != t.count) {
                throw new IllegalStateException("the objective declared " + declared + " targets for loss term '" + name
                        + "' but its loss ops counted " + t.count + "; the gradient was scaled by the declared count");
            }
            out.add(new LossTerm(name, t.count == 0 ? 0 : t.sum / t.count, t.weight, t.count));
        });
        Map<String, Double> m = new LinkedHashMap<>();
        metrics.forEach((name, v) -> m.put(name, v.sum / v.n));
        return new StepLosses(out, m);
    }
}
