package io.fusion4j.transfusion;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.random.Philox;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.transfusion.diffusion.DiffusionSchedule;
import io.fusion4j.transfusion.diffusion.Sampler;
import io.fusion4j.transfusion.diffusion.SamplerStep;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Transfusion's two modes at inference (transfusion.md §5): an image for a prefix that ends with {@code BOI}, denoised
 * in place from pure noise in {@code n} respaced steps (DDIM or DDPM), each step one forward over the prefix and the
 * image's patches (bidirectional among themselves) at the step's timestep, with classifier-free guidance
 * {@code ε̂ = ε_u + w·(ε_c − ε_u)} against a caption-less prefix; and text after an image (a caption), greedy, with
 * the image's clean patches in the context at {@code t = 0}.
 *
 * <p>The prefix's keys and values are computed once into a KV cache per branch; each step runs only the image's
 * patches over it ({@link io.fusion4j.api.nn.Decoder#decodeSpan}) and truncates the cache back to the prefix.
 * {@link #uncachedNoise} runs the whole sequence instead, the reference the cached path is tested against. Noise comes
 * from Philox on {@code seed}, so the same seed gives the same image.
 */
public final class TransfusionSampler {
    private final TransfusionModel model;
    private final Backend backend;
    private final Vocabulary vocabulary;
    private final int patches;
    private final int width;
    private final DiffusionSchedule schedule;

    /** @param patches patch vectors per image, each of the model's patch width */
    public TransfusionSampler(TransfusionModel model, Backend backend, Vocabulary vocabulary, int patches) {
        this.model = Objects.requireNonNull(model, "model");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        if (patches < 1) {
            throw new IllegalArgumentException("an image needs >= 1 patch, found " + patches);
        }
        this.patches = patches;
        this.width = model.config().patchWidth();
        this.schedule = DiffusionSchedule.cosine(model.config().timesteps());
    }

    /**
     * The denoised patches ({@code patches × width} floats, raster order) of an image that follows {@code prefix}
     * (which must end with BOI).
     *
     * @param guidance      the guidance scale w; 1 runs the conditional branch alone
     * @param unconditional the caption-less prefix guidance compares against (ending with BOI); unused at w = 1
     * @param progress      told each finished step's number, from 1
     */
    public float[] image(int[] prefix, Sampler sampler, int steps, double guidance, int[] unconditional, long seed,
                         IntConsumer progress) {
        return image(prefix, sampler, steps, guidance, unconditional, seed, Double.POSITIVE_INFINITY, progress);
    }

    /** As above, the clean estimate clamped to {@code [−clip, clip]} at every step (pixels: 1; infinite: none). */
    public float[] image(int[] prefix, Sampler sampler, int steps, double guidance, int[] unconditional, long seed,
                         double clip, IntConsumer progress) {
        checkPrefix(prefix, "prefix");
        boolean guided = guidance != 1;
        if (guided) {
            checkPrefix(unconditional, "unconditional prefix");
        }
        try (StepArena arena = backend.newArena()) {
            KvCache cond = prefill(arena, prefix);
            KvCache uncond = guided ? prefill(arena, unconditional) : null;
            Tensor noised = backend.allocate(DType.F32, Shape.of(patches, width));
            return denoise(sampler, steps, guidance, seed, clip, progress,
                    (x, t, eps) -> spanNoise(arena, noised, x, t, cond, prefix.length, eps),
                    (x, t, eps) -> spanNoise(arena, noised, x, t, uncond, unconditional.length, eps));
        }
    }

    /** A noise prediction for patches {@code x} at timestep {@code t}, written into {@code eps}. */
    private interface NoisePredictor {
        void predict(float[] x, int t, float[] eps);
    }

    /**
     * The sampling loop, whatever computes the predictions: pure noise from Philox, then each planned step with the
     * guided prediction {@code ε_u + w·(ε_c − ε_u)} (the conditional one alone at w = 1).
     */
    private float[] denoise(Sampler sampler, int steps, double guidance, long seed, double clip, IntConsumer progress,
                            NoisePredictor conditional, NoisePredictor unconditional) {
        boolean guided = guidance != 1;
        float[] x = new float[patches * width];
        long g = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = Philox.normal(seed, g++);
        }
        float[] eps = new float[x.length];
        float[] free = guided ? new float[x.length] : null;
        int n = 0;
        for (SamplerStep s : sampler.plan(schedule, steps)) {
            conditional.predict(x, s.t(), eps);
            if (guided) {
                unconditional.predict(x, s.t(), free);
                for (int i = 0; i < eps.length; i++) {
                    eps[i] = (float) (free[i] + guidance * (eps[i] - free[i]));
                }
            }
            for (int i = 0; i < x.length; i++) {
                double z = s.sigma() == 0 ? 0 : Philox.normal(seed, g++);
                x[i] = (float) s.update(x[i], eps[i], z, clip);
            }
            progress.accept(++n);
        }
        return x;
    }

    /** A cache holding {@code prefix}, decoded token by token (causal among themselves), with room for one image. */
    private KvCache prefill(StepArena arena, int[] prefix) {
        KvCache cache = new KvCache(backend, model.config().trunk().base(), prefix.length + patches);
        for (int id : prefix) {
            model.decoder().decodeStep(new Graph(backend, arena, false), id, vocabulary.modalityOf(id), cache);
            arena.release();
        }
        return cache;
    }

    /** The noise prediction of the image span over {@code cache}, into {@code eps}; the cache is left at the prefix. */
    private void spanNoise(StepArena arena, Tensor noised, float[] x, int t, KvCache cache, int prefix, float[] eps) {
        backend.copyFromHost(x, noised);
        backend.copyToHost(model.spanNoise(new Graph(backend, arena, false), noised, t, cache).value(), eps);
        arena.release();
        cache.truncate(prefix);
    }

    /** The whole-sequence loop the cached one must equal (the definition; tests compare the two). */
    float[] uncachedImage(int[] prefix, Sampler sampler, int steps, double guidance, int[] unconditional, long seed,
                          double clip) {
        return denoise(sampler, steps, guidance, seed, clip, k -> { },
                (x, t, eps) -> System.arraycopy(uncachedNoise(prefix, x, t), 0, eps, 0, eps.length),
                (x, t, eps) -> System.arraycopy(uncachedNoise(unconditional, x, t), 0, eps, 0, eps.length));
    }

    private void checkPrefix(int[] prefix, String what) {
        if (prefix == null || prefix.length == 0 || prefix[prefix.length - 1] != vocabulary.boi()) {
            throw new IllegalArgumentException("the " + what + " must end with BOI (" + vocabulary.boi() + "), found "
                    + (prefix == null ? "none" : Arrays.toString(prefix)));
        }
    }

    /** The model's noise prediction for patches {@code x} at timestep {@code t} after {@code prefix}, whole sequence. */
    float[] uncachedNoise(int[] prefix, float[] x, int t) {
        MixedBatch b = sequence(prefix, x, null);
        try (StepArena arena = backend.newArena()) {
            var out = forward(arena, b, t);
            float[] eps = new float[patches * width];
            backend.copyToHost(out.noise().value(), eps);
            return eps;
        }
    }

    /**
     * Greedy text after {@code prefix} (ending with BOI), the image's clean patches {@code x0}, EOI and {@code text}:
     * up to {@code maxTokens} ids, stopping before EOS.
     */
    public int[] textAfter(int[] prefix, float[] x0, int[] text, int maxTokens) {
        checkPrefix(prefix, "prefix");
        int[] out = new int[maxTokens];
        int n = 0;
        int[] tail = Arrays.copyOf(text, text.length + maxTokens);
        while (n < maxTokens) {
            MixedBatch b = sequence(prefix, x0, Arrays.copyOf(tail, text.length + n));
            int next;
            try (StepArena arena = backend.newArena()) {
                var logits = forward(arena, b, 0).logits();
                int vocab = model.config().vocab();
                float[] last = new float[vocab];
                backend.copyToHost(logits.value().slice(b.length() - 1, b.length()), last);
                next = 0;
                for (int v = 1; v < vocab; v++) {
                    if (last[v] > last[next] && v != vocabulary.boi() && v != vocabulary.eoi()) {
                        next = v;
                    }
                }
            }
            if (next == vocabulary.eos()) {
                break;
            }
            out[n] = next;
            tail[text.length + n] = next;
            n++;
        }
        return Arrays.copyOf(out, n);
    }

    private TransfusionModel.Outputs forward(StepArena arena, MixedBatch b, int t) {
        Graph g = new Graph(backend, arena, false);
        TokenMeta tokens = TokenMeta.upload(backend, arena, b, true);
        ForwardPass pass = new ForwardPass(g, tokens, LossSink.NONE);
        Tensor owner = arena.allocate(DType.I32, Shape.of(patches));
        backend.copyFromHost(new int[patches], owner);
        return model.forward(pass, g.constant(tokens.imageInputs()), new int[]{t}, owner);
    }

    /** One row: {@code prefix}, the image's patches, then (unless {@code text} is null) EOI and {@code text}. */
    private MixedBatch sequence(int[] prefix, float[] x, int[] text) {
        int len = prefix.length + patches + (text == null ? 0 : 1 + text.length);
        int[] ids = new int[len];
        System.arraycopy(prefix, 0, ids, 0, prefix.length);
        byte[] modality = new byte[len];
        for (int i = prefix.length; i < prefix.length + patches; i++) {
            modality[i] = (byte) Modality.IMAGE.ordinal();
        }
        if (text != null) {
            ids[prefix.length + patches] = vocabulary.eoi();
            System.arraycopy(text, 0, ids, prefix.length + patches + 1, text.length);
        }
        int[] targets = new int[len];
        Arrays.fill(targets, MixedBatch.IGNORE);
        return new MixedBatch(1, len, ids, targets, modality, modality.clone(), new int[]{len}, new int[][]{{}},
                java.util.List.of(new ImageSpan(0, prefix.length, prefix.length + patches)), x.clone(), width,
                DataPosition.START);
    }
}
