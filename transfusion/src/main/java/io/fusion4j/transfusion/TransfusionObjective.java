package io.fusion4j.transfusion;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.random.Philox;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.api.train.Objective;
import io.fusion4j.api.train.StepContext;
import io.fusion4j.transfusion.diffusion.DiffusionSchedule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Transfusion's loss (transfusion.md §3, docs/model.md): {@code L = L_LM + λ·L_DDPM}. {@value #LM}: next-token
 * cross-entropy over the text targets (none at BOI inputs or at patches; EOI predicts the next text token), mean
 * over the batch's targets (the in-image attention is the config's: bidirectional, or causal for the ablation).
 * {@value #DIFFUSION}: for each image one timestep t (uniform in {@code [1, T]}, in
 * {@code [1, noiseLimit]} for an image laid out before its caption), its latent noised as {@code √ᾱ_t·x₀ + √(1−ᾱ_t)·ε},
 * the mean squared error of the predicted ε over the image's elements, then the mean over the batch's images. The
 * attention mask is causal and bidirectional inside each image. The timesteps come from Philox stream
 * {@value #TIME_STREAM} and the noise from stream {@value #NOISE_STREAM} of the step, so resume redraws them exactly.
 */
public final class TransfusionObjective implements Objective<MixedBatch> {
    public static final String LM = "lm";
    public static final String DIFFUSION = "diffusion";
    static final int TIME_STREAM = 9;
    static final int NOISE_STREAM = 10;

    private final TransfusionModel model;
    private final DiffusionSchedule schedule;

    public TransfusionObjective(TransfusionModel model) {
        this.model = model;
        this.schedule = DiffusionSchedule.cosine(model.config().timesteps());
    }

    @Override
    public Map<String, Long> counts(MixedBatch batch) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put(LM, batch.targetCount());
        m.put(DIFFUSION, (long) batch.images().size());
        return m;
    }

    /** Whether the image of {@code span} opens its document and a caption follows it (image-first pair). */
    static boolean imageFirst(MixedBatch b, ImageSpan span) {
        int bos = span.start() - 2; // BOS, BOI, then the patches
        boolean opens = bos == 0;
        for (int s : b.documentStarts()[span.row()]) {
            opens |= s == bos;
        }
        int eos = span.end() + 1; // EOI at end; a caption-less image is followed by EOS, which predicts nothing
        return opens && eos < b.length() && b.targets()[span.row() * b.length() + eos] != MixedBatch.IGNORE;
    }

    /** Each image's timestep for this micro-batch: a pure function of the step's random coordinates. */
    int[] timesteps(MixedBatch b, long key, long offset) {
        List<ImageSpan> images = b.images();
        int[] t = new int[images.size()];
        for (int i = 0; i < t.length; i++) {
            int limit = imageFirst(b, images.get(i)) ? model.config().noiseLimit() : schedule.steps();
            t[i] = 1 + Math.min(limit - 1, (int) (Philox.uniform(key, offset + i) * limit));
        }
        return t;
    }

    @Override
    public void step(StepContext ctx, MixedBatch b) {
        Graph g = ctx.graph();
        Backend be = g.backend();
        TokenMeta tokens = TokenMeta.upload(be, g.arena(), b, model.config().bidirectionalImages());
        ForwardPass pass = new ForwardPass(g, tokens, ctx.losses(),
                ctx.training() ? new ForwardPass.Noise(ctx.randomKey(), ctx.randomOffset(NOISE_STREAM)) : null);
        int rows = b.rows() * b.length();
        Tensor targets = g.arena().allocate(DType.I32, Shape.of(rows));
        be.copyFromHost(b.targetsFor(null), targets);
        List<ImageSpan> images = b.images();
        int patches = tokens.countOf(Modality.IMAGE);
        if (images.isEmpty()) {
            var out = model.forward(pass, null, new int[0], null);
            ctx.losses().loss(LM, 1, g.crossEntropySum(out.logits(), targets, zLoss(), ctx.losses().gradScale(LM, 1)));
            return;
        }
        int width = b.imageInputWidth();
        if (b.imageInputs() == null || width != model.config().patchWidth()) {
            throw new IllegalArgumentException("a transfusion model of patch width " + model.config().patchWidth()
                    + " needs continuous image inputs of that width, found "
                    + (b.imageInputs() == null ? "discrete images" : "width " + width));
        }
        int perImage = images.getFirst().end() - images.getFirst().start();
        int[] imageOf = new int[patches];
        int p = 0;
        for (int i = 0; i < images.size(); i++) {
            ImageSpan s = images.get(i);
            if (s.end() - s.start() != perImage) {
                throw new IllegalArgumentException("every image of a batch must have the same number of patches for"
                        + " the per-image diffusion mean; found " + perImage + " and " + (s.end() - s.start()));
            }
            for (int k = s.start(); k < s.end(); k++) {
                imageOf[p++] = i;
            }
        }
        int[] t = timesteps(b, ctx.randomKey(), ctx.randomOffset(TIME_STREAM));
        float[] signal = new float[patches];
        float[] noiseScale = new float[patches];
        for (int k = 0; k < patches; k++) {
            double ab = schedule.alphaBar(t[imageOf[k]]);
            signal[k] = (float) Math.sqrt(ab);
            noiseScale[k] = (float) Math.sqrt(1 - ab);
        }
        Tensor eps = g.arena().allocate(DType.F32, Shape.of(patches, width));
        be.randomNormal(eps, ctx.randomKey(), ctx.randomOffset(NOISE_STREAM));
        Tensor noised = noise(g, tokens.imageInputs(), eps, signal, noiseScale);
        Tensor owner = g.arena().allocate(DType.I32, Shape.of(patches));
        be.copyFromHost(imageOf, owner);
        var out = model.forward(pass, g.constant(noised), t, owner);
        ctx.losses().loss(LM, 1, g.crossEntropySum(out.logits(), targets, zLoss(), ctx.losses().gradScale(LM, 1)));
        // Per image: the mean over its perImage·width elements; the mse op gives each patch row's mean.
        double weight = model.config().diffusionWeight();
        LossValue rowsSum = g.mse(out.noise(), eps, ctx.losses().gradScale(DIFFUSION, weight) / perImage);
        ctx.losses().loss(DIFFUSION, weight, new LossValue(rowsSum.sum() / perImage, images.size()));
        if (ctx.losses().recordsMetrics()) {
            ctx.losses().metric("tokens.text", tokens.countOf(Modality.TEXT));
            ctx.losses().metric("tokens.image", patches);
        }
    }

    private float zLoss() {
        return model.config().trunk().base().zLoss();
    }

    /** {@code √ᾱ·x₀ + √(1−ᾱ)·ε} row by row, on the backend. */
    private static Tensor noise(Graph g, Tensor x0, Tensor eps, float[] signal, float[] noiseScale) {
        Backend be = g.backend();
        long n = x0.shape().dim(0);
        Tensor a = g.arena().allocate(DType.F32, Shape.of(n));
        Tensor s = g.arena().allocate(DType.F32, Shape.of(n));
        be.copyFromHost(signal, a);
        be.copyFromHost(noiseScale, s);
        Tensor clean = g.arena().allocate(DType.F32, x0.shape());
        Tensor noise = g.arena().allocate(DType.F32, x0.shape());
        be.mulRows(x0, a, clean);
        be.mulRows(eps, s, noise);
        Tensor out = g.arena().allocate(DType.F32, x0.shape());
        be.axpby(1f, clean, 1f, noise, out);
        return out;
    }
}
