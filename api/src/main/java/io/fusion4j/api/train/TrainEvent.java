package io.fusion4j.api.train;

import java.nio.file.Path;

/** What a training run reports, in order. */
public sealed interface TrainEvent {
    /** Training resumed from a checkpoint. */
    record Resumed(long step, Path folder) implements TrainEvent {
    }

    /**
     * One optimizer step: every loss term and metric, learning rate, gradient norm before clipping, tokens (padding
     * excluded), wall time, FLOPs counted in this step and since the run began, Java heap the training thread allocated.
     */
    record Step(long step, long totalSteps, StepLosses losses, double lr, double gradNorm, long tokens, double seconds,
                long flops, long totalFlops, long heapBytes) implements TrainEvent {
        /** The total loss. */
        public double loss() {
            return losses.total();
        }

        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public double gigaflopsPerSecond() {
            return flops / seconds / 1e9;
        }
    }

    /**
     * A validation pass over the fixed held-out batches after {@code step}: its FLOPs ({@code flops}, not counted
     * as training FLOPs) and the training FLOPs so far.
     */
    record Validation(long step, StepLosses losses, long flops, long totalFlops) implements TrainEvent {
        public double loss() {
            return losses.total();
        }
    }

    /** A checkpoint was committed. */
    record Checkpoint(long step, Path folder) implements TrainEvent {
    }

    /** Something the user should know (a corrupt checkpoint skipped, ...). */
    record Warning(String message) implements TrainEvent {
    }

    /** The run ended: after the last step, or at a step boundary after a stop request or cancellation. */
    record Finished(long step, boolean interrupted) implements TrainEvent {
    }
}
