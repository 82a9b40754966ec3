package io.fusion4j.eval.cli;

import com.google.inject.Guice;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.data.TextSource;
import io.fusion4j.eval.data.TokenDataset;
import io.fusion4j.eval.train.TrainConfig;
import io.fusion4j.eval.train.TrainEvent;
import io.fusion4j.eval.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code fusion4j train}: trains a decoder on text, with checkpoints and resume. */
@Command(name = "train", description = "Train a decoder-only language model (checkpoints in --out; Ctrl-C stops at a step boundary).")
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "tiny", description = "tiny or dense (default: ${DEFAULT-VALUE}); ignored with --config.")
    String preset;

    @Option(names = "--config", description = "A training config JSON file (as written to config.json in a checkpoint).")
    Path configFile;

    @Option(names = "--data", defaultValue = "builtin", description = "builtin, a UTF-8 text file, or a folder of .txt files.")
    String data;

    @Option(names = "--steps", description = "Optimizer steps (overrides the config; warm-up is capped at a tenth of them).")
    Long steps;

    @Option(names = "--out", defaultValue = "runs/tiny", description = "Run folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--micro-batches", description = "Split each batch into this many forward/backward passes (gradient accumulation).")
    Integer microBatches;

    @Option(names = "--resume", description = "Continue from the newest good checkpoint in --out.")
    boolean resume;

    @Option(names = "--stop-at", description = "Stop after this step with a checkpoint, keeping the schedule of --steps (resume later).")
    Long stopAt;

    @Option(names = "--backend", description = "Backend name (default: the best available).")
    String backendName;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (default: all).")
    int threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        CheckpointStore probe = new CheckpointStore(out, 2);
        if (!resume && !probe.checkpoints().isEmpty()) {
            throw new IllegalArgumentException("--out " + out + " already holds checkpoints; pass --resume to continue"
                    + " or choose another --out (a good checkpoint is never overwritten by a new run)");
        }
        Files.createDirectories(out);
        String text = TextSource.read(data);
        Path tokFile = out.resolve(RunFiles.TOKENIZER);
        ByteBpeTokenizer tok;
        if (Files.exists(tokFile)) {
            tok = ByteBpeTokenizer.load(tokFile);
        } else {
            int vocab = configFile != null ? RunFiles.readConfig(configFile).model().vocab() : TrainConfig.presetVocab(preset);
            o.printf("training a %d-token BPE vocabulary on %,d characters...%n", vocab, text.length());
            o.flush();
            tok = ByteBpeTokenizer.train(text, vocab - 257, List.of("<|eos|>"));
            tok.save(tokFile);
        }
        TrainConfig cfg = configFile != null ? RunFiles.readConfig(configFile) : TrainConfig.preset(preset, tok.vocabSize());
        if (steps != null) {
            cfg = cfg.withSteps(steps);
        }
        if (microBatches != null) {
            cfg = new TrainConfig(cfg.model(), cfg.batch(), cfg.seqLen(), cfg.steps(), cfg.lr(), cfg.minLr(), cfg.warmup(),
                    cfg.weightDecay(), cfg.clipNorm(), cfg.seed(), cfg.checkpointEvery(), cfg.keep(), microBatches);
        }
        if (cfg.model().vocab() != tok.vocabSize()) {
            throw new IllegalArgumentException("the config's vocab is " + cfg.model().vocab() + " but " + tokFile + " has "
                    + tok.vocabSize() + " tokens");
        }
        int eos = tok.specialId("<|eos|>");
        List<Integer> ids = new ArrayList<>();
        for (String doc : text.split("\n\n")) {
            if (doc.isBlank()) {
                continue;
            }
            for (int id : tok.encode(doc)) {
                ids.add(id);
            }
            ids.add(eos);
        }
        int[] tokens = ids.stream().mapToInt(Integer::intValue).toArray();
        TokenDataset dataset = new TokenDataset(tokens, cfg.seqLen(), cfg.seed());
        o.printf("data: %,d tokens, %,d sequences of %d; model: %s%n", tokens.length, dataset.size(), cfg.seqLen(),
                cfg.model());
        try (Backend backend = Guice.createInjector(new BackendModule(backendName, threads)).getInstance(Backend.class)) {
            Decoder decoder = new Decoder(cfg.model());
            Trainer trainer = new Trainer(backend, decoder, dataset, cfg, new CheckpointStore(out, cfg.keep()),
                    RunFiles.toJson(cfg));
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                trainer.requestStop();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            Progress progress = new Progress(o, System.console() != null);
            try {
                trainer.run(resume).doOnNext(e -> {
                    if (stopAt != null && e instanceof TrainEvent.Step s && s.step() >= stopAt) {
                        trainer.requestStop();
                    }
                    progress.accept(e);
                }).blockLast();
            } finally {
                done.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is already running (Ctrl-C): it is waiting for the latch we just released
                }
            }
            return 0;
        }
    }

    /** Prints a progress line: in place on a terminal, every 10 steps otherwise. */
    private static final class Progress {
        private final PrintWriter out;
        private final boolean tty;
        private final long start = System.nanoTime();
        private long firstStep = -1;

        Progress(PrintWriter out, boolean tty) {
            this.out = out;
            this.tty = tty;
        }

        void accept(TrainEvent e) {
            switch (e) {
                case TrainEvent.Step s -> {
                    if (firstStep < 0) {
                        firstStep = s.step() - 1;
                    }
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    double perStep = elapsed / Math.max(1, s.step() - firstStep);
                    long eta = Math.round(perStep * (s.totalSteps() - s.step()));
                    String line = String.format(
                            "step %d/%d  loss %.4f  lr %.2e  |g| %.3f  %,.0f tok/s  %,.1f GFLOP/s  ETA %d:%02d",
                            s.step(), s.totalSteps(), s.loss(), s.lr(), s.gradNorm(), s.tokensPerSecond(),
                            s.gigaflopsPerSecond(), eta / 60, eta % 60);
                    if (tty) {
                        out.print("\r" + line);
                    } else if (s.step() % 10 == 0 || s.step() == s.totalSteps()) {
                        out.println(line);
                    }
                }
                case TrainEvent.Checkpoint c -> out.printf("%scheckpoint %s%n", tty ? "\n" : "", c.folder());
                case TrainEvent.Resumed r -> out.printf("resumed at step %d from %s%n", r.step(), r.folder());
                case TrainEvent.Warning w -> out.printf("%sWARNING: %s%n", tty ? "\n" : "", w.message());
                case TrainEvent.Finished f -> out.printf("%s%s at step %d%n", tty ? "\n" : "",
                        f.interrupted() ? "stopped (checkpoint written)" : "finished", f.step());
            }
            out.flush();
        }
    }
}
