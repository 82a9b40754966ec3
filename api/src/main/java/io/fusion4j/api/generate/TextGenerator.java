package io.fusion4j.api.generate;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.generate.GenerationEvent.Finished;
import io.fusion4j.api.generate.GenerationEvent.Finished.Reason;
import io.fusion4j.api.generate.GenerationEvent.Token;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.StepArena;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Continues a prompt with a {@link Decoder}, one token at a time over a {@link KvCache}: each prompt token,
 * then each new token, is one {@link Decoder#decodeStep decode step}; a {@link TokenSampler} picks each new
 * token from the last step's logits. Events go to a plain {@link Consumer} as they happen (the composition root
 * wraps them in a stream), and a {@link BooleanSupplier} checked before every step stops it early.
 *
 * <p>The text of a token is the decoded sequence after it less the decoded sequence before it, so a byte-level
 * tokenizer's multi-byte characters come out whole. One generation at a time per backend: a generation runs on
 * the calling thread and uses the backend throughout.
 */
public final class TextGenerator {
    private final Decoder decoder;
    private final Backend backend;
    private final Function<int[], String> detokenizer;
    private final int endOfSequence;
    private final RoutingMode routing;

    /**
     * @param decoder       the model, its parameters allocated (and loaded) on {@code backend}
     * @param backend       the backend the decode steps run on
     * @param detokenizer   turns a whole id sequence into text, e.g. {@code ByteBpeTokenizer::decode}
     * @param endOfSequence the id that ends a generation (it is not reported), or -1 for none
     */
    public TextGenerator(Decoder decoder, Backend backend, Function<int[], String> detokenizer, int endOfSequence) {
        this(decoder, backend, detokenizer, endOfSequence, RoutingMode.BATCH);
    }

    /**
     * As {@link #TextGenerator(Decoder, Backend, Function, int)}, decoding with the routers deciding by
     * {@code routing} (causal routing for a model whose routers rank tokens against each other).
     */
    public TextGenerator(Decoder decoder, Backend backend, Function<int[], String> detokenizer, int endOfSequence,
                         RoutingMode routing) {
        this.routing = Objects.requireNonNull(routing, "routing");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.detokenizer = Objects.requireNonNull(detokenizer, "detokenizer");
        int vocab = decoder.config().vocab();
        if (endOfSequence < -1 || endOfSequence >= vocab) {
            throw new IllegalArgumentException("endOfSequence must be -1 (none) or a token id in [0, " + vocab
                    + "), found " + endOfSequence);
        }
        this.endOfSequence = endOfSequence;
    }

    /**
     * Runs the prompt, then up to {@code maxTokens} new tokens, reporting a {@link Token} for each new token and
     * one {@link Finished} at the end, which it also returns. It stops early at the end-of-sequence token or
     * when {@code cancelled} turns true (checked before every decode step and every new token).
     *
     * @param prompt    the token ids to continue; at least one
     * @param maxTokens the most new tokens, &gt;= 0
     * @param sampler   picks each new token (its random generator advances)
     * @param cancelled true to stop before the next token
     * @param events    receives the events on the calling thread
     */
    public Finished generate(int[] prompt, int maxTokens, TokenSampler sampler, BooleanSupplier cancelled,
                             Consumer<? super GenerationEvent> events) {
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(cancelled, "cancelled");
        Objects.requireNonNull(events, "events");
        int vocab = decoder.config().vocab();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        for (int id : prompt) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("prompt token " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0, found " + maxTokens);
        }
        int[] seq = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int len = prompt.length;
        KvCache cache = new KvCache(backend, decoder.config(), prompt.length + maxTokens);
        float[] logits = new float[vocab];
        try (StepArena arena = backend.newArena()) {
            for (int i = 0; i < prompt.length; i++) {
                if (cancelled.getAsBoolean()) {
                    return finish(events, 0, Reason.CANCELLED);
                }
                step(arena, prompt[i], cache, i + 1 == prompt.length ? logits : null);
            }
            String text = detokenizer.apply(prompt);
            for (int n = 0; n < maxTokens; n++) {
                if (cancelled.getAsBoolean()) {
                    return finish(events, n, Reason.CANCELLED);
                }
                if (n > 0) {
                    step(arena, seq[len - 1], cache, logits);
                }
                int next = sampler.sample(logits);
                if (next == endOfSequence) {
                    return finish(events, n, Reason.END_OF_SEQUENCE);
                }
                seq[len++] = next;
                String after = detokenizer.apply(Arrays.copyOf(seq, len));
                events.accept(new Token(next, after.substring(Math.min(text.length(), after.length()))));
                text = after;
            }
        }
        return finish(events, maxTokens, Reason.MAX_TOKENS);
    }

    private void step(StepArena arena, int token, KvCache cache, float[] logits) {
        Decoding.step(decoder, backend, arena, token, Modality.TEXT, cache, routing, logits);
    }

    private static Finished finish(Consumer<? super GenerationEvent> events, int generated, Reason reason) {
        return Decoding.finish(events, generated, reason);
    }
}
