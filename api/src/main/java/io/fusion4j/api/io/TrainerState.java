package io.fusion4j.api.io;

/**
 * Where training stands: optimizer steps taken, the data position (epoch and next sample index), the run's seed,
 * the offset of its Philox stream (0: per-step draws are keyed by seed, step and micro-batch, so no stream position
 * needs keeping) and the FLOPs counted since the run began. With these, a resumed run draws the same samples and
 * random numbers as an uninterrupted one and its FLOP totals continue where they stopped.
 */
public record TrainerState(long step, long epoch, long sampleIndex, long seed, long rngOffset, long totalFlops) {
    public TrainerState {
        if (step < 0 || epoch < 0 || sampleIndex < 0 || rngOffset < 0 || totalFlops < 0) {
            throw new IllegalArgumentException("trainer state fields must be non-negative: step=" + step + " epoch="
                    + epoch + " sampleIndex=" + sampleIndex + " rngOffset=" + rngOffset + " totalFlops=" + totalFlops);
        }
    }

    public TrainerState(long step, long epoch, long sampleIndex, long seed, long rngOffset) {
        this(step, epoch, sampleIndex, seed, rngOffset, 0);
    }

    String toJson() {
        return "{\"step\":" + step + ",\"epoch\":" + epoch + ",\"sample_index\":" + sampleIndex + ",\"seed\":\""
                + seed + "\",\"rng_offset\":" + rngOffset + ",\"total_flops\":" + totalFlops + "}\n";
    }

    /** Parses a {@code trainer_state.json}; {@code where} names the file in errors. */
    public static TrainerState fromJson(String json, String where) {
        java.util.Map<String, Object> m = HeaderJson.parseObject(json.strip(), 0, where);
        try {
            return new TrainerState((Long) m.get("step"), (Long) m.get("epoch"), (Long) m.get("sample_index"),
                    Long.parseLong((String) m.get("seed")), (Long) m.get("rng_offset"),
                    // states written before FLOPs were persisted have none: the count restarts at 0
                    m.containsKey("total_flops") ? (Long) m.get("total_flops") : 0L);
        } catch (RuntimeException e) {
            throw new SafetensorsException(where + ": trainer state needs step, epoch, sample_index, seed and rng_offset ("
                    + e + ")");
        }
    }
}
