package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.data.TokenDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** Cancelling the event stream stops training at the step boundary, with a checkpoint of that step. */
class TrainingCancelTest {
    @TempDir
    Path dir;

    @Test
    void cancellingTheFluxStopsAtTheStepBoundaryWithACheckpoint() throws Exception {
        DecoderConfig model = new DecoderConfig(40, 16, 1, 2, 24, 10000f, 1e-5f,
                io.fusion4j.api.nn.NormPlacement.PRE, false, 0f, 0.05f);
        TrainConfig cfg = Presets.get("tiny").config().train().withSteps(10);
        int[] tokens = new SplittableRandom(1).ints(20_000, 0, 40).toArray();
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            Decoder dec = new Decoder(model);
            Trainer<MixedBatch> t = new Trainer<>(be, dec.parameters(), new NextTokenObjective(dec),
                    new TokenDataset(tokens, cfg.seqLen(), cfg.seed()).source(cfg.batch()), List.of(), cfg,
                    new CheckpointStore(dir, 3), "{}");
            List<TrainEvent> seen = Training.events(t, false)
                    .takeUntil(e -> e instanceof TrainEvent.Step s && s.step() == 2).collectList().block();
            assertThat(seen).filteredOn(e -> e instanceof TrainEvent.Step).hasSize(2);
        }
        assertThat(new CheckpointStore(dir, 3).checkpoints()).containsExactly(dir.resolve("step-00000002"));
        assertThat(Files.readAllLines(dir.resolve("metrics.jsonl"))).hasSize(2);
    }
}
