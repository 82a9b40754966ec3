package io.fusion4j.api.autograd;

/**
 * Where a model's forward pass reports its losses and metrics, and learns how to weight each loss's gradient. The
 * trainer implements it per micro-batch; a forward pass outside training uses {@link #NONE}.
 *
 * <p>{@link #gradScale} is what a loss op multiplies each counted target's gradient by: the term's weight divided by
 * the number of targets the term counts over the <em>whole</em> batch, so that micro-batches add up to exactly the
 * full batch's gradient however unevenly their targets fall.
 */
public interface LossSink {
    /** The gradient per counted target of loss term {@code term} with weight {@code weight}. */
    float gradScale(String term, double weight);

    /** Reports what term {@code term} measured on this micro-batch (its sum and count). */
    void loss(String term, double weight, LossValue value);

    /** Reports a metric of this micro-batch (averaged over micro-batches by the trainer). */
    void metric(String name, double value);

    /** False when metrics are dropped: a layer may then skip computing them (they cost a device read). */
    default boolean recordsMetrics() {
        return true;
    }

    /**
     * Drops losses and metrics and refuses to scale a gradient: for a recording graph without a trainer, where a
     * zero scale would silently stop an auxiliary loss from training anything.
     */
    LossSink UNSCALED = new LossSink() {
        @Override
        public float gradScale(String term, double weight) {
            throw new IllegalStateException("loss term '" + term + "' asked for its gradient scale in a forward pass"
                    + " that has no trainer's LossSink; build the ForwardPass with one (Objective.step gets it)");
        }

        @Override
        public void loss(String term, double weight, LossValue value) {
        }

        @Override
        public void metric(String name, double value) {
        }

        @Override
        public boolean recordsMetrics() {
            return false;
        }
    };

    /** Ignores everything and gives every loss a zero gradient: for evaluation and generation (no backward). */
    LossSink NONE = new LossSink() {
        @Override
        public float gradScale(String term, double weight) {
            return 0f;
        }

        @Override
        public void loss(String term, double weight, LossValue value) {
        }

        @Override
        public void metric(String name, double value) {
        }

        @Override
        public boolean recordsMetrics() {
            return false;
        }
    };
}
