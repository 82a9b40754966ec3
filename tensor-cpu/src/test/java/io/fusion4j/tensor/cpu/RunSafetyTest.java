package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.io.RunLock;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.api.io.TrainerState;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Run folders that fail safe: one writer, checkpoints by step number, no non-finite weights in or out. */
class RunSafetyTest extends CheckpointFixture {

    @Test
    void checkpointsAreOrderedByStepNumberAtAnyDigitCount() throws Exception {
        Model m = model(1);
        CheckpointStore store = new CheckpointStore(dir, 5);
        for (long step : new long[]{99_999_999L, 100_000_000L, 7L}) {
            store.save(be, m.decoder().parameters(), m.opt(), new TrainerState(step, 0, 0, 1, 0), "{}");
        }
        Files.createDirectories(dir.resolve("step-notanumber"));
        assertThat(store.checkpoints()).extracting(p -> p.getFileName().toString())
                .containsExactly("step-100000000", "step-99999999", "step-00000007");
    }

    @Test
    void leftoversOfKilledSavesAreRemovedAtTheNextStart() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve(".tmp-step-00000004-12345"));
        Files.writeString(tmp.resolve("model.safetensors"), "half");
        List<TrainEvent> events = new ArrayList<>();
        SeamsModelTest.Model model = new SeamsModelTest.Model();
        trainer(model, new CheckpointStore(dir, 3), 2).run(false, events::add);
        assertThat(tmp).doesNotExist();
        assertThat(events).contains(new TrainEvent.Warning("removed " + tmp + ", left by a save that did not complete"));
    }

    @Test
    void aSecondWriterIsRefusedNamingTheHolderAndAStaleLockIsTakenOver() throws Exception {
        try (RunLock first = RunLock.acquire(dir); RunLock again = RunLock.acquire(dir)) {
            Throwable other = catchThrowable(() -> {
                Thread t = new Thread(() -> {
                    try (RunLock l = RunLock.acquire(dir)) {
                        throw new AssertionError("a second thread took the lock");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "second-writer");
                Throwable[] seen = new Throwable[1];
                t.setUncaughtExceptionHandler((th, e) -> seen[0] = e);
                t.start();
                t.join();
                throw seen[0];
            });
            assertThat(other).isInstanceOf(UserInputException.class)
                    .hasMessageContaining("run folder " + dir + " is in use by another thread of this process");
        }
        // Another process holds it: refused with that process's pid; once it dies the lock is free again.
        Path src = dir.resolve("Hold.java");
        Files.writeString(src, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                public class Hold {
                    public static void main(String[] a) throws Exception {
                        FileChannel ch = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        ch.tryLock();
                        ch.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on test\\n").getBytes()));
                        System.out.println("locked");
                        Thread.sleep(60_000);
                    }
                }
                """);
        Path run = Files.createDirectories(dir.resolve("run"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                src.toString(), run.resolve(RunLock.FILE).toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
            assertThat(r.readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> RunLock.acquire(run)).isInstanceOf(UserInputException.class)
                    .hasMessageContaining("is in use by pid " + p.pid() + " on test");
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (RunLock taken = RunLock.acquire(run)) {
            assertThat(Files.readString(run.resolve(RunLock.FILE))).startsWith("pid " + ProcessHandle.current().pid());
        }
    }

    @Test
    void nonFiniteWeightsAreRefusedOnLoadUnlessAllowedAndTheOlderCheckpointIsUsed() throws Exception {
        Model good = model(2);
        CheckpointStore store = new CheckpointStore(dir, 3);
        store.save(be, good.decoder().parameters(), good.opt(), new TrainerState(1, 0, 0, 1, 0), "{}");
        Model bad = model(3);
        be.fill(bad.decoder().parameters().get("norm").value(), Float.NaN);
        store.save(be, bad.decoder().parameters(), bad.opt(), new TrainerState(2, 0, 0, 1, 0), "{}");

        Decoder fresh = new Decoder(CFG);
        fresh.parameters().allocate(be, 9);
        assertThatThrownBy(() -> WeightLoader.load(dir.resolve("step-00000002"), be, fresh.parameters(),
                NameMapping.identity(), Strictness.STRICT))
                .hasMessageContaining("tensor 'norm' holds NaN at element 0")
                .hasMessageContaining("--allow-non-finite");
        List<String> warnings = new ArrayList<>();
        var loaded = store.loadLatestWeights(be, fresh.parameters(), NameMapping.identity(), Strictness.STRICT,
                warnings::add);
        assertThat(loaded.source()).isEqualTo(dir.resolve("step-00000001"));
        assertThat(warnings).singleElement().asString().contains("step-00000002").contains("holds NaN");
        assertThat(host(fresh.parameters().get("norm").value())).containsExactly(host(good.decoder().parameters()
                .get("norm").value()));

        var inspected = new CheckpointStore(dir, 3, true).loadLatestWeights(be, fresh.parameters(),
                NameMapping.identity(), Strictness.STRICT, warnings::add);
        assertThat(inspected.source()).isEqualTo(dir.resolve("step-00000002"));
        assertThat(host(fresh.parameters().get("norm").value())[0]).isNaN();
    }

    @Test
    void aHostileNewestCheckpointIsSkippedLoudlyForThePreviousGoodOne() throws Exception {
        Model m = model(4);
        CheckpointStore store = new CheckpointStore(dir, 5);
        store.save(be, m.decoder().parameters(), m.opt(), new TrainerState(1, 0, 0, 1, 0), "{}");
        // A manifest nested 100,000 deep (a stack overflow for a recursive parser).
        Path deep = store.save(be, m.decoder().parameters(), m.opt(), new TrainerState(2, 0, 0, 1, 0), "{}");
        Files.writeString(deep.resolve("manifest.json"), "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}");
        // A valid checkpoint moved under another step's name: its own state says step 3.
        Path moved = store.save(be, m.decoder().parameters(), m.opt(), new TrainerState(3, 0, 0, 1, 0), "{}");
        Files.move(moved, dir.resolve("step-00000004"));
        // A binary manifest.
        Path binary = store.save(be, m.decoder().parameters(), m.opt(), new TrainerState(5, 0, 0, 1, 0), "{}");
        Files.write(binary.resolve("manifest.json"), new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1});

        Decoder fresh = new Decoder(CFG);
        fresh.parameters().allocate(be, 9);
        io.fusion4j.api.optim.AdamW opt = new io.fusion4j.api.optim.AdamW(be, fresh.parameters(), 0.9f, 0.95f, 1e-8f, 0f, 0);
        List<String> warnings = new ArrayList<>();
        CheckpointStore.Loaded l = store.loadLatest(be, fresh.parameters(), opt, warnings::add);
        assertThat(l.folder()).isEqualTo(dir.resolve("step-00000001"));
        assertThat(warnings).hasSize(3);
        assertThat(warnings.get(0)).contains("step-00000005 was skipped").contains("manifest.json: not UTF-8 text");
        assertThat(warnings.get(1)).contains("step-00000004 was skipped")
                .contains("trainer_state.json: step 3, but the folder is step-00000004");
        assertThat(warnings.get(2)).contains("step-00000002 was skipped").contains("nested deeper than 32 levels");
    }

    private Trainer<MixedBatch> trainer(SeamsModelTest.Model m, CheckpointStore store, int checkpointEvery) {
        TrainConfig c = new TrainConfig(4, 12, 4, 3e-3, 3e-4, 1, 0.1f, 1.0, 0.9f, 0.95f, 1e-8f, 21, checkpointEvery, 3,
                1, 0, 0);
        return new Trainer<>(be, m.params, new SeamsModelTest.TwoTermObjective(m, 0f), SeamsModelTest.SOURCE, List.of(),
                c, store, "{}\n");
    }

    @Test
    void aStepThatLeavesWeightsNonFiniteIsNotCheckpointed() throws Exception {
        SeamsModelTest.Model m = new SeamsModelTest.Model();
        // A parameter the loss never reads: its infinity survives the step without making the loss NaN.
        m.params.declare("unused", Shape.of(3), new Parameters.Init.Constant(1f), true);
        List<TrainEvent> events = new ArrayList<>();
        Throwable err = catchThrowable(() -> trainer(m, new CheckpointStore(dir, 3), 2).run(false, e -> {
            events.add(e);
            if (e instanceof TrainEvent.Step s && s.step() == 1) {
                be.fill(m.params.get("unused").value(), Float.POSITIVE_INFINITY);
            }
        }));
        assertThat(err).isInstanceOf(ArithmeticException.class)
                .hasMessage("step 2 left parameter 'unused' with its value not finite (NaN or Inf); the run stopped and"
                        + " no checkpoint of these weights was written");
        assertThat(new CheckpointStore(dir, 3).checkpoints()).isEmpty();
        assertThat(events).filteredOn(e -> e instanceof TrainEvent.Step).hasSize(2);
    }
}
