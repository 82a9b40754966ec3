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
 * <p>Every step runs the whole sequence: the prefix is short at this scale, so the recomputation costs less than the
 * bookkeeping of a span re-run over a prefix cache would save (a cached span forward is future work; see the issue
 * note). Noise comes from Philox on {@code seed}, so the same seed gives the same image.
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
        float[] x = new float[patches * width];
        long g = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = Philox.normal(seed, g++);
        }
        int n = 0;
        for (SamplerStep s : sampler.plan(schedule, steps)) {
            float[] eps = noise(prefix, x, s.t());
            if (guided) {
                float[] free = noise(unconditional, x, s.t());
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

    private void checkPrefix(int[] prefix, String what) {
        if (prefix == null || prefix.length == 0 || prefix[prefix.length - 1] != vocabulary.boi()) {
            throw new IllegalArgumentException("the " + what + " must end with BOI (" + vocabulary.boi() + "), found "
                    + (prefix == null ? "none" : Arrays.toString(prefix)));
        }
    }

    /** The model's noise prediction for patches {@code x} at timestep {@code t} after {@code prefix}. */
    float[] noise(int[] prefix, float[] x, int t) {
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
