package io.fusion4j.api.train;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.backend.Backend;

/**
 * What an {@link Objective} gets for one micro-batch: the graph to record into, where to report losses and metrics
 * (which also tells each loss its gradient scale), and the coordinates of its random draws.
 *
 * <p>Random numbers (diffusion timesteps and noise, Gumbel noise, caption dropout) come from the backend's Philox
 * generator with the run's {@code seed} as key, at counter offset {@link #randomOffset(int)}: a pure function of
 * (step, micro-batch, stream), so a resumed run draws exactly what an uninterrupted one would and no generator state
 * is saved. Each stream holds 2^28 numbers per micro-batch.
 */
public record StepContext(Graph graph, LossSink losses, long seed, long step, int microBatch, boolean training) {
    private static final int STREAM_BITS = 28;
    private static final int MICRO_BITS = 12;
    private static final int STREAMS = 16;

    public Backend backend() {
        return graph.backend();
    }

    /**
     * The Philox counter offset of stream {@code stream} (0..15) of this step and micro-batch:
     * {@code ((step · 2^12 + microBatch) · 16 + stream) · 2^28}.
     */
    public long randomOffset(int stream) {
        if (stream < 0 || stream >= STREAMS) {
            throw new IllegalArgumentException("random stream must be in [0, " + STREAMS + "), got " + stream);
        }
        if (microBatch >= 1 << MICRO_BITS) {
            throw new IllegalStateException("at most " + (1 << MICRO_BITS) + " micro-batches have random streams");
        }
        return (((step << MICRO_BITS) + microBatch) * STREAMS + stream) << STREAM_BITS;
    }
}
