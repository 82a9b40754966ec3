package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.MixedModalGenerator;
import io.fusion4j.api.generate.TokenSampler;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.moma.routing.ModalityProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generating images as discrete codes with a modality-untied MoMa model (text and image feed-forwards): the
 * structure of BOI…EOI spans, KV-cached decoding against the full forward with per-token modality, and
 * classifier-free guidance at its two fixed points (w = 1 the conditional stream, w = 0 the unconditional one).
 */
class MixedModalGenerationTest extends CpuBackendTest {
    /** Text ids 0..19, BOS 20, EOS 21, BOI 22, EOI 23, image codes 24..39. */
    private static final Vocabulary V = Vocabulary.of(20, 16);
    private static final int IMAGE = 5;
    private static final DecoderConfig BASE = new DecoderConfig(V.size(), 16, 2, 2, 24, 10000f, 1e-5f,
            NormPlacement.CHAMELEON, true, 1e-5f, 0.3f);
    private static Decoder model;

    /** Runs after the base class opened the backend. */
    @BeforeAll
    static void build() {
        model = MomaModel.build(new MomaConfig(BASE, 2, RouterSpec.of(ModalityProvider.NAME, "text", 1), null),
                MomaFixtures.routers());
        model.parameters().allocate(be, 5);
    }

    private static MixedModalGenerator generator() {
        return new MixedModalGenerator(model, be, V, IMAGE, ids -> {
            StringBuilder b = new StringBuilder();
            for (int id : ids) {
                b.append((char) ('a' + id));
            }
            return b.toString();
        }, null);
    }

    private static List<GenerationEvent> run(MixedModalGenerator.Request r, long seed) {
        List<GenerationEvent> events = new ArrayList<>();
        generator().generate(r, new TokenSampler(1.0, 1.0, new SplittableRandom(seed)), () -> false, events::add);
        return events;
    }

    private static int[] tokens(List<GenerationEvent> events) {
        return events.stream().filter(e -> e instanceof GenerationEvent.Token).mapToInt(
                e -> ((GenerationEvent.Token) e).id()).toArray();
    }

