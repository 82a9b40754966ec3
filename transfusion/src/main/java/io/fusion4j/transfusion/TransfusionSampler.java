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
        if (!model.config().bidirectionalImages()) {
            // A cached span sees itself both ways; the causal ablation is run on the whole sequence instead.
            return denoise(sampler, steps, guidance, seed, clip, progress, uncached(prefix), uncached(unconditional));
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

    /** A cache holding {@code prefix}, run in one causal pass, with room for one image. */
    private KvCache prefill(StepArena arena, int[] prefix) {
        KvCache cache = new KvCache(backend, model.config().trunk().base(), prefix.length + patches);
        model.decoder().prefill(new Graph(backend, arena, false), prefix, io.fusion4j.api.data.Modality.TEXT, cache,
                io.fusion4j.api.router.RoutingMode.BATCH);
        arena.release();
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
        return denoise(sampler, steps, guidance, seed, clip, k -> { }, uncached(prefix), uncached(unconditional));
    }

    /** Predictions from the whole sequence {@code prefix} + patches. */
    private NoisePredictor uncached(int[] prefix) {
        return (x, t, eps) -> System.arraycopy(uncachedNoise(prefix, x, t), 0, eps, 0, eps.length);
    }

    private void checkPrefix(int[] prefix, String what) {
        if (prefix == null || prefix.length == 0 || prefix[prefix.length - 1] != vocabulary.boi()) {
            throw new IllegalArgumentException("the " + what + " must end with BOI (" + vocabulary.boi() + "), found "
                    + (prefix == null ? "none" : Arrays.toString(prefix)));
        }
    }

    /** The model's noise prediction for patches {@code x} at timestep {@code t} after {@code prefix}, whole sequence. */
    float[] uncachedNoise(int[] prefix, float[] x, int t) {
        MixedBatch b = sequence(prefix, x);
        try (StepArena arena = backend.newArena()) {
            var out = forward(arena, b, t);
            float[] eps = new float[patches * width];
            backend.copyToHost(out.noise().value(), eps);
            return eps;
        }
    }

    private TransfusionModel.Outputs forward(StepArena arena, MixedBatch b, int t) {
        Graph g = new Graph(backend, arena, false);
        TokenMeta tokens = TokenMeta.upload(backend, arena, b, model.config().bidirectionalImages());
        ForwardPass pass = new ForwardPass(g, tokens, LossSink.NONE);
        Tensor owner = arena.allocate(DType.I32, Shape.of(patches));
        backend.copyFromHost(new int[patches], owner);
        return model.forward(pass, g.constant(tokens.imageInputs()), new int[]{t}, owner);
    }

    /** One row: {@code prefix}, then the image's patches. */
    private MixedBatch sequence(int[] prefix, float[] x) {
        int len = prefix.length + patches;
        int[] ids = new int[len];
        System.arraycopy(prefix, 0, ids, 0, prefix.length);
        byte[] modality = new byte[len];
        for (int i = prefix.length; i < prefix.length + patches; i++) {
            modality[i] = (byte) Modality.IMAGE.ordinal();
        }
        int[] targets = new int[len];
        Arrays.fill(targets, MixedBatch.IGNORE);
        return new MixedBatch(1, len, ids, targets, modality, modality.clone(), new int[]{len}, new int[][]{{}},
                java.util.List.of(new ImageSpan(0, prefix.length, prefix.length + patches)), x.clone(), width,
                DataPosition.START);
    }

    /**
     * What {@link #generate} makes: a stream that switches modes.
     *
     * @param prompt      token ids; ending with BOI asks for an image at once
     * @param promptImage an image's clean patches to put first ({@code BOS BOI image EOI}, then {@code prompt}), or
     *                    null: how a caption is asked for
     * @param maxTokens   the most new text tokens
     * @param images      whether the model may begin images of its own (when one still fits)
     * @param maxImages   stop after this many images (0: no limit)
     */
    public record Request(int[] prompt, float[] promptImage, int maxTokens, boolean images, int maxImages,
                          Sampler sampler, int steps, double guidance, double clip, long seed) {
    }

    /**
     * One generation over a KV cache: text token by token from {@code tokens} until the model emits BOI (image codes do
     * not exist here; EOI is never drawn), then an image denoised in place over the cached prefix (with guidance
     * against {@code BOS BOI}), its clean patches appended to the cache at t = 0, EOI, and text again; EOS ends it.
     * Events: {@link io.fusion4j.api.generate.GenerationEvent.Token} per token (BOI and EOI included),
     * {@code DenoisingStep} per step, {@code ImageFinished} with {@code draw}'s picture, one {@code Finished}.
     */
    public io.fusion4j.api.generate.GenerationEvent.Finished generate(Request r,
            io.fusion4j.api.generate.TokenSampler tokens, java.util.function.Function<int[], String> text,
            java.util.function.Function<float[], io.fusion4j.api.data.Image> draw,
            java.util.function.BooleanSupplier cancelled,
            java.util.function.Consumer<? super io.fusion4j.api.generate.GenerationEvent> events) {
        int vocab = model.config().vocab();
        if (!model.config().bidirectionalImages() && (r.promptImage() != null || r.maxTokens() > 0
                || r.prompt().length == 0 || r.prompt()[r.prompt().length - 1] != vocabulary.boi())) {
            throw new IllegalArgumentException("a model with causal attention inside images (the ablation) only draws"
                    + " an image for a caption: its spans cannot be cached both ways, so text around images is not"
                    + " generated from it");
        }
        int imageRoom = patches + 2; // BOI, the patches, EOI
        int start = r.promptImage() == null ? 0 : 2 + patches + 1;
        int capacity = start + r.prompt().length + r.maxTokens() + (r.images() ? imageRoom : 0) + 1;
        KvCache cache = new KvCache(backend, model.config().trunk().base(), capacity);
        float[] logits = new float[vocab];
        int[] seq = new int[capacity];
        int len = 0;
        int made = 0;
        int images = 0;
        String shown = "";
        try (StepArena arena = backend.newArena()) {
            if (r.promptImage() != null) {
                if (r.promptImage().length != patches * width) {
                    throw new IllegalArgumentException("the prompt image holds " + r.promptImage().length
                            + " floats; an image is " + patches + " patches of " + width);
                }
                step(arena, vocabulary.bos(), cache, null);
                step(arena, vocabulary.boi(), cache, null);
                appendClean(arena, r.promptImage(), cache);
                step(arena, vocabulary.eoi(), cache, r.prompt().length == 0 ? logits : null);
            }
            for (int i = 0; i < r.prompt().length; i++) {
                seq[len++] = r.prompt()[i];
                step(arena, r.prompt()[i], cache, i + 1 == r.prompt().length ? logits : null);
            }
            shown = text.apply(vocabulary.textOnly(seq, len));
            boolean inImage = len > 0 && seq[len - 1] == vocabulary.boi();
            while (true) {
                if (cancelled.getAsBoolean()) {
                    return finish(events, made, io.fusion4j.api.generate.GenerationEvent.Finished.Reason.CANCELLED);
                }
                if (inImage) {
                    float[] x0 = denoiseOver(arena, cache, r, images, events);
                    events.accept(new io.fusion4j.api.generate.GenerationEvent.ImageFinished(images, new int[0],
                            draw == null ? null : draw.apply(x0)));
                    images++;
                    seq[len++] = vocabulary.eoi();
                    events.accept(new io.fusion4j.api.generate.GenerationEvent.Token(vocabulary.eoi(), ""));
                    if (r.maxImages() > 0 && images >= r.maxImages()) {
                        return finish(events, made, io.fusion4j.api.generate.GenerationEvent.Finished.Reason.IMAGES);
                    }
                    if (made >= r.maxTokens()) {
                        // No text follows, so nothing would read the image's clean keys: skip that forward.
                        return finish(events, made, io.fusion4j.api.generate.GenerationEvent.Finished.Reason.MAX_TOKENS);
                    }
                    appendClean(arena, x0, cache);
                    step(arena, vocabulary.eoi(), cache, logits);
                    inImage = false;
                    continue;
                }
                if (made >= r.maxTokens()) {
                    return finish(events, made, io.fusion4j.api.generate.GenerationEvent.Finished.Reason.MAX_TOKENS);
                }
                logits[vocabulary.eoi()] = Float.NEGATIVE_INFINITY;
                if (!r.images() || cache.position() + imageRoom > capacity) {
                    logits[vocabulary.boi()] = Float.NEGATIVE_INFINITY;
                }
                int next = tokens.sample(logits);
                if (next == vocabulary.eos()) {
                    return finish(events, made,
                            io.fusion4j.api.generate.GenerationEvent.Finished.Reason.END_OF_SEQUENCE);
                }
                seq[len++] = next;
                made++;
                String after = text.apply(vocabulary.textOnly(seq, len));
                events.accept(new io.fusion4j.api.generate.GenerationEvent.Token(next,
                        after.substring(Math.min(shown.length(), after.length()))));
                shown = after;
                inImage = next == vocabulary.boi();
                step(arena, next, cache, inImage ? null : logits);
            }
        }
    }

    /** Denoises one image after what {@code cache} holds (left as it was), guided against {@code BOS BOI}. */
    private float[] denoiseOver(StepArena arena, KvCache cond, Request r, int index,
                                java.util.function.Consumer<? super io.fusion4j.api.generate.GenerationEvent> events) {
        int at = cond.position();
        boolean guided = r.guidance() != 1;
        if (!model.config().bidirectionalImages()) {
            return image(r.prompt(), r.sampler(), r.steps(), r.guidance(), new int[]{vocabulary.bos(), vocabulary.boi()},
                    r.seed() + index, r.clip(),
                    k -> events.accept(new io.fusion4j.api.generate.GenerationEvent.DenoisingStep(k, r.steps())));
        }
        int[] free = {vocabulary.bos(), vocabulary.boi()};
        KvCache uncond = guided ? prefill(arena, free) : null;
        Tensor noised = backend.allocate(DType.F32, Shape.of(patches, width));
        return denoise(r.sampler(), r.steps(), r.guidance(), r.seed() + index, r.clip(),
                k -> events.accept(new io.fusion4j.api.generate.GenerationEvent.DenoisingStep(k, r.steps())),
                (x, t, eps) -> spanNoise(arena, noised, x, t, cond, at, eps),
                (x, t, eps) -> spanNoise(arena, noised, x, t, uncond, free.length, eps));
    }

    /** Appends an image's clean patches to the cache (their keys and values at t = 0), as later text sees them. */
    private void appendClean(StepArena arena, float[] x0, KvCache cache) {
        Tensor clean = arena.allocate(DType.F32, Shape.of(patches, width));
        backend.copyFromHost(x0, clean);
        model.spanNoise(new Graph(backend, arena, false), clean, 0, cache);
        arena.release();
    }

    private void step(StepArena arena, int id, KvCache cache, float[] logits) {
        io.fusion4j.api.generate.Decoding.step(model.decoder(), backend, arena, id, vocabulary.modalityOf(id), cache,
                io.fusion4j.api.router.RoutingMode.BATCH, logits);
    }

    private static io.fusion4j.api.generate.GenerationEvent.Finished finish(
            java.util.function.Consumer<? super io.fusion4j.api.generate.GenerationEvent> events, int made,
            io.fusion4j.api.generate.GenerationEvent.Finished.Reason reason) {
        return io.fusion4j.api.generate.Decoding.finish(events, made, reason);
    }
}
