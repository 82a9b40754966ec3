package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.api.train.Objective;
import io.fusion4j.api.train.StepContext;

import java.util.Map;

/**
 * What a VQ tokenizer is trained to minimise: the reconstruction MSE ({@code recon}, weight 1) plus the commitment
 * loss ({@code commit}, weight β), each a mean over its elements; in training micro-batches it then updates the
 * codebook by EMA and restarts dead codes (Philox stream 0 of the step). Metrics: {@code perplexity},
 * {@code codes_used}, {@code restarts}.
 */
public final class VqObjective implements Objective<ImageBatch> {
    public static final String RECON = "recon";
    public static final String COMMIT = "commit";
    private final VqAutoencoder model;

    public VqObjective(VqAutoencoder model) {
        this.model = model;
    }

    @Override
    public Map<String, Long> counts(ImageBatch batch) {
        VqConfig c = model.config();
        long images = batch.rows();
        return Map.of(RECON, images * c.side() * c.side(), COMMIT, images * c.tokensPerImage());
    }

    @Override
    public void step(StepContext ctx, ImageBatch micro) {
        Graph g = ctx.graph();
        Backend be = ctx.backend();
        LossSink losses = ctx.losses();
        VqConfig c = model.config();
        VectorQuantizer q = model.quantizer();
        Tensor images = model.upload(be, g.arena(), micro.images());
        Var z = model.encode(g, images);
        Tensor codes = q.nearest(be, g.arena(), z.value());
        Tensor quantized = q.lookup(be, g.arena(), codes);
        Var decoded = model.decode(g, VectorQuantizer.straightThrough(g, z, quantized));
        Tensor target = images.reshape(Shape.of(images.numel() / c.channels(), c.channels()));
        LossValue recon = g.mse(decoded, target, losses.gradScale(RECON, 1.0));
        // The codes are constants here: this term moves the encoder toward its codes, the EMA moves the codes.
        LossValue commit = g.mse(z, quantized, losses.gradScale(COMMIT, c.beta()));
        losses.loss(RECON, 1.0, recon);
        losses.loss(COMMIT, c.beta(), commit);
        VectorQuantizer.Usage u = ctx.training()
                ? q.update(be, z.value(), codes, ctx.randomKey(), ctx.randomOffset(0))
                : q.usage(be, codes);
        losses.metric("perplexity", u.perplexity());
        losses.metric("codes_used", u.used());
        losses.metric("restarts", u.restarted());
    }
}
