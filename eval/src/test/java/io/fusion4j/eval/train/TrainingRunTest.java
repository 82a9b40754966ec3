package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.cli.Main;
import io.fusion4j.eval.data.BuiltinCorpus;
import io.fusion4j.eval.data.TokenDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

class TrainingRunTest {
    @TempDir
    Path dir;

    private Path corpus() throws Exception {
        Path f = dir.resolve("corpus.txt");
        if (!Files.exists(f)) {
            Files.writeString(f, BuiltinCorpus.generate(7, 400));
        }
        return f;
    }

    private static int cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(rc).as("fusion4j %s\nout:\n%s\nerr:\n%s", String.join(" ", args), out, err).isZero();
        return rc;
    }

    /** The uninterrupted run and the stopped-then-resumed one end with byte-identical model and optimizer files. */
    @Test
    void killAndResumeInANewJvmGivesBitIdenticalWeights() throws Exception {
        String data = corpus().toString();
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        cli("train", "--steps", "12", "--out", a.toString(), "--threads", "1", "--data", data);
        cli("train", "--steps", "12", "--stop-at", "5", "--out", b.toString(), "--threads", "1", "--data", data);
        assertThat(b.resolve("step-00000005")).isDirectory();
        assertThat(b.resolve("step-00000012")).doesNotExist();

        List<String> cmd = ChildCli.command("train", "--steps", "12", "--resume", "--out", b.toString(), "--threads", "1",
                "--data", data);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("resumed at step 5 from " + b.resolve("step-00000005"));

        for (String f : new String[]{"model.safetensors", "optimizer.safetensors", "trainer_state.json"}) {
            assertThat(Files.readAllBytes(b.resolve("step-00000012").resolve(f)))
                    .as(f + " after resuming in a new JVM").isEqualTo(Files.readAllBytes(a.resolve("step-00000012").resolve(f)));
        }
        StringWriter gen = new StringWriter();
        assertThat(Main.run(new PrintWriter(gen, true), new PrintWriter(new StringWriter(), true), "generate", "--run",
                a.toString(), "--prompt", "The", "--max-tokens", "6")).isZero();
        assertThat(gen.toString()).startsWith("The").containsPattern("\\(\\d+ tokens from .*step-00000012\\)");
    }

    /** A NaN loss stops the run with an error naming it, before any update, and no checkpoint is written. */
    @Test
    void aNanLossStopsTheRunWithoutACheckpoint() throws Exception {
        String text = BuiltinCorpus.generate(3, 200);
        ByteBpeTokenizer tok = ByteBpeTokenizer.train(text, 100, List.of("<|eos|>"));
        int[] tokens = tok.encode(text);
        TrainConfig cfg = Presets.get("tiny").config().train().withSteps(5);
        DecoderConfig model = ((DecoderConfig) Presets.get("tiny").config().model()).withVocab(tok.vocabSize());
        Path out = dir.resolve("nan");
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            Decoder dec = new Decoder(model);
            Trainer<MixedBatch> t = new Trainer<>(be, dec.parameters(), new NextTokenObjective(dec),
                    new TokenDataset(tokens, cfg.seqLen(), cfg.seed()).source(cfg.batch()), List.of(), cfg,
                    new io.fusion4j.api.io.CheckpointStore(out, 2), "{}");
            List<TrainEvent> events = new ArrayList<>();
            Throwable err = org.assertj.core.api.Assertions.catchThrowable(() -> Training.events(t, false).doOnNext(e -> {
                events.add(e);
                // Poison the weights after the first step: the next loss is NaN.
                if (e instanceof TrainEvent.Step s && s.step() == 1) {
                    be.fill(dec.parameters().get("norm").value(), Float.NaN);
                }
            }).blockLast());
            assertThat(err).isInstanceOf(ArithmeticException.class)
                    .hasMessageContaining("training loss term 'lm' is NaN at step 2")
                    .hasMessageContaining("no checkpoint of these weights was written");
            assertThat(events).filteredOn(e -> e instanceof TrainEvent.Step).hasSize(1);
        }
        assertThat(new io.fusion4j.api.io.CheckpointStore(out, 2).checkpoints()).isEmpty();
    }

    /**
     * 150 steps of the tiny preset on the built-in corpus must end well below the unigram entropy of its
     * own tokens: the best any model can do without looking at context. Beating it by a wide margin
     * shows the model learned word order, not just frequencies.
     */
    @Test
    void aShortRunLearnsContextBeyondTokenFrequencies() {
        String text = BuiltinCorpus.generate(1234, 1500);
        ByteBpeTokenizer tok = ByteBpeTokenizer.train(text, 512 - 257, List.of("<|eos|>"));
        int[] tokens = tok.encode(text);
        double[] freq = new double[tok.vocabSize()];
        for (int id : tokens) {
            freq[id]++;
        }
        double unigram = 0;
        for (double f : freq) {
            if (f > 0) {
                double q = f / tokens.length;
                unigram -= q * Math.log(q);
            }
        }
        TrainConfig cfg = Presets.get("tiny").config().train().withSteps(150);
        DecoderConfig model = ((DecoderConfig) Presets.get("tiny").config().model()).withVocab(tok.vocabSize());
        List<Double> losses = new ArrayList<>();
        try (Backend be = Backends.discover().create("cpu", BackendOptions.defaults())) {
            Decoder dec = new Decoder(model);
            Trainer<MixedBatch> t = new Trainer<>(be, dec.parameters(), new NextTokenObjective(dec),
                    new TokenDataset(tokens, cfg.seqLen(), cfg.seed()).source(cfg.batch()), List.of(), cfg, null, "{}");
            Training.events(t, false).ofType(TrainEvent.Step.class).doOnNext(s -> losses.add(s.loss())).blockLast();
        }
        assertThat(losses).hasSize(150);
        double last = losses.subList(140, 150).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(losses.getFirst()).isGreaterThan(unigram);
        assertThat(last).as("mean loss of the last 10 steps vs unigram entropy %.3f", unigram).isLessThan(unigram - 1.0);
    }
}
