package io.fusion4j.api.generate;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.generate.GenerationEvent.Finished;
import io.fusion4j.api.generate.GenerationEvent.Finished.Reason;
import io.fusion4j.api.generate.GenerationEvent.ImageFinished;
import io.fusion4j.api.generate.GenerationEvent.Token;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.StepArena;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Continues a mixed-modal prompt with a {@link Decoder} over a {@link KvCache}, one token at a time, the way an
 * early-fusion model with discrete image codes (MoMa, Chameleon) generates: text until the model emits {@code BOI},
 * then exactly one image's worth of codes (only image codes may be drawn inside the span), then {@code EOI}, forced at
 * the span's end, then text again. Outside a span, image codes and {@code EOI} are never drawn, nor {@code BOI} when
 * the image it begins would not fit in the tokens left. Each token enters the
 * decoder with its modality from the {@link Vocabulary}, so modality-routed experts see image codes as images.
 *
 * <p>Classifier-free guidance for images: with a scale {@code w ≠ 1}, a second cache runs the unconditional context
 * (the {@code unconditionalPrefix}, usually {@code BOS}, then {@code BOI} and the span's codes so far: an image with
 * its caption dropped, as training rows with {@code --caption-dropout} lay it out) beside the conditional one, and the
 * image codes are drawn from {@code u + w·(c − u)} over the two rows of logits. At {@code w = 1} that is the
 * conditional logits, so the second cache is not run at all.
 *
 * <p>The prompt may itself hold whole images ({@code BOS BOI codes EOI} asks for a caption) or end inside a span
 * ({@code BOS caption BOI} asks for an image). One generation at a time per backend.
 */
public final class MixedModalGenerator {
    private final Decoder decoder;
    private final Backend backend;
    private final Vocabulary vocabulary;
    private final int imageLength;
    private final Function<int[], String> textDecoder;
    private final Function<int[], Image> imageDecoder;
    private final RoutingMode routing;

    /**
     * @param decoder      the model, its parameters on {@code backend}; its vocabulary covers {@code vocabulary}
     * @param vocabulary   where text ids, image codes and the markers lie
     * @param imageLength  codes per image (the positions between BOI and EOI), &gt;= 1
     * @param textDecoder  turns text ids (all below {@link Vocabulary#textSize()}) into text
     * @param imageDecoder turns an image's codes into a picture, or null to report codes only
     */
    public MixedModalGenerator(Decoder decoder, Backend backend, Vocabulary vocabulary, int imageLength,
                               Function<int[], String> textDecoder, Function<int[], Image> imageDecoder) {
        this(decoder, backend, vocabulary, imageLength, textDecoder, imageDecoder, RoutingMode.BATCH);
    }

    /**
     * As above, routing every decode step by {@code routing} (causal auxiliary routing for an expert-choice or
     * mixture-of-depths model, which cannot decode token by token otherwise).
     */
    public MixedModalGenerator(Decoder decoder, Backend backend, Vocabulary vocabulary, int imageLength,
                               Function<int[], String> textDecoder, Function<int[], Image> imageDecoder,
                               RoutingMode routing) {
        this.routing = Objects.requireNonNull(routing, "routing");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        this.textDecoder = Objects.requireNonNull(textDecoder, "textDecoder");
        this.imageDecoder = imageDecoder;
        if (vocabulary.imageCodes() == 0) {
            throw new IllegalArgumentException("the vocabulary has no image codes; use TextGenerator for text models");
        }
        if (vocabulary.size() > decoder.config().vocab()) {
            throw new IllegalArgumentException("the vocabulary needs " + vocabulary.size() + " ids, but the model has "
                    + decoder.config().vocab());
        }
        if (imageLength < 1) {
            throw new IllegalArgumentException("an image takes >= 1 code, found " + imageLength);
        }
        this.imageLength = imageLength;
    }

