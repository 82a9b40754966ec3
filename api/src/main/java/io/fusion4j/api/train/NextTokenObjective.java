package io.fusion4j.api.train;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.Map;

/**
 * The dense decoder's objective: mean next-token cross-entropy (plus the config's z-loss) over every position whose
 * target is not ignored, as the single term {@value #TERM}.
 */
public final class NextTokenObjective implements Objective<MixedBatch> {
    /** The name of the loss term. */
    public static final String TERM = "lm";
    private final Decoder decoder;

    public NextTokenObjective(Decoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public Map<String, Long> counts(MixedBatch batch) {
        return Map.of(TERM, batch.targetCount());
    }

    @Override
    public void step(StepContext ctx, MixedBatch b) {
        Graph g = ctx.graph();
        TokenMeta tokens = TokenMeta.upload(g.backend(), g.arena(), b, false);
        Tensor targets = g.arena().allocate(DType.I32, Shape.of((long) b.rows() * b.length()));
        g.backend().copyFromHost(b.targetsFor(null), targets);
        ForwardPass pass = new ForwardPass(g, tokens, ctx.losses());
        LossValue v = g.crossEntropySum(decoder.logits(pass), targets, decoder.config().zLoss(),
                ctx.losses().gradScale(TERM, 1));
        ctx.losses().loss(TERM, 1, v);
    }
}
