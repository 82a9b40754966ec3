package io.fusion4j.eval.generate;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.MixedModalGenerator;
import io.fusion4j.api.generate.TokenSampler;
import io.fusion4j.eval.models.Models;
import io.fusion4j.transfusion.TransfusionSampler;
import io.fusion4j.transfusion.diffusion.Sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Images for a caption and captions for an image from a loaded image–caption run, whichever way it holds images:
 * discrete codes (MoMa, Chameleon: sampled token by token) or continuous patches (Transfusion: denoised). What the
 * evaluation suite scores; the same requests {@code generate} makes, without the printing.
 */
public final class RunSampling {
    /**
     * How images are drawn: for Transfusion runs the sampler and its steps, for discrete runs the code temperature;
     * the guidance scale applies to both (1 = off). Image {@code k} of a call uses seed {@code seed + k}.
     */
    public record ImageOptions(Sampler sampler, int steps, double guidance, double temperature, long seed) {
    }

    private final LoadedRun run;
    private final Backend backend;
    private final Models models;

    public RunSampling(LoadedRun run, Backend backend, Models models) {
        if (run.vocabulary() == null || (run.codec() == null && run.continuous() == null)) {
            throw new UserInputException(run.run() + " is not a run on image–caption data with an image tokenizer,"
                    + " so it cannot draw or read images");
        }
        this.run = run;
        this.backend = backend;
        this.models = models;
    }

    /** {@code n} images for {@code caption}; {@code done} is told after each one. */
    public List<Image> images(String caption, int n, ImageOptions o, Consumer<Integer> done) {
        Vocabulary v = run.vocabulary();
        int[] ids = v.imageRequest(run.tokenizer().encode(caption));
        List<Image> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            Consumer<GenerationEvent> collect = e -> {
                if (e instanceof GenerationEvent.ImageFinished f) {
                    out.add(f.image());
                }
            };
            if (run.transfusion()) {
                var request = new TransfusionSampler.Request(ids, null, 0, true, 1, o.sampler(), o.steps(),
                        o.guidance(), run.clip(), o.seed() + k);
                transfusionSampler().generate(request, new TokenSampler(0, 0, 1, new SplittableRandom(o.seed() + k)),
                        run.tokenizer()::decode, run.continuous()::decode, () -> false, collect);
            } else {
                var request = new MixedModalGenerator.Request(ids, 0, 1, o.guidance(), new int[]{v.bos()});
                mixedGenerator().generate(request, new TokenSampler(o.temperature(), 0, 1,
                        new SplittableRandom(o.seed() + k)), () -> false, collect);
            }
            if (out.size() != k + 1) {
                throw new IllegalStateException("the generator finished without an image for \"" + caption + "\"");
            }
            done.accept(k + 1);
        }
        return out;
    }

    /** A greedy caption of at most {@code maxTokens} tokens for {@code image} (its size must be the run's). */
    public String caption(Image image, int maxTokens) {
        Vocabulary v = run.vocabulary();
        StringBuilder text = new StringBuilder();
        Consumer<GenerationEvent> collect = e -> {
            if (e instanceof GenerationEvent.Token t) {
                text.append(t.textDelta());
            }
        };
        TokenSampler greedy = new TokenSampler(0, 0, 1, new SplittableRandom(0));
        if (run.transfusion()) {
            float[] patches = run.continuous().encode(image).patches();
            int room = run.context() - 3 - run.continuous().patchesPerImage();
            var request = new TransfusionSampler.Request(new int[0], patches, Math.max(0, Math.min(maxTokens, room)),
                    false, 0, Sampler.DDIM, 1, 1, run.clip(), 0);
            transfusionSampler().generate(request, greedy, run.tokenizer()::decode, run.continuous()::decode,
                    () -> false, collect);
        } else {
            int[] ids = v.imageThenText(run.codec().encode(image).codes(), new int[0]);
            int room = run.context() - ids.length;
            var request = new MixedModalGenerator.Request(ids, Math.max(0, Math.min(maxTokens, room)), 0, 1,
                    new int[]{v.bos()});
            mixedGenerator().generate(request, greedy, () -> false, collect);
        }
        return text.toString().strip();
    }

    private TransfusionSampler transfusionSampler() {
        return new TransfusionSampler(models.transfusion(run.decoder()), backend, run.vocabulary(),
                run.continuous().patchesPerImage());
    }

    private MixedModalGenerator mixedGenerator() {
        return new MixedModalGenerator(run.decoder(), backend, run.vocabulary(), run.codec().tokensPerImage(),
                run.tokenizer()::decode, run.codec()::decode, run.routing());
    }
}