    /**
     * What to generate.
     *
     * @param maxTokens     the most new tokens, &gt;= 0 (an image the prompt leaves open is always completed)
     * @param maxImages     stop after this many new images are completed (0: no limit)
     * @param guidance      classifier-free guidance scale for image codes; 1 is off
     * @param unconditional the context that stands for "no caption" before an image's BOI, e.g. {@code {BOS}};
     *                      needed only when {@code guidance != 1}
     */
    public record Request(int[] prompt, int maxTokens, int maxImages, double guidance, int[] unconditional) {
        public Request {
            Objects.requireNonNull(prompt, "prompt");
            if (prompt.length == 0) {
                throw new IllegalArgumentException("the prompt must hold at least one token");
            }
            if (maxTokens < 0 || maxImages < 0) {
                throw new IllegalArgumentException("maxTokens and maxImages must be >= 0, found " + maxTokens + " and "
                        + maxImages);
            }
            if (!Double.isFinite(guidance)) {
                throw new IllegalArgumentException("the guidance scale must be finite, found " + guidance);
            }
            if (guidance != 1 && (unconditional == null || unconditional.length == 0)) {
                throw new IllegalArgumentException("guidance " + guidance + " needs an unconditional context");
            }
        }

        /** Text (and images the model chooses to make), no guidance. */
        public static Request continuation(int[] prompt, int maxTokens) {
            return new Request(prompt, maxTokens, 0, 1, null);
        }
    }

    /**
     * Positions a generation may use: the prompt and the new tokens, or, when the prompt ends inside an image, at
     * least enough to finish it. A new image is only begun when its BOI, codes and EOI fit in them.
     */
    public int positionsNeeded(Request r) {
        int len = r.prompt().length;
        int span = openSpan(r.prompt(), len);
        return Math.max(len + r.maxTokens(), span < 0 ? 0 : len + imageLength - span + 1);
    }

    /**
     * Runs the request, reporting each new token, each completed image and one {@link Finished} at the end, which it
     * also returns. Stops at {@code EOS}, at {@code maxTokens} (outside an image), after {@code maxImages} images, or
     * when {@code cancelled} turns true (checked before every decode step).
     */
    public Finished generate(Request r, TokenSampler sampler, BooleanSupplier cancelled,
                             Consumer<? super GenerationEvent> events) {
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(cancelled, "cancelled");
        Objects.requireNonNull(events, "events");
        int vocab = decoder.config().vocab();
        for (int id : r.prompt()) {
            checkId(id, vocab, "prompt");
        }
        if (r.unconditional() != null) {
            for (int id : r.unconditional()) {
                checkId(id, vocab, "unconditional context");
            }
        }
        int capacity = positionsNeeded(r);
        int[] seq = Arrays.copyOf(r.prompt(), capacity);
        int len = r.prompt().length;
        int span = openSpan(seq, len); // codes so far in an open image span, or -1 outside one
        boolean guided = r.guidance() != 1;
        KvCache cache = new KvCache(backend, decoder.config(), capacity);
        KvCache uncond = guided ? new KvCache(backend, decoder.config(),
                r.unconditional().length + imageLength + 1) : null;
        float[] logits = new float[vocab];
        float[] free = guided ? new float[vocab] : null;
        int generated = 0;
        int images = 0;
        try (StepArena arena = backend.newArena()) {
            for (int i = 0; i < len; i++) {
                if (cancelled.getAsBoolean()) {
                    return finish(events, 0, Reason.CANCELLED);
                }
                step(arena, seq[i], cache, i + 1 == len ? logits : null);
            }
            if (guided && span >= 0) {
                startUnconditional(arena, r, seq, len, span, uncond, free);
            }
            String text = textDecoder.apply(vocabulary.textOnly(seq, len));
            while (true) {
                if (span < 0 && generated >= r.maxTokens()) {
                    return finish(events, generated, Reason.MAX_TOKENS);
                }
                if (cancelled.getAsBoolean()) {
                    return finish(events, generated, Reason.CANCELLED);
                }
                int next;
                if (span == imageLength) {
                    next = vocabulary.eoi(); // the span is full: its end is not the model's choice
                } else if (span >= 0) {
                    if (guided) {
                        for (int v = 0; v < vocab; v++) {
                            logits[v] = free[v] + (float) r.guidance() * (logits[v] - free[v]);
                        }
                    }
                    maskOutside(logits, vocabulary.imageOffset(), vocabulary.imageOffset() + vocabulary.imageCodes());
                    next = sampler.sample(logits);
                } else {
                    maskImageTokens(logits);
                    if (len + imageLength + 2 > capacity) {
                        logits[vocabulary.boi()] = Float.NEGATIVE_INFINITY; // no room left for a whole image
                    }
                    next = sampler.sample(logits);
                    if (next == vocabulary.eos()) {
                        return finish(events, generated, Reason.END_OF_SEQUENCE);
                    }
                }
                seq[len++] = next;
                generated++;
                String after = textDecoder.apply(vocabulary.textOnly(seq, len));
                events.accept(new Token(next, after.substring(Math.min(text.length(), after.length()))));
                text = after;
                if (next == vocabulary.boi()) {
                    span = 0;
                } else if (next == vocabulary.eoi()) {
                    int[] codes = new int[imageLength];
                    for (int k = 0; k < imageLength; k++) {
                        codes[k] = seq[len - 1 - imageLength + k] - vocabulary.imageOffset();
                    }
                    events.accept(new ImageFinished(images, codes, imageDecoder == null ? null
                            : imageDecoder.apply(codes)));
                    images++;
                    span = -1;
                    if (r.maxImages() > 0 && images >= r.maxImages()) {
                        return finish(events, generated, Reason.IMAGES);
                    }
                } else if (span >= 0) {
                    span++;
                }
                if (len == capacity) {
                    return finish(events, generated, Reason.MAX_TOKENS);
                }
                step(arena, next, cache, logits);
                if (guided && span >= 0) {
                    if (next == vocabulary.boi()) {
                        startUnconditional(arena, r, seq, len, 0, uncond, free);
                    } else {
                        step(arena, next, uncond, free);
                    }
                }
            }
        }
    }

