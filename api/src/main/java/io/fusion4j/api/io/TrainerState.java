package io.fusion4j.api.io;

/**
 * Where training stands: optimizer steps taken, the data position (epoch and next sample index), the
 * run's seed and the offset of its Philox stream. With these, a resumed run draws the same samples and
 * the same random numbers as an uninterrupted one.
 */
public record TrainerState(long step, long epoch, long sampleIndex, long seed, long rngOffset) {
    public TrainerState {
        if (step < 0 || epoch < 0 || sampleIndex < 0 || rngOffset < 0) {
            throw new IllegalArgumentException("trainer state fields must be non-negative: step=" + step + " epoch="
                    + epoch + " sampleIndex=" + sampleIndex + " rngOffset=" + rngOffset);
        }
    }

    String toJson() {
        return "{\"step\":" + step + ",\"epoch\":" + epoch + ",\"sample_index\":" + sampleIndex + ",\"seed\":\""
                + seed + "\",\"rng_offset\":" + rngOffset + "}\n";
    }

    static TrainerState fromJson(String json, String where) {
        java.util.Map<String, Object> m = HeaderJson.parseObject(json.strip(), 0);
        try {
            return new TrainerState((Long) m.get("step"), (Long) m.get("epoch"), (Long) m.get("sample_index"),
                    Long.parseLong((String) m.get("seed")), (Long) m.get("rng_offset"));
        } catch (RuntimeException e) {
            throw new SafetensorsException(where + ": trainer state needs step, epoch, sample_index, seed and rng_offset ("
                    + e + ")");
        }
    }
}
