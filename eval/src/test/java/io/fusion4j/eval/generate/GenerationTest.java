package io.fusion4j.eval.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.GenerationEvent.Finished;
import io.fusion4j.api.generate.GenerationEvent.Finished.Reason;
import io.fusion4j.api.generate.TextGenerator;
import io.fusion4j.api.generate.TokenSampler;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

class GenerationTest {
    @Test
    void theFluxCarriesTheEventsAndItsCancellationStopsTheGenerator() {
        DecoderConfig cfg = new DecoderConfig(19, 16, 1, 2, 24, 10000f, 1e-5f, NormPlacement.PRE, false, 0f, 0.3f);
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            Decoder dec = new Decoder(cfg);
            dec.parameters().allocate(be, 3);
            AtomicInteger decodes = new AtomicInteger();
            TextGenerator gen = new TextGenerator(dec, be, ids -> {
                decodes.incrementAndGet();
                return "x".repeat(ids.length);
            }, -1);

            List<GenerationEvent> all = Generation.flux(gen, new int[]{1, 2}, 6, new TokenSampler(0, 1, new SplittableRandom(1)))
                    .collectList().block();
            assertThat(all).hasSize(7).last().isEqualTo(new Finished(6, Reason.MAX_TOKENS));
            assertThat(all.subList(0, 6)).allSatisfy(e -> assertThat(((GenerationEvent.Token) e).textDelta()).isEqualTo("x"));

            decodes.set(0);
            List<GenerationEvent> first = Generation.flux(gen, new int[]{1, 2}, 50, new TokenSampler(0.9, 1, new SplittableRandom(1)))
                    .take(3).collectList().block();
            assertThat(first).hasSize(3).allMatch(e -> e instanceof GenerationEvent.Token);
            // The prompt and three tokens were decoded to text; the cancelled subscription stopped the rest.
            assertThat(decodes).hasValue(4);
        }
    }
}
