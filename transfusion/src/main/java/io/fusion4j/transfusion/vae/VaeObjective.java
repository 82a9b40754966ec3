package io.fusion4j.transfusion.vae;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.api.train.Objective;
import io.fusion4j.api.train.StepContext;
import io.fusion4j.moma.vq.ImageBatch;

import java.util.Map;

/**
 * What a patch VAE is trained to minimise: the reconstruction MSE ({@code recon}, weight 1, a mean over pixels) plus
 * {@code KL(N(μ, σ²) ‖ N(0, 1))} ({@code kl}, weight {@code klWeight}, a mean over latent elements). Training
 * micro-batches decode the reparameterised sample {@code μ + σ ⊙ ε} (ε by Philox, stream 0 of the step); validation
 * decodes μ. Metric {@code sigma}: the mean posterior standard deviation.
 */
public final class VaeObjective implements Objective<ImageBatch> {
    public static final String RECON = "recon";
    public static final String KL = "kl";
    private final VaeAutoencoder model;

    public VaeObjective(VaeAutoencoder model) {
        this.model = model;
    }

    @Override
    public Map<String, Long> counts(ImageBatch batch) {
        VaeConfig c = model.config();
        long images = batch.rows();
        return Map.of(RECON, images * c.side() * c.side(),
                KL, images * c.grid() * c.grid() * c.latentChannels());
    }

    @Override
    public void step(StepContext ctx, ImageBatch micro) {
        Graph g = ctx.graph();
        Backend be = ctx.backend();
        LossSink losses = ctx.losses();
        VaeConfig c = model.config();
        Tensor images = model.upload(be, g.arena(), micro.images());
        VaeAutoencoder.Posterior q = model.encode(g, images);
        Var sigma = g.sigmoid(q.logit());
        Var z = q.mean();
        if (ctx.training()) {
            Tensor eps = g.arena().allocate(DType.F32, q.mean().value().shape());
            be.randomNormal(eps, ctx.randomKey(), ctx.randomOffset(0));
            z = sample(g, q.mean(), sigma, eps);
        }
        Var decoded = model.decode(g, z);
        Tensor target = images.reshape(Shape.of(images.numel() / c.channels(), c.channels()));
        losses.loss(RECON, 1.0, g.mse(decoded, target, losses.gradScale(RECON, 1.0)));
        losses.loss(KL, c.klWeight(), kl(g, q, sigma, losses.gradScale(KL, c.klWeight())));
        losses.metric("sigma", meanOf(be, sigma.value()));
    }

    /** The reparameterised sample {@code μ + σ ⊙ ε}: the gradient reaches μ and σ, ε is a constant. */
    static Var sample(Graph g, Var mean, Var sigma, Tensor eps) {
        return g.add(mean, g.mul(sigma, g.constant(eps)));
    }

    /**
     * {@code Σ ½(μ² + σ² − 1 − log σ²)} over the latent elements, from existing loss ops: {@code mse} against zeros
     * is a row's mean square (so its gradient scale is {@code g·C/2} for a gradient {@code g·x}), and with
     * {@code σ = sigmoid(s)}, {@code −log σ² = 2·softplus(−s)}, the binary cross-entropy of logit {@code −s} against 0.
     */
    static LossValue kl(Graph g, VaeAutoencoder.Posterior q, Var sigma, float gradScale) {
        Tensor zeros = g.arena().allocate(DType.F32, q.mean().value().shape());
        g.backend().fill(zeros, 0f);
        long n = q.mean().value().numel();
        long cols = q.mean().value().shape().dim(1);
        float half = gradScale * cols / 2f;
        LossValue mu2 = g.mse(q.mean(), zeros, half);
        LossValue sigma2 = g.mse(sigma, zeros, half);
        LossValue logTerm = g.binaryCrossEntropy(g.scale(q.logit(), -1f), zeros, gradScale);
        double sum = 0.5 * (mu2.sum() * cols + sigma2.sum() * cols - n) + logTerm.sum();
        return new LossValue(sum, n);
    }

    private static double meanOf(Backend be, Tensor t) {
        float[] h = new float[(int) t.numel()];
        be.copyToHost(t, h);
        double s = 0;
        for (float f : h) {
            s += f;
        }
        return s / Math.max(1, h.length);
    }
}
