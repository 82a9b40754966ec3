package io.fusion4j.eval.train;

import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;

/**
 * Everything a training run needs besides its data: the model, batch and sequence sizes, the schedule,
 * AdamW settings, the seed, checkpointing, and gradient accumulation ({@code microBatches} forward/backward
 * passes of {@code batch / microBatches} sequences per optimizer step). Stored as {@code config.json} in every checkpoint.
 */
public record TrainConfig(DecoderConfig model, int batch, int seqLen, long steps, double lr, double minLr, long warmup,
                          float weightDecay, double clipNorm, long seed, int checkpointEvery, int keep, int microBatches) {
    public TrainConfig {
        if (microBatches == 0) {
            microBatches = 1; // configs written before the field existed
        }
        if (microBatches < 1 || batch % microBatches != 0) {
            throw new IllegalArgumentException("microBatches must divide batch " + batch + ", got " + microBatches);
        }
        if (batch < 1 || seqLen < 1 || steps < 1 || !(lr > 0) || minLr < 0 || warmup < 0 || checkpointEvery < 1
                || keep < 2) {
            throw new IllegalArgumentException("invalid training config: batch=" + batch + " seqLen=" + seqLen + " steps="
                    + steps + " lr=" + lr + " minLr=" + minLr + " warmup=" + warmup + " checkpointEvery="
                    + checkpointEvery + " keep=" + keep);
        }
    }

    /** A copy with another step count; the warm-up is capped at a tenth of the run so a short run still decays. */
    public TrainConfig withSteps(long n) {
        return new TrainConfig(model, batch, seqLen, n, lr, minLr, Math.min(warmup, n / 10), weightDecay, clipNorm, seed,
                checkpointEvery, keep, microBatches);
    }

    /** The named presets: {@code tiny} (a quick run) and {@code dense} (PERF.md's reference configuration). */
    public static TrainConfig preset(String name, int vocab) {
        return switch (name) {
            case "tiny" -> new TrainConfig(new DecoderConfig(vocab, 128, 2, 4, 384, 10000f, 1e-5f, NormPlacement.PRE,
                    false, 1e-4f, 0.02f), 8, 64, 200, 3e-3, 3e-4, 20, 0.1f, 1.0, 1234, 100, 3, 1);
            case "dense" -> new TrainConfig(new DecoderConfig(vocab, 256, 4, 4, 1024, 10000f, 1e-5f, NormPlacement.PRE,
                    false, 0f, 0.02f), 8, 256, 200, 3e-4, 3e-5, 20, 0.1f, 1.0, 1234, 100, 3, 1);
            default -> throw new IllegalArgumentException("--preset: expected tiny or dense, found " + name);
        };
    }

    /** The vocabulary size a preset asks the tokenizer for. */
    public static int presetVocab(String name) {
        return switch (name) {
            case "tiny" -> 512;
            case "dense" -> 1024;
            default -> throw new IllegalArgumentException("--preset: expected tiny or dense, found " + name);
        };
    }
}
