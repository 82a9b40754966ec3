package io.fusion4j.eval.train;

import java.nio.file.Path;

/** What a training run reports, in order. */
public sealed interface TrainEvent {
    /** Training resumed from a checkpoint. */
    record Resumed(long step, Path folder) implements TrainEvent {
    }

    /** One optimizer step: loss, learning rate, gradient norm, tokens, wall time, counted FLOPs and Java heap allocated. */
    record Step(long step, long totalSteps, double loss, double lr, double gradNorm, long tokens, double seconds,
                long flops, long heapBytes) implements TrainEvent {
        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public double gigaflopsPerSecond() {
            return flops / seconds / 1e9;
        }
    }

    /** A checkpoint was committed. */
    record Checkpoint(long step, Path folder) implements TrainEvent {
    }

    /** Something the user should know (a corrupt checkpoint skipped, ...). */
    record Warning(String message) implements TrainEvent {
    }

    /** The run ended: after the last step, or at a step boundary after a stop request. */
    record Finished(long step, boolean interrupted) implements TrainEvent {
    }
}