    @Test
    void insideASpanOnlyImageCodesAreDrawnAndTheSpanHasExactlyTheImagesLength() {
        int spans = 0;
        for (long seed = 0; seed < 12; seed++) {
            // Random weights at temperature 1 draw all kinds of tokens; a BOI prompt forces one span at the start.
            int[] prompt = seed % 2 == 0 ? new int[]{V.bos(), V.boi()} : new int[]{V.bos(), 3, 4};
            List<GenerationEvent> events = run(new MixedModalGenerator.Request(prompt, 60, 0, 1, null), seed);
            int[] all = new int[prompt.length + tokens(events).length];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(tokens(events), 0, all, prompt.length, all.length - prompt.length);
            int images = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == V.boi()) {
                    spans++;
                    for (int k = 1; k <= IMAGE && i + k < all.length; k++) {
                        assertThat(V.modalityOf(all[i + k])).as("seed %d position %d", seed, i + k)
                                .isEqualTo(Modality.IMAGE);
                    }
                    if (i + IMAGE + 1 < all.length) {
                        assertThat(all[i + IMAGE + 1]).as("EOI closes the span").isEqualTo(V.eoi());
                        images++;
                    }
                    i += IMAGE + 1;
                } else {
                    assertThat(V.modalityOf(all[i])).as("seed %d: a code outside a span at %d", seed, i)
                            .isEqualTo(Modality.TEXT);
                    assertThat(all[i]).isNotEqualTo(V.eoi());
                }
            }
            long reported = events.stream().filter(e -> e instanceof GenerationEvent.ImageFinished).count();
            assertThat(reported).isEqualTo(images);
            GenerationEvent last = events.getLast();
            assertThat(last).isInstanceOf(GenerationEvent.Finished.class);
            assertThat(((GenerationEvent.Finished) last).generated()).isEqualTo(all.length - prompt.length);
        }
        assertThat(spans).as("spans seen over the seeds").isGreaterThanOrEqualTo(6);
    }

    @Test
    void aRequestForOneImageStopsAtItsEoiWithTheCodesReported() {
        List<GenerationEvent> events = run(new MixedModalGenerator.Request(new int[]{V.bos(), 1, 2, V.boi()}, 0, 1,
                1, null), 3);
        int[] t = tokens(events);
        assertThat(t).hasSize(IMAGE + 1);
        assertThat(t[IMAGE]).isEqualTo(V.eoi());
        var image = (GenerationEvent.ImageFinished) events.get(events.size() - 2);
        for (int k = 0; k < IMAGE; k++) {
            assertThat(image.codes()[k]).isEqualTo(t[k] - V.imageOffset());
        }
        assertThat(((GenerationEvent.Finished) events.getLast()).reason())
                .isEqualTo(GenerationEvent.Finished.Reason.IMAGES);
    }

    @Test
    void noImageIsBegunWhenItCannotFitTheTokensLeft() {
        for (long seed = 0; seed < 8; seed++) {
            int[] t = tokens(run(new MixedModalGenerator.Request(new int[]{V.bos()}, IMAGE, 0, 1, null), seed));
            assertThat(t).doesNotContain(V.boi());
        }
    }

    @Test
    void guidanceAtOneIsTheConditionalSampleAndAtZeroTheUnconditionalOne() {
        int[] cond = {V.bos(), 4, 9, 2, V.boi()};
        int[] uncond = {V.bos(), V.boi()};
        for (long seed = 0; seed < 4; seed++) {
            int[] plain = tokens(run(new MixedModalGenerator.Request(cond, 0, 1, 1, null), seed));
            int[] one = tokens(run(new MixedModalGenerator.Request(cond, 0, 1, 1, new int[]{V.bos()}), seed));
            assertThat(one).isEqualTo(plain);
            // u + 0·(c − u) is u exactly, so the codes are those of the caption-less prompt.
            int[] zero = tokens(run(new MixedModalGenerator.Request(cond, 0, 1, 0, new int[]{V.bos()}), seed));
            int[] free = tokens(run(new MixedModalGenerator.Request(uncond, 0, 1, 1, null), seed));
            assertThat(zero).isEqualTo(free);
        }
        // And guidance changes something: a strong scale moves the codes away from the conditional sample.
        boolean differs = false;
        for (long seed = 0; seed < 6 && !differs; seed++) {
            differs = !Arrays.equals(tokens(run(new MixedModalGenerator.Request(cond, 0, 1, 1, null), seed)),
                    tokens(run(new MixedModalGenerator.Request(cond, 0, 1, 8, new int[]{V.bos()}), seed)));
        }
        assertThat(differs).isTrue();
        assertThatThrownBy(() -> new MixedModalGenerator.Request(cond, 0, 1, 3, null))
                .hasMessageContaining("needs an unconditional context");
    }

    @Test
    void kvCachedDecodingEqualsTheFullForwardOnAMixedSequence() {
        int[] seq = {V.bos(), 3, 7, V.boi(), 24, 31, 39, 25, 30, V.eoi(), 5, 1, V.eos()};
        int t = seq.length;
        byte[] mod = new byte[t];
        for (int i = 0; i < t; i++) {
            mod[i] = (byte) V.modalityOf(seq[i]).ordinal();
        }
        int[] targets = new int[t];
        Arrays.fill(targets, MixedBatch.IGNORE);
        MixedBatch b = new MixedBatch(1, t, seq, targets, mod, mod.clone(), new int[]{t}, new int[][]{{}},
                List.of(new ImageSpan(0, 4, 9)), null, 0, DataPosition.START);
        int vocab = BASE.vocab();
        float[] full;
        try (StepArena arena = be.newArena()) {
            var out = model.logits(ForwardPass.of(new Graph(be, arena, false), TokenMeta.upload(be, arena, b, false)));
            full = new float[t * vocab];
            be.copyToHost(out.value(), full);
        }
        KvCache cache = new KvCache(be, BASE, t);
        try (StepArena arena = be.newArena()) {
            for (int i = 0; i < t; i++) {
                var step = model.decodeStep(new Graph(be, arena, false), seq[i], V.modalityOf(seq[i]), cache);
                float[] got = new float[vocab];
                be.copyToHost(step.value(), got);
                for (int v = 0; v < vocab; v++) {
                    assertThat(got[v]).as("position %d logit %d", i, v)
                            .isCloseTo(full[i * vocab + v], org.assertj.core.data.Offset.offset(2e-5f));
                }
                arena.release();
            }
        }
        // Decoding an image code as text would route it to the text expert: different logits, so the check bites.
        KvCache wrong = new KvCache(be, BASE, 1);
        try (StepArena arena = be.newArena()) {
            float[] asText = new float[vocab];
            be.copyToHost(model.decodeStep(new Graph(be, arena, false), 24, Modality.TEXT, wrong).value(), asText);
            KvCache right = new KvCache(be, BASE, 1);
            float[] asImage = new float[vocab];
            be.copyToHost(model.decodeStep(new Graph(be, arena, false), 24, Modality.IMAGE, right).value(), asImage);
            assertThat(asText).isNotEqualTo(asImage);
        }
    }
}
