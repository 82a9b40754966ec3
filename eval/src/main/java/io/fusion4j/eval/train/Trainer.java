package io.fusion4j.eval.train;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.TrainerState;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.optim.LrSchedule;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.eval.data.Batch;
import io.fusion4j.eval.data.TokenDataset;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Trains a {@link Decoder}: batches from a {@link TokenDataset}, AdamW with warm-up and cosine decay,
 * global-norm clipping, checkpoints every {@code checkpointEvery} steps and at the end. A NaN or infinite
 * loss stops the run with an error before any backward or update, so no checkpoint of bad weights is
 * ever written. {@link #requestStop()} (the CLI calls it on Ctrl-C) ends the run at the next step
 * boundary with a checkpoint.
 */
public final class Trainer {
    private final Backend backend;
    private final Decoder decoder;
    private final TokenDataset data;
    private final TrainConfig config;
    private final CheckpointStore store;
    private final String configJson;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public Trainer(Backend backend, Decoder decoder, TokenDataset data, TrainConfig config, CheckpointStore store,
                   String configJson) {
        this.backend = backend;
        this.decoder = decoder;
        this.data = data;
        this.config = config;
        this.store = store;
        this.configJson = configJson;
    }

    /** Asks the run to stop after the current step (with a checkpoint). */
    public void requestStop() {
        stop.set(true);
    }

    /** The run as a stream of events; training happens on the subscribing thread. */
    public Flux<TrainEvent> run(boolean resume) {
        return Flux.create(sink -> {
            try {
                loop(sink, resume);
                sink.complete();
            } catch (Throwable t) {
                sink.error(t);
            }
        });
    }

    private void loop(FluxSink<TrainEvent> sink, boolean resume) throws IOException {
        decoder.parameters().allocate(backend, config.seed());
        AdamW opt = new AdamW(backend, decoder.parameters(), 0.9f, 0.95f, 1e-8f, config.weightDecay(), config.clipNorm());
        long step = 0;
        long epoch = 0;
        long index = 0;
        if (resume && store != null) {
            CheckpointStore.Loaded l = store.loadLatest(backend, decoder.parameters(), opt,
                    w -> sink.next(new TrainEvent.Warning(w)));
            if (l != null) {
                step = l.state().step();
                epoch = l.state().epoch();
                index = l.state().sampleIndex();
                sink.next(new TrainEvent.Resumed(step, l.folder()));
            }
        }
        LrSchedule schedule = new LrSchedule(config.lr(), config.minLr(), config.warmup(), config.steps(),
                LrSchedule.Decay.COSINE);
        int b = config.batch();
        int t = config.seqLen();
        int micro = config.microBatches();
        int mb = b / micro;
        Tensor ids = backend.allocate(DType.I32, Shape.of(mb, t));
        Tensor targets = backend.allocate(DType.I32, Shape.of(mb, t));
        Tensor positions = backend.allocate(DType.I32, Shape.of(mb, t));
        int[] pos = new int[mb * t];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % t;
        }
        backend.copyFromHost(pos, positions);
        AttentionMask mask = AttentionMask.causal(mb, t);
        int[] idsPart = new int[mb * t];
        int[] targetsPart = new int[mb * t];
        long tid = Thread.currentThread().threadId();
        try (StepArena arena = backend.newArena();
             Stream<Batch> batches = data.batches(b, epoch, index, 2).toStream(2)) {
            Iterator<Batch> it = batches.iterator();
            while (step < config.steps()) {
                Batch batch = it.next();
                long t0 = System.nanoTime();
                long heap0 = threads.getThreadAllocatedBytes(tid);
                long flops0 = backend.flops().total();
                backend.fill(decoder.parameters().grads(), 0f);
                double loss = 0;
                for (int k = 0; k < micro; k++) {
                    // Parameter gradients add up across micro-batches; each loss gradient is weighted 1/micro.
                    System.arraycopy(batch.ids(), k * mb * t, idsPart, 0, mb * t);
                    System.arraycopy(batch.targets(), k * mb * t, targetsPart, 0, mb * t);
                    backend.copyFromHost(idsPart, ids);
                    backend.copyFromHost(targetsPart, targets);
                    Graph g = new Graph(backend, arena, true);
                    double part = decoder.loss(g, ids, positions, mask, targets, 1f / micro);
                    if (!Double.isFinite(part)) {
                        throw new ArithmeticException("training loss (next-token cross-entropy) is " + part + " at step "
                                + (step + 1) + " (epoch " + batch.epoch() + ", micro-batch " + (k + 1) + " of " + micro
                                + "); the step was not applied and no checkpoint of these weights was written");
                    }
                    g.backward();
                    loss += part / micro;
                    if (k + 1 < micro) {
                        arena.release();
                    }
                }
                double lr = schedule.at(step + 1);
                double gradNorm = opt.step(lr);
                arena.release();
                step++;
                epoch = batch.epoch();
                index = batch.nextIndex();
                double secs = (System.nanoTime() - t0) / 1e9;
                sink.next(new TrainEvent.Step(step, config.steps(), loss, lr, gradNorm, (long) b * t, secs,
                        backend.flops().total() - flops0, threads.getThreadAllocatedBytes(tid) - heap0));
                boolean stopping = stop.get();
                if (store != null && (step % config.checkpointEvery() == 0 || step == config.steps() || stopping)) {
                    var folder = store.save(backend, decoder.parameters(), opt,
                            new TrainerState(step, epoch, index, config.seed(), 0), configJson);
                    sink.next(new TrainEvent.Checkpoint(step, folder));
                }
                if (stopping) {
                    sink.next(new TrainEvent.Finished(step, true));
                    return;
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        sink.next(new TrainEvent.Finished(step, false));
    }
}
