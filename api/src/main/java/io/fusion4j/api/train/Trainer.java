package io.fusion4j.api.train;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.NonFiniteException;
import io.fusion4j.api.data.Batch;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.RunLock;
import io.fusion4j.api.io.TrainerState;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.optim.LrSchedule;
import io.fusion4j.api.tensor.StepArena;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Trains any model for any {@link Objective}: batches from a {@link BatchSource}, {@code microBatches} forward and
 * backward passes per step with each loss term weighted by its share of the batch's targets, AdamW with warm-up and
 * cosine decay and global-norm clipping, checkpoints every {@code checkpointEvery} steps and at the end, validation
 * on fixed held-out batches every {@code validateEvery} steps, and {@code metrics.jsonl} in the run folder.
 *
 * <p>A loss term that is not finite stops the run with an error naming the term before any backward or update, so
 * no checkpoint of bad weights is written. {@link #requestStop()} (Ctrl-C) or the caller's cancellation ends the run
 * at the next step boundary with a checkpoint. Resuming restores weights, moments, the data position and the FLOP
 * total; per-step random draws are keyed by (seed, step, micro-batch) ({@link StepContext#randomOffset}), so the
 * resumed run is bit-identical to an uninterrupted one.
 *
 * <p>Events go to a plain {@link Consumer} on the training thread; the CLI wraps them in a Reactor {@code Flux}.
 */
public final class Trainer<B extends Batch<B>> {
    private final Backend backend;
    private final Parameters params;
    private final Objective<B> objective;
    private final BatchSource<B> data;
    private final List<B> validation;
    private final TrainConfig config;
    private final CheckpointStore store;
    private final String configJson;
    private final AtomicBoolean stop = new AtomicBoolean();

    /**
     * @param params     the model's parameters; allocated here from the seed unless the caller already allocated them
     *                   (and perhaps loaded weights into them, as upcycling does)
     * @param validation the fixed held-out batches (empty for none)
     * @param store      where checkpoints and {@code metrics.jsonl} go, or null for a run that keeps nothing
     * @param configJson written as {@code config.json} into every checkpoint
     */
    public Trainer(Backend backend, Parameters params, Objective<B> objective, BatchSource<B> data, List<B> validation,
                   TrainConfig config, CheckpointStore store, String configJson) {
        if (backend.precision() != config.precision()) {
            // A run recorded as bf16 but computed in fp32 (or the reverse) would misreport every figure it writes.
            throw new IllegalArgumentException("the training config asks for " + config.precision()
                    + " matrix products but backend '" + backend.name() + "' computes " + backend.precision());
        }
        this.backend = backend;
        this.params = params;
        this.objective = objective;
        this.data = data;
        this.validation = List.copyOf(validation);
        this.config = config;
        this.store = store;
        this.configJson = configJson;
    }

    /** Asks the run to stop after the current step (with a checkpoint). Safe from any thread. */
    public void requestStop() {
        stop.set(true);
    }

    /** Runs to the end or until {@link #requestStop()}; events go to {@code events}. */
    public void run(boolean resume, Consumer<TrainEvent> events) throws IOException {
        run(resume, events, () -> false);
    }

    /** Runs to the end, until {@link #requestStop()} or until {@code cancelled} says so (checked every step). */
    public void run(boolean resume, Consumer<TrainEvent> events, BooleanSupplier cancelled) throws IOException {
        try (RunLock lock = store == null ? null : RunLock.acquire(store.directory())) {
            if (store != null) {
                for (Path p : store.removeLeftovers()) {
                    events.accept(new TrainEvent.Warning("removed " + p + ", left by a save that did not complete"));
                }
            }
            train(resume, events, cancelled);
        }
    }

    private void train(boolean resume, Consumer<TrainEvent> events, BooleanSupplier cancelled) throws IOException {
        if (params.values() == null) {
            params.allocate(backend, config.seed());
        }
        AdamW opt = new AdamW(backend, params, config.beta1(), config.beta2(), config.eps(), config.weightDecay(),
                config.clipNorm());
        long step = 0;
        long totalFlops = 0;
        DataPosition position = DataPosition.START;
        if (resume && store != null) {
            CheckpointStore.Loaded l = store.loadLatest(backend, params, opt, w -> events.accept(new TrainEvent.Warning(w)));
            if (l != null) {
                if (l.state().seed() != config.seed()) {
                    throw new io.fusion4j.api.UserInputException("resume: " + l.folder() + " was trained with seed "
                            + l.state().seed() + ", this run has seed " + config.seed()
                            + "; a resumed run must keep its seed to draw what it would have drawn");
                }
                step = l.state().step();
                position = new DataPosition(l.state().epoch(), l.state().sampleIndex());
                totalFlops = l.state().totalFlops();
                events.accept(new TrainEvent.Resumed(step, l.folder()));
            }
        }
        LrSchedule schedule = new LrSchedule(config.lr(), config.minLr(), config.warmup(), config.steps(),
                LrSchedule.Decay.COSINE);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean threads = mx instanceof com.sun.management.ThreadMXBean t ? t : null;
        long tid = Thread.currentThread().threadId();
        try (StepArena arena = backend.newArena();
             MetricsLog log = store == null ? null : MetricsLog.open(store.directory(), step);
             Stream<B> batches = data.from(position)) {
            Iterator<B> it = batches.iterator();
            while (step < config.steps()) {
                B batch = it.next();
                long t0 = System.nanoTime();
                long heap0 = threads == null ? 0 : threads.getThreadAllocatedBytes(tid);
                long flops0 = backend.flops().total();
                StepLosses losses = computeGradients(batch, step + 1, arena);
                double lr = schedule.at(step + 1);
                double gradNorm = opt.step(lr);
                arena.release();
                step++;
                position = batch.position();
                long flops = backend.flops().total() - flops0;
                totalFlops += flops;
                double secs = (System.nanoTime() - t0) / 1e9;
                long heap = threads == null ? 0 : threads.getThreadAllocatedBytes(tid) - heap0;
                emit(events, log, new TrainEvent.Step(step, config.steps(), losses, lr, gradNorm,
                        batch.tokenCount(), secs, flops, totalFlops, heap));
                if (!validation.isEmpty() && config.validateEvery() > 0
                        && (step % config.validateEvery() == 0 || step == config.steps())) {
                    emit(events, log, validate(arena, step, totalFlops));
                }
                boolean stopping = stop.get() || cancelled.getAsBoolean();
                if (store != null && (step % config.checkpointEvery() == 0 || step == config.steps() || stopping)) {
                    requireFinite(opt, step);
                    var folder = store.save(backend, params, opt, new TrainerState(step, position.epoch(),
                            position.index(), config.seed(), 0, totalFlops), configJson);
                    events.accept(new TrainEvent.Checkpoint(step, folder));
                }
                if (stopping) {
                    events.accept(new TrainEvent.Finished(step, true));
                    return;
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        events.accept(new TrainEvent.Finished(step, false));
    }

    /**
     * Fills the parameters' gradient buffer with the gradient of the objective over {@code batch} at training step
     * {@code step}: {@code microBatches} forward and backward passes, each loss term weighted by its share of the
     * batch's targets. This is the first half of a step, without the update; tools that inspect gradients use it.
     *
     * @throws ArithmeticException when a loss term is not finite (before its backward)
     */
    public StepLosses computeGradients(B batch, long step, StepArena arena) {
        int micro = config.microBatches();
        backend.fill(params.grads(), 0f);
        LossAccumulator acc = new LossAccumulator(objective.counts(batch), batch.tokenCount());
        for (int k = 0; k < micro; k++) {
            Graph g = new Graph(backend, arena, true);
            objective.step(new StepContext(g, acc, config.seed(), step, k, true), batch.microBatch(k, micro));
            if (acc.nonFinite() != null) {
                throw new NonFiniteException("training loss term '" + acc.nonFinite() + " at step " + step
                        + " (micro-batch " + (k + 1) + " of " + micro + "); the step was not applied and no"
                        + " checkpoint of these weights was written");
            }
            g.backward();
            arena.release();
        }
        return acc.result();
    }

    /**
     * The objective over the held-out batches without gradients, in the run's micro-batches (so it fits wherever
     * training fits). Its random draws use step 0 (no training step has that number), so every validation pass sees
     * the same noise. Its FLOPs are reported with it and are not training FLOPs.
     */
    private TrainEvent.Validation validate(StepArena arena, long step, long totalFlops) {
        long flops0 = backend.flops().total();
        long tokens = 0;
        for (B b : validation) {
            tokens += b.tokenCount();
        }
        int micro = config.microBatches();
        // Each term's value is its mean over the whole held-out set.
        LossAccumulator acc = new LossAccumulator(java.util.Map.of(), Math.max(1, tokens));
        for (int i = 0; i < validation.size(); i++) {
            for (int k = 0; k < micro; k++) {
                Graph g = new Graph(backend, arena, false);
                objective.step(new StepContext(g, acc, config.seed(), 0, i * micro + k, false),
                        validation.get(i).microBatch(k, micro));
                arena.release();
            }
        }
        return new TrainEvent.Validation(step, acc.result(), backend.flops().total() - flops0, totalFlops);
    }

    /**
     * Refuses to checkpoint weights or moments that are not finite, naming the first parameter at fault. The check
     * runs only before a save; its FLOPs are not training FLOPs.
     */
    private void requireFinite(AdamW opt, long step) {
        // Between steps: per-step FLOPs are differences taken inside a step, so this check counts toward none.
        if (Double.isFinite(backend.squaredNorm(params.values()))
                && Double.isFinite(backend.squaredNorm(opt.firstMoment()))
                && Double.isFinite(backend.squaredNorm(opt.secondMoment()))) {
            return;
        }
        for (Parameters.Parameter p : params.all().values()) {
            long n = p.shape().numel();
            String what = !Double.isFinite(backend.squaredNorm(p.value())) ? "its value"
                    : !Double.isFinite(backend.squaredNorm(opt.firstMoment().slice(p.offset(), p.offset() + n)))
                    ? "its first moment"
                    : !Double.isFinite(backend.squaredNorm(opt.secondMoment().slice(p.offset(), p.offset() + n)))
                    ? "its second moment" : null;
            if (what != null) {
                throw new NonFiniteException("step " + step + " left parameter '" + p.name() + "' with " + what
                        + " not finite (NaN or Inf); the run stopped and no checkpoint of these weights was written");
            }
        }
        throw new NonFiniteException("step " + step + " left weights that are not finite; no checkpoint was written");
    }

    private static void emit(Consumer<TrainEvent> events, MetricsLog log, TrainEvent e) throws IOException {
        if (log != null) {
            log.write(e);
        }
        events.accept(e);
    }
}
