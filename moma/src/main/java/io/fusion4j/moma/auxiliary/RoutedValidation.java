package io.fusion4j.moma.auxiliary;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.router.CausalRouting;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.train.HeldOutLoss;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.StepLosses;

import java.util.List;
import java.util.Set;

/**
 * Validation of a MoMa-family model both ways, for Table 3 of the paper: the held-out loss with batch (training-time)
 * routing, which sees the future, and with causal routing by auxiliary routers, which is what generation gets. Both
 * run the same batches in the same micro-batches (so expert choice has its training capacity) with no noise.
 */
public final class RoutedValidation {
    /** The losses ({@code lm}, {@code text}, {@code image}) under each routing. */
    public record Comparison(StepLosses batch, StepLosses causal) {
    }

    private RoutedValidation() {
    }

    public static Comparison compare(Decoder model, Backend backend, List<MixedBatch> heldOut, int microBatches,
                                     CausalRouting predictors) {
        NextTokenObjective batch = new NextTokenObjective(model, Set.of(Modality.TEXT, Modality.IMAGE));
        return new Comparison(HeldOutLoss.of(batch, backend, heldOut, microBatches),
                HeldOutLoss.of(batch.routedBy(RoutingMode.causal(predictors)), backend, heldOut,
                        microBatches));
    }
}