    /** Runs the unconditional context, BOI and the span's first {@code codes} codes into a fresh {@code cache}. */
    private void startUnconditional(StepArena arena, Request r, int[] seq, int len, int codes, KvCache cache,
                                    float[] logits) {
        cache.truncate(0);
        for (int id : r.unconditional()) {
            step(arena, id, cache, null);
        }
        step(arena, vocabulary.boi(), cache, codes == 0 ? logits : null);
        for (int k = 0; k < codes; k++) {
            step(arena, seq[len - codes + k], cache, k + 1 == codes ? logits : null);
        }
    }

    /** Codes after the last BOI of {@code seq[0, len)} when no EOI closed it, else -1. */
    private int openSpan(int[] seq, int len) {
        for (int i = len - 1; i >= 0; i--) {
            if (seq[i] == vocabulary.eoi()) {
                return -1;
            }
            if (seq[i] == vocabulary.boi()) {
                int codes = len - 1 - i;
                if (codes > imageLength) {
                    throw new IllegalArgumentException("the prompt's last image holds " + codes + " codes after BOI"
                            + " without EOI; an image holds " + imageLength);
                }
                return codes;
            }
        }
        return -1;
    }

    /** Outside a span: no image code and no EOI can be drawn. */
    private void maskImageTokens(float[] logits) {
        for (int v = vocabulary.imageOffset(); v < vocabulary.imageOffset() + vocabulary.imageCodes(); v++) {
            logits[v] = Float.NEGATIVE_INFINITY;
        }
        logits[vocabulary.eoi()] = Float.NEGATIVE_INFINITY;
    }

    private static void maskOutside(float[] logits, int from, int to) {
        for (int v = 0; v < logits.length; v++) {
            if (v < from || v >= to) {
                logits[v] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    private void checkId(int id, int vocab, String what) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException(what + " token " + id + " is outside the vocabulary [0, " + vocab + ")");
        }
    }

    private void step(StepArena arena, int token, KvCache cache, float[] logits) {
        Decoding.step(decoder, backend, arena, token, vocabulary.modalityOf(token), cache, routing, logits);
    }

    private static Finished finish(Consumer<? super GenerationEvent> events, int generated, Reason reason) {
        return Decoding.finish(events, generated, reason);
    }
}
