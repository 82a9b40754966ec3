package io.fusion4j.eval.data.images;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import io.fusion4j.moma.vq.ImageBatch;
import io.fusion4j.moma.vq.Reconstruction;
import io.fusion4j.moma.vq.VqAutoencoder;
import io.fusion4j.moma.vq.VqConfig;
import io.fusion4j.moma.vq.VqImageTokenizer;
import io.fusion4j.moma.vq.VqObjective;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A small VQ tokenizer trained for real on shapes: it learns, uses its codebook, and resumes bit-exactly. */
class VqTrainingTest {
    /** 16×16 RGB to a 4×4 grid of 256 codes: a few seconds on one thread. */
    private static final VqConfig SMALL = new VqConfig(3, 16, 4, List.of(8, 16, 16), 8, 256, 0.25f, 0.99f, 1f, 1e-5f);
    private static final ImageTextDataset SHAPES = new ShapesImages(new ShapesWorld(16, 0, Set.of()), 100_000, 1_000);

    private static TrainConfig config(long steps) {
        return new TrainConfig(16, 1, steps, 3e-3, 3e-4, 5, 0f, 1.0, 0.9f, 0.99f, 1e-8f, 7, 1000, 3, 1, 0, 0);
    }

    private static List<Image> validation(int n) {
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(SHAPES.get(ImageTextDataset.Split.VALIDATION, i).image());
        }
        return out;
    }

    @Test
    void aShortRunOnShapesLowersReconstructionErrorAndUsesMoreThanHalfTheCodes() throws Exception {
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            VqAutoencoder model = new VqAutoencoder(SMALL).allocate(be, 7);
            VqImageTokenizer tok = new VqImageTokenizer(model, be);
            List<Image> held = validation(128);
            Reconstruction before = Reconstruction.of(tok, held);
            new Trainer<>(be, model.parameters(), new VqObjective(model), ImageBatches.source(SHAPES, 16, 7, false),
                    List.of(), config(150), null, SMALL.toJson()).run(false, e -> { });
            Reconstruction after = Reconstruction.of(tok, held);
            assertThat(after.mse()).as("recon MSE after training (before: %s)", before.mse())
                    .isLessThan(0.6 * before.mse());
            assertThat(after.codesUsed()).as("distinct codes over 128 held-out images").isGreaterThan(128);
        }
    }

    @Test
    void aResumedRunEndsWithTheSameWeightsCodebookAndEmaStateBitForBit(@TempDir Path dir) throws Exception {
        float[] straight = train(dir.resolve("straight"), false, -1);
        train(dir.resolve("resumed"), false, 3);
        float[] resumed = train(dir.resolve("resumed"), true, -1);
        assertThat(resumed).as("every parameter, quantizer state included").containsExactly(straight);
    }

    /** Trains 6 steps into {@code out} (stopping after {@code stopAt} when >= 0) and returns every parameter. */
    private static float[] train(Path out, boolean resume, long stopAt) throws Exception {
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            VqAutoencoder model = new VqAutoencoder(SMALL).allocate(be, 7);
            Trainer<ImageBatch> t = new Trainer<>(be, model.parameters(), new VqObjective(model),
                    ImageBatches.source(SHAPES, 16, 7, false), List.of(), config(6), new CheckpointStore(out, 3),
                    SMALL.toJson());
            t.run(resume, e -> {
                if (e instanceof TrainEvent.Step s && s.step() == stopAt) {
                    t.requestStop();
                }
            });
            float[] v = new float[(int) model.parameters().values().numel()];
            be.copyToHost(model.parameters().values(), v);
            return v;
        }
    }
}
