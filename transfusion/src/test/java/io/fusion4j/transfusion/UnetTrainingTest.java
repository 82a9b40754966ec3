package io.fusion4j.transfusion;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.CaptionedImage;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A short run of a Transfusion model with the U-Net patch codec on captioned 8×8 squares (2×2 pixel patches, so one
 * stride-2 level): the held-out diffusion loss, measured with the same noise each time, falls.
 */
class UnetTrainingTest {
    private static final Vocabulary V = Vocabulary.of(10, 0);
    private static Backend be;

    @BeforeAll
    static void start() {
        be = Backends.discover().create("cpu", BackendOptions.withThreads(2));
    }

    @AfterAll
    static void stop() {
        be.close();
    }

    /** A bright square on black, its caption its corner: structure the denoiser can learn in a few dozen steps. */
    static List<CaptionedImage> squares(int n, long seed) {
        Random r = new Random(seed);
        List<CaptionedImage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int x0 = r.nextInt(5);
            int y0 = r.nextInt(5);
            float[] p = new float[64];
            for (int y = y0; y < y0 + 4; y++) {
                for (int x = x0; x < x0 + 4; x++) {
                    p[y * 8 + x] = 1f;
                }
            }
            out.add(new CaptionedImage(new int[]{x0, 5 + y0}, new Image(1, 8, 8, p)));
        }
        return out;
    }

    @Test
    void theHeldOutDiffusionLossFallsInAShortRun() throws Exception {
        TransfusionConfig c = TransfusionLayoutTest.tiny(V.size(), 4).withUnet(2, 8);
        TransfusionModel model = TransfusionModel.build(c, Routers.discover());
        PixelPatches patches = new PixelPatches(2, 1, 8);
        var options = new MixedSequenceSource.Options(4, 48, 3, 0.8, 1.0);
        var train = new MixedSequenceSource(V, patches, squares(64, 1), List.of(), options);
        MixedBatch held = new MixedSequenceSource(V, patches, squares(16, 2), List.of(), options)
                .batchAt(DataPosition.START);
        assertThat(held.images()).isNotEmpty();
        TrainConfig cfg = new TrainConfig(4, 48, 60, 3e-3, 3e-4, 5, 0f, 1.0, 0.9f, 0.99f, 1e-8f, 5, 1000, 2, 1, 1, 1);
        List<Double> diffusion = new ArrayList<>();
        new Trainer<>(be, model.decoder().parameters(), new TransfusionObjective(model), train, List.of(held), cfg,
                null, "{}").run(false, e -> {
                    if (e instanceof TrainEvent.Validation v) {
                        diffusion.add(v.losses().term(TransfusionObjective.DIFFUSION).value());
                    }
                });
        assertThat(diffusion).hasSize(60);
        assertThat(diffusion.getLast()).as("held-out diffusion loss after 60 steps, after step 1: %s",
                diffusion.getFirst()).isLessThan(0.6 * diffusion.getFirst());
    }
}
