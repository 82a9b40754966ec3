package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.GenerationEvent.Finished;
import io.fusion4j.api.generate.GenerationEvent.Finished.Reason;
import io.fusion4j.api.generate.GenerationEvent.Token;
import io.fusion4j.api.generate.TextGenerator;
import io.fusion4j.api.generate.TokenSampler;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

class TextGeneratorTest {
    private static final DecoderConfig CFG = new DecoderConfig(23, 32, 2, 4, 48, 10000f, 1e-5f, NormPlacement.PRE,
            false, 0f, 0.3f);
    private static final int[] PROMPT = {3, 17, 5};
    /** One letter per id, so every token adds one character. */
    private static final Function<int[], String> LETTERS = ids -> {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append((char) ('a' + id));
        }
        return sb.toString();
    };

    private Backend be;
    private Decoder dec;

    @BeforeEach
    void model() {
        be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
        dec = new Decoder(CFG);
        dec.parameters().allocate(be, 9);
    }

    @AfterEach
    void close() {
        be.close();
    }

    private static TokenSampler greedy() {
        return new TokenSampler(0, 1, new SplittableRandom(1));
    }

    /** Greedy decoding without a cache: the full causal forward over the whole sequence at every step. */
    private int[] greedyFromScratch(int[] prompt, int n) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + n);
        float[] last = new float[CFG.vocab()];
        try (StepArena arena = be.newArena()) {
            for (int len = prompt.length; len < seq.length; len++) {
                Tensor ids = be.allocate(DType.I32, Shape.of(1, len));
                Tensor pos = be.allocate(DType.I32, Shape.of(1, len));
                int[] p = new int[len];
                for (int i = 0; i < len; i++) {
                    p[i] = i;
                }
                be.copyFromHost(Arrays.copyOf(seq, len), ids);
                be.copyFromHost(p, pos);
                float[] all = new float[len * CFG.vocab()];
                be.copyToHost(dec.logits(new Graph(be, arena, false), ids, pos, AttentionMask.causal(1, len)).value(), all);
                System.arraycopy(all, (len - 1) * CFG.vocab(), last, 0, CFG.vocab());
                seq[len] = greedy().sample(last);
                arena.release();
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    private static int[] tokenIds(List<GenerationEvent> events) {
        return events.stream().filter(e -> e instanceof Token).mapToInt(e -> ((Token) e).id()).toArray();
    }

    @Test
    void cachedGreedyGenerationEqualsTheArgmaxOfTheFullForwardAtEveryStep() {
        int n = 12;
        List<GenerationEvent> events = new ArrayList<>();
        Finished done = new TextGenerator(dec, be, LETTERS, -1).generate(PROMPT, n, greedy(), () -> false, events::add);
        int[] expected = greedyFromScratch(PROMPT, n);
        assertThat(tokenIds(events)).containsExactly(expected);
        assertThat(done).isEqualTo(new Finished(n, Reason.MAX_TOKENS));
        assertThat(events).hasSize(n + 1).last().isEqualTo(done);
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e instanceof Token).forEach(e -> text.append(((Token) e).textDelta()));
        assertThat(text.toString()).isEqualTo(LETTERS.apply(expected));
    }

    @Test
    void cancellationStopsBeforeTheNextTokenWithAFinishedEvent() {
        List<GenerationEvent> events = new ArrayList<>();
        Finished done = new TextGenerator(dec, be, LETTERS, -1).generate(PROMPT, 10, greedy(),
                () -> events.size() >= 4, events::add);
        assertThat(done).isEqualTo(new Finished(4, Reason.CANCELLED));
        assertThat(tokenIds(events)).containsExactly(Arrays.copyOf(greedyFromScratch(PROMPT, 10), 4));
        assertThat(events).hasSize(5).last().isEqualTo(done);

        List<GenerationEvent> none = new ArrayList<>();
        assertThat(new TextGenerator(dec, be, LETTERS, -1).generate(PROMPT, 10, greedy(), () -> true, none::add))
                .isEqualTo(new Finished(0, Reason.CANCELLED));
        assertThat(none).containsExactly(new Finished(0, Reason.CANCELLED));
    }

    @Test
    void theEndOfSequenceTokenStopsGenerationAndIsNotReported() {
        int[] free = greedyFromScratch(PROMPT, 10);
        int stop = 1;
        while (stop < free.length - 1 && contains(Arrays.copyOf(free, stop), free[stop])) {
            stop++;
        }
        int eos = free[stop];
        List<GenerationEvent> events = new ArrayList<>();
        Finished done = new TextGenerator(dec, be, LETTERS, eos).generate(PROMPT, 10, greedy(), () -> false, events::add);
        int firstEos = 0;
        while (free[firstEos] != eos) {
            firstEos++;
        }
        assertThat(done).isEqualTo(new Finished(firstEos, Reason.END_OF_SEQUENCE));
        assertThat(tokenIds(events)).containsExactly(Arrays.copyOf(free, firstEos));
    }

    private static boolean contains(int[] a, int v) {
        return Arrays.stream(a).anyMatch(x -> x == v);
    }

    @Test
    void zeroNewTokensFinishesAtOnceAndBadArgumentsAreRejected() {
        TextGenerator gen = new TextGenerator(dec, be, LETTERS, -1);
        List<GenerationEvent> events = new ArrayList<>();
        assertThat(gen.generate(PROMPT, 0, greedy(), () -> false, events::add)).isEqualTo(new Finished(0, Reason.MAX_TOKENS));
        assertThat(events).hasSize(1);
        assertThatThrownBy(() -> gen.generate(new int[0], 5, greedy(), () -> false, e -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt");
        assertThatThrownBy(() -> gen.generate(new int[]{23}, 5, greedy(), () -> false, e -> { }))
                .hasMessageContaining("prompt token 23 is outside the vocabulary [0, 23)");
        assertThatThrownBy(() -> gen.generate(PROMPT, -1, greedy(), () -> false, e -> { }))
                .hasMessageContaining("maxTokens must be >= 0");
        assertThatThrownBy(() -> new TextGenerator(dec, be, LETTERS, 23)).hasMessageContaining("endOfSequence");
    }
}
