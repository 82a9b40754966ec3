package io.fusion4j.api.train;

/**
 * How to train, independent of the model: batch and sequence sizes, the schedule (warm-up then cosine decay from
 * {@code lr} to {@code minLr} over {@code steps}), AdamW ({@code beta1}, {@code beta2}, {@code eps},
 * {@code weightDecay}), global-norm clipping ({@code clipNorm}, 0 for none), the seed, checkpointing every
 * {@code checkpointEvery} steps keeping {@code keep}, gradient accumulation over {@code microBatches}, and validation
 * on {@code validationBatches} fixed held-out batches every {@code validateEvery} steps (0: never), and the
 * {@code precision} of the matrix products (parameters, gradients, AdamW and the loss stay fp32 either way).
 *
 * <p>{@code config.json} files written before some fields existed lack them; the reader fills in the defaults
 * ({@link #DEFAULT_BETA1} and friends, one micro-batch, no validation, fp32), which are what the trainer used then.
 */
public record TrainConfig(int batch, int seqLen, long steps, double lr, double minLr, long warmup, float weightDecay,
                          double clipNorm, float beta1, float beta2, float eps, long seed, int checkpointEvery, int keep,
                          int microBatches, int validateEvery, int validationBatches,
                          io.fusion4j.api.backend.Precision precision) {
    public static final float DEFAULT_BETA1 = 0.9f;
    public static final float DEFAULT_BETA2 = 0.95f;
    public static final float DEFAULT_EPS = 1e-8f;

    /** An fp32 training config. */
    public TrainConfig(int batch, int seqLen, long steps, double lr, double minLr, long warmup, float weightDecay,
                       double clipNorm, float beta1, float beta2, float eps, long seed, int checkpointEvery, int keep,
                       int microBatches, int validateEvery, int validationBatches) {
        this(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed, checkpointEvery,
                keep, microBatches, validateEvery, validationBatches, io.fusion4j.api.backend.Precision.FP32);
    }

    public TrainConfig {
        java.util.Objects.requireNonNull(precision, "precision");
        if (microBatches < 1 || batch % microBatches != 0) {
            throw new IllegalArgumentException("microBatches must divide batch " + batch + ", got " + microBatches);
        }
        java.util.List<String> bad = new java.util.ArrayList<>();
        expect(bad, batch >= 1, "batch >= 1", batch);
        expect(bad, seqLen >= 1, "seqLen >= 1", seqLen);
        expect(bad, steps >= 1, "steps >= 1", steps);
        expect(bad, lr > 0, "lr > 0", lr);
        expect(bad, minLr >= 0, "minLr >= 0", minLr);
        expect(bad, warmup >= 0, "warmup >= 0", warmup);
        expect(bad, checkpointEvery >= 1, "checkpointEvery >= 1", checkpointEvery);
        // Two kept checkpoints: a corrupt newest one always has a good one behind it.
        expect(bad, keep >= 2, "keep >= 2", keep);
        expect(bad, validateEvery >= 0, "validateEvery >= 0 (0: never)", validateEvery);
        expect(bad, validationBatches >= 0, "validationBatches >= 0", validationBatches);
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid training config: " + String.join("; ", bad));
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
            throw new IllegalArgumentException("AdamW needs 0 <= beta1, beta2 < 1 and eps > 0, found beta1=" + beta1
                    + " beta2=" + beta2 + " eps=" + eps);
        }
    }

    private static void expect(java.util.List<String> bad, boolean ok, String rule, Object found) {
        if (!ok) {
            bad.add("expected " + rule + ", found " + found);
        }
    }

    /** A copy with another step count; the warm-up is capped at a tenth of the run so a short run still decays. */
    public TrainConfig withSteps(long n) {
        return new TrainConfig(batch, seqLen, n, lr, minLr, Math.min(warmup, n / 10), weightDecay, clipNorm, beta1, beta2,
                eps, seed, checkpointEvery, keep, microBatches, validateEvery, validationBatches, precision);
    }

    /** A copy with {@code n} micro-batches per step. */
    public TrainConfig withMicroBatches(int n) {
        return new TrainConfig(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed,
                checkpointEvery, keep, n, validateEvery, validationBatches, precision);
    }

    /** A copy that validates on {@code batches} held-out batches every {@code every} steps (0: never). */
    public TrainConfig withValidation(int every, int batches) {
        return new TrainConfig(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed,
                checkpointEvery, keep, microBatches, every, batches, precision);
    }

    /** A copy with another sequence length (pre-tokenized rows fix it). */
    public TrainConfig withSeqLen(int t) {
        return new TrainConfig(batch, t, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed,
                checkpointEvery, keep, microBatches, validateEvery, validationBatches, precision);
    }

    /** A copy with another seed. */
    public TrainConfig withSeed(long s) {
        return new TrainConfig(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, s,
                checkpointEvery, keep, microBatches, validateEvery, validationBatches, precision);
    }

    /** A copy whose matrix products run in {@code p}. */
    public TrainConfig withPrecision(io.fusion4j.api.backend.Precision p) {
        return new TrainConfig(batch, seqLen, steps, lr, minLr, warmup, weightDecay, clipNorm, beta1, beta2, eps, seed,
                checkpointEvery, keep, microBatches, validateEvery, validationBatches, p);
    }
}
