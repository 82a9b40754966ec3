package io.fusion4j.transfusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.router.Routers;
import io.fusion4j.transfusion.diffusion.Sampler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.TokenSampler;
import java.util.ArrayList;
import java.util.List;

/**
 * The Transfusion sampler on a small random model: guidance at its fixed points (w = 1 the conditional stream, w = 0
 * the caption-less one), the same seed giving the same image, and captions that never start an image.
 */
class TransfusionSamplerTest {
    private static final Vocabulary V = Vocabulary.of(10, 0);
    private static Backend be;
    private static TransfusionSampler sampler;

    @BeforeAll
    static void start() {
        be = Backends.discover().create("cpu", BackendOptions.withThreads(1));
        TransfusionModel m = TransfusionModel.build(TransfusionLayoutTest.tiny(V.size(), 4), Routers.discover());
        m.decoder().parameters().allocate(be, 3);
        sampler = new TransfusionSampler(m, be, V, 4);
    }

    @AfterAll
    static void stop() {
        be.close();
    }

    @Test
    void guidanceAtOneIsConditionalAndAtZeroTheUnconditionalSample() {
        int[] cond = {V.bos(), 3, 4, V.boi()};
        int[] uncond = {V.bos(), V.boi()};
        for (Sampler kind : Sampler.values()) {
            float[] c = sampler.image(cond, kind, 5, 1, null, 7, k -> { });
            float[] c1 = sampler.image(cond, kind, 5, 1, uncond, 7, k -> { });
            assertThat(c1).containsExactly(c);
            float[] zero = sampler.image(cond, kind, 5, 0, uncond, 7, k -> { });
            float[] free = sampler.image(uncond, kind, 5, 1, null, 7, k -> { });
            assertThat(zero).containsExactly(free);
            float[] strong = sampler.image(cond, kind, 5, 4, uncond, 7, k -> { });
            assertThat(strong).isNotEqualTo(c);
        }
    }

    @Test
    void theSameSeedGivesTheSameImageAndEveryStepIsReported() {
        int[] prefix = {V.bos(), 5, V.boi()};
        int[] steps = {0};
        float[] a = sampler.image(prefix, Sampler.DDPM, 6, 1, null, 11, k -> steps[0] = k);
        assertThat(steps[0]).isEqualTo(6);
        assertThat(sampler.image(prefix, Sampler.DDPM, 6, 1, null, 11, k -> { })).containsExactly(a);
        assertThat(sampler.image(prefix, Sampler.DDPM, 6, 1, null, 12, k -> { })).isNotEqualTo(a);
        assertThat(a).hasSize(16);
        float[] clipped = sampler.image(prefix, Sampler.DDIM, 6, 1, null, 11, 1.0, k -> { });
        for (float v : clipped) {
            assertThat(v).isBetween(-1f, 1f); // the last step returns the clamped clean estimate
        }
        assertThatThrownBy(() -> sampler.image(new int[]{V.bos()}, Sampler.DDIM, 2, 1, null, 1, k -> { }))
                .hasMessageContaining("must end with BOI");
    }

    private static List<GenerationEvent> stream(TransfusionSampler.Request r, long seed) {
        List<GenerationEvent> events = new ArrayList<>();
        sampler.generate(r, new TokenSampler(1.0, 1.0, new java.util.SplittableRandom(seed)),
                ids -> java.util.Arrays.toString(ids), null, () -> false, events::add);
        return events;
    }

    @Test
    void oneStreamSwitchesFromTextToAnImageAndBackAndCaptionsNeverOpenOne() {
        int[] prompt = {V.bos(), 3, 4, V.boi()};
        List<GenerationEvent> e = stream(new TransfusionSampler.Request(prompt, null, 6, true, 0, Sampler.DDIM, 5, 2,
                1.0, 9), 1);
        long steps = e.stream().filter(x -> x instanceof GenerationEvent.DenoisingStep).count();
        assertThat(steps).isEqualTo(5);
        int image = -1;
        for (int i = 0; i < e.size(); i++) {
            if (e.get(i) instanceof GenerationEvent.ImageFinished f) {
                image = i;
                assertThat(f.codes()).isEmpty();
            }
        }
        assertThat(image).isPositive();
        // EOI follows the image, then the text continues (up to 6 new tokens, or EOS).
        assertThat(((GenerationEvent.Token) e.get(image + 1)).id()).isEqualTo(V.eoi());
        assertThat(e.getLast()).isInstanceOf(GenerationEvent.Finished.class);
        // The image the stream made is the one image() makes for the same prefix and seed.
        float[] direct = sampler.image(prompt, Sampler.DDIM, 5, 2, new int[]{V.bos(), V.boi()}, 9, 1.0, k -> { });
        float[][] seen = new float[1][];
        sampler.generate(new TransfusionSampler.Request(prompt, null, 0, true, 1, Sampler.DDIM, 5, 2, 1.0, 9),
                new TokenSampler(0, 1.0, new java.util.SplittableRandom(1)), ids -> "", x -> {
                    seen[0] = x.clone();
                    return null;
                }, () -> false, ev -> { });
        assertThat(seen[0]).containsExactly(direct);
        // A caption of an image never begins another one, nor closes one.
        for (long seed = 0; seed < 4; seed++) {
            List<GenerationEvent> c = stream(new TransfusionSampler.Request(new int[0], new float[16], 10, false, 0,
                    Sampler.DDIM, 3, 1, 1.0, 2), seed);
            for (GenerationEvent ev : c) {
                if (ev instanceof GenerationEvent.Token t) {
                    assertThat(t.id()).isNotIn(V.boi(), V.eoi());
                }
                assertThat(ev).isNotInstanceOf(GenerationEvent.DenoisingStep.class);
            }
        }
    }

    @Test
    void cachedSamplingEqualsTheWholeSequenceLoopForDenseAndModalityExpertTrunksAndTheUnetCodec() {
        var moma = TransfusionLayoutTest.tiny(V.size(), 4);
        var untied = new TransfusionConfig(new io.fusion4j.moma.MomaConfig(moma.trunk().base(), 2,
                io.fusion4j.api.router.RouterSpec.of("modality", "text", 1), null), 4, 8, 1000, 5, 500);
        TransfusionModel m2 = TransfusionModel.build(untied, Routers.discover());
        m2.decoder().parameters().allocate(be, 4);
        TransfusionSampler experts = new TransfusionSampler(m2, be, V, 4);
        // The U-Net codec: 4 patches of 2x2x1 are a 4x4 latent, one stride-2 level, its skips kept per span.
        TransfusionModel m3 = TransfusionModel.build(moma.withUnet(2, 4), Routers.discover());
        m3.decoder().parameters().allocate(be, 5);
        TransfusionSampler unet = new TransfusionSampler(m3, be, V, 4);
        int[] cond = {V.bos(), 3, 4, 5, V.boi()};
        int[] uncond = {V.bos(), V.boi()};
        for (TransfusionSampler s : new TransfusionSampler[]{sampler, experts, unet}) {
            for (Sampler kind : Sampler.values()) {
                float[] cached = s.image(cond, kind, 6, 3, uncond, 5, 1.0, k -> { });
                float[] whole = s.uncachedImage(cond, kind, 6, 3, uncond, 5, 1.0);
                assertThat(cached).hasSameSizeAs(whole);
                for (int i = 0; i < whole.length; i++) {
                    assertThat(cached[i]).as("%s element %d", kind, i)
                            .isCloseTo(whole[i], org.assertj.core.data.Offset.offset(2e-4f));
                }
            }
        }
    }
}
