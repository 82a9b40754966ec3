package io.fusion4j.eval.train;

import io.fusion4j.api.data.Batch;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import reactor.core.publisher.Flux;

/** The library trainer as a Reactor stream: training runs on the subscribing thread; cancelling stops it at a step boundary. */
public final class Training {
    private Training() {
    }

    public static <B extends Batch<B>> Flux<TrainEvent> events(Trainer<B> trainer, boolean resume) {
        return Flux.create(sink -> {
            try {
                trainer.run(resume, sink::next, sink::isCancelled);
                sink.complete();
            } catch (Throwable t) {
                sink.error(t);
            }
        });
    }
}
