package io.fusion4j.api.train;

/**
 * How to train, independent of the model: batch and sequence sizes, the schedule (warm-up then cosine decay from
 * {@code lr} to {@code minLr} over {@code steps}), AdamW ({@code beta1}, {@code beta2}, {@code eps},
 * {@code weightDecay}), global-norm clipping ({@code clipNorm}, 0 for none), the seed, checkpointing every
 * {@code checkpointEvery} steps keeping {@code keep}, gradient accumulation over {@code microBatches}, and validation
 * on {@code validationBatches} fixed held-out batches every {@code validateEvery} steps (0: never).
 *
 * <p>{@code config.json} files written before some fields existed lack them; the reader fills in the defaults
 * ({@link #DEFAULT_BETA1} and friends, one micro-batch, no validation), which are what the trainer used then.
 */
public record TrainConfig(int batch, int seqLen, long steps, double lr, double minLr, long warmup, float weightDecay,
                          double clipNorm, float beta1, float beta2, float eps, long seed, int checkpointEvery, int keep,
                          int microBatches, int validateEvery, int validationBatches) {
    public static final float DEFAULT_BETA1 = 0.9f;
    public static final float DEFAULT_BETA2 = 0.95f;
    public static final float DEFAULT_EPS = 1e-8f;

    public TrainConfig {
        if (microBatches < 1 || batch % microBatches != 0) {
            throw new IllegalArgumentException("microBatches must divide batch " + batch + ", got " + microBatches);
        }
        if (batch < 1 || seqLen < 1 || steps < 1 || !(lr > 0) || minLr < 0 || warmup < 0 || checkpointEvery < 1
                || keep < 2 || validateEvery < 0 || validationBatches < 0) {
            throw new IllegalArgumentException("invalid training config: batch=" + batch + " seqLen=" + seqLen + " steps="
                    + steps + " lr=" + lr + " minLr=" + minLr + " warmup=" + warmup + " checkpointEvery="
                    + checkpointEvery + " keep=" + keep + " validateEvery=" + validateEvery + " validationBatches="
                    + validationBatches);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
            throw new IllegalArgumentException("AdamW needs 0 <= beta1, beta2 < 1 and eps > 0, found beta1=" + beta1
                    + " beta2=" + beta2 + " eps=" + eps);
        }
    }

    /** A copy with another step count; the warm-up is capped at a tenth of the run so a short run still decays. */
    public TrainConfig withSteps(long n) {
        return new TrainConfig(batch, seqLen, n, lr, minLr, Math.min(warmup, n / 10), weightDecay, clipNorm, beta1, beta2,
                eps, seed, checkpointEvery, keep, microBatches, validateEvery, validationBatches);
    }

    /** A copy with {@code n} micro-batches per step. */
    public TrainConfig withMicroBatches(int n) {
        return new TrainConfig(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed,
                checkpointEvery, keep, n, validateEvery, validationBatches);
    }

    /** A copy that validates on {@code batches} held-out batches every {@code every} steps (0: never). */
    public TrainConfig withValidation(int every, int batches) {
        return new TrainConfig(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed,
                checkpointEvery, keep, microBatches, every, batches);
    }

    /** A copy with another sequence length (pre-tokenized rows fix it). */
    public TrainConfig withSeqLen(int t) {
        return new TrainConfig(batch, t, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed,
                checkpointEvery, keep, microBatches, validateEvery, validationBatches);
    }

    /** A copy with another seed. */
    public TrainConfig withSeed(long s) {
        return new TrainConfig(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, s,
                checkpointEvery, keep, microBatches, validateEvery, validationBatches);
    }
}
