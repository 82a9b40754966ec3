package io.fusion4j.eval.generate;

import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.MixedModalGenerator;
import io.fusion4j.api.generate.TextGenerator;
import io.fusion4j.api.generate.TokenSampler;
import reactor.core.publisher.Flux;

/** Generation as a Reactor stream: the library reports to a plain consumer; this wraps it for the composition root. */
public final class Generation {
    private Generation() {
    }

    /**
     * A cold {@link Flux} of one generation's events: each subscription runs {@link TextGenerator#generate} on the
     * subscribing thread, emits its tokens as they are made and completes after the {@code Finished} event.
     * Cancelling the subscription stops the generation before its next token. Events a slow subscriber has not
     * requested yet are buffered. A second subscription continues the sampler's random stream.
     */
    public static Flux<GenerationEvent> flux(TextGenerator generator, int[] prompt, int maxTokens, TokenSampler sampler) {
        return Flux.create(sink -> {
            generator.generate(prompt, maxTokens, sampler, sink::isCancelled, sink::next);
            sink.complete();
        });
    }

    /** As {@link #flux(TextGenerator, int[], int, TokenSampler)} for a mixed-modal generation: tokens and images. */
    public static Flux<GenerationEvent> flux(MixedModalGenerator generator, MixedModalGenerator.Request request,
                                             TokenSampler sampler) {
        return Flux.create(sink -> {
            generator.generate(request, sampler, sink::isCancelled, sink::next);
            sink.complete();
        });
    }

    /**
     * A Transfusion generation as a stream: tokens, denoising steps, finished images and the end, as
     * {@link io.fusion4j.transfusion.TransfusionSampler#generate} reports them; cancelling stops it before the next
     * token or step.
     */
    public static Flux<GenerationEvent> transfusion(io.fusion4j.transfusion.TransfusionSampler sampler,
                                                    io.fusion4j.transfusion.TransfusionSampler.Request request,
                                                    TokenSampler tokens,
                                                    java.util.function.Function<int[], String> text,
                                                    java.util.function.Function<float[], io.fusion4j.api.data.Image> draw) {
        return Flux.create(sink -> {
            sampler.generate(request, tokens, text, draw, sink::isCancelled, sink::next);
            sink.complete();
        });
    }
}
