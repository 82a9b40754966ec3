package io.fusion4j.api.train;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.backend.Backend;

/**
 * What an {@link Objective} gets for one micro-batch: the graph to record into, where to report losses and metrics
 * (which also tells each loss its gradient scale), and the coordinates of its random draws.
 *
 * <p>Random numbers (diffusion timesteps and noise, Gumbel noise, caption dropout) come from the backend's Philox
 * generator with key {@link #randomKey()} at counter offset {@link #randomOffset(int)}: a pure function of (seed,
 * step, micro-batch, stream), so a resumed run draws exactly what an uninterrupted one would and no generator state
 * is saved. The key is {@code seed ^ ((step + 1) · φ)} with φ the odd 64-bit golden ratio constant, so it is never
 * the bare seed that drew the initial weights (validation uses step 0); each of 16 streams of a micro-batch holds
 * 2^32 numbers.
 */
public record StepContext(Graph graph, LossSink losses, long seed, long step, int microBatch, boolean training) {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int STREAMS = 16;

    public StepContext {
        if (step < 0 || microBatch < 0 || microBatch >= 1 << 27) {
            throw new IllegalArgumentException("step must be >= 0 and micro-batch in [0, 2^27), found step=" + step
                    + " microBatch=" + microBatch);
        }
    }

    public Backend backend() {
        return graph.backend();
    }

    /** The Philox key of this step's draws. */
    public long randomKey() {
        return seed ^ ((step + 1) * GOLDEN);
    }

    /** The Philox counter offset of stream {@code stream} (0..15) of this micro-batch: {@code (microBatch · 16 + stream) · 2^32}. */
    public long randomOffset(int stream) {
        if (stream < 0 || stream >= STREAMS) {
            throw new IllegalArgumentException("random stream must be in [0, " + STREAMS + "), got " + stream);
        }
        return ((long) microBatch * STREAMS + stream) << 32;
    }
}
