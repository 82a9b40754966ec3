package io.fusion4j.api.train;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Batch;
import io.fusion4j.api.tensor.StepArena;

import java.util.List;
import java.util.Map;

/**
 * An objective's terms over fixed held-out batches without gradients, as the trainer's validation measures them: in
 * {@code microBatches} passes per batch, no noise, each term's value its mean over every held-out target. For callers
 * outside the trainer (validation of one model under two routings).
 */
public final class HeldOutLoss {
    private HeldOutLoss() {
    }

    public static <B extends Batch<B>> StepLosses of(Objective<B> objective, Backend backend, List<B> heldOut,
                                                   int microBatches) {
        if (microBatches < 1) {
            throw new IllegalArgumentException("microBatches must be >= 1, found " + microBatches);
        }
        long tokens = 0;
        for (B b : heldOut) {
            tokens += b.tokenCount();
        }
        LossAccumulator acc = new LossAccumulator(Map.of(), Math.max(1, tokens));
        try (StepArena arena = backend.newArena()) {
            for (int i = 0; i < heldOut.size(); i++) {
                for (int k = 0; k < microBatches; k++) {
                    Graph g = new Graph(backend, arena, false);
                    objective.step(new StepContext(g, acc, 0, 0, i * microBatches + k, false),
                            heldOut.get(i).microBatch(k, microBatches));
                    arena.release();
                }
            }
        }
        return acc.result();
    }
}
