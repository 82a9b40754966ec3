package io.fusion4j.api.generate;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.generate.GenerationEvent.Finished;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.StepArena;

import java.util.function.Consumer;

/** The two moves every generator makes: one cached decode step, and the closing event. */
public final class Decoding {
    private Decoding() {
    }

    /**
     * One decode step of {@code token} (of {@code modality}) over {@code cache}, routed by {@code routing}; its logits
     * are copied to {@code logits} unless that is null, and {@code arena} is released (a step's tensors live no longer).
     */
    public static void step(Decoder decoder, Backend backend, StepArena arena, int token, Modality modality,
                            KvCache cache, RoutingMode routing, float[] logits) {
        Var l = decoder.decodeStep(new Graph(backend, arena, false), token, modality, cache, routing);
        if (logits != null) {
            backend.copyToHost(l.value(), logits);
        }
        arena.release();
    }

    /** Reports and returns the {@link Finished} event. */
    public static Finished finish(Consumer<? super GenerationEvent> events, int generated, Finished.Reason reason) {
        Finished f = new Finished(generated, reason);
        events.accept(f);
        return f;
    }
}
