package io.fusion4j.api.autograd;

/**
 * What a loss op measured on one (micro-)batch: the sum of its per-target losses and how many targets counted.
 * Sums and counts add across micro-batches, so a term's value over a whole batch is {@code Σ sum / Σ count}
 * however unevenly the targets fell.
 */
public record LossValue(double sum, long count) {
    public LossValue {
        if (count < 0) {
            throw new IllegalArgumentException("loss count must be >= 0, got " + count);
        }
    }

    /** The mean loss per counted target, 0 when nothing counted. */
    public double mean() {
        return count == 0 ? 0 : sum / count;
    }

    public LossValue plus(LossValue o) {
        return new LossValue(sum + o.sum, count + o.count);
    }
}
