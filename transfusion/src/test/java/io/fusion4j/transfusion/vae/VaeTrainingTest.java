package io.fusion4j.transfusion.vae;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.moma.vq.ImageBatch;
import io.fusion4j.moma.vq.Reconstruction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A short training run lowers the reconstruction error; the trained codec's latent is measured to unit variance,
 * encodes deterministically in the patch layout, and survives save and load.
 */
class VaeTrainingTest {
    private static Backend be;
    private static final VaeConfig SMALL = new VaeConfig(3, 16, 4, List.of(8, 16, 16), 4, 1e-4f, 1e-5f, 0f, 1f, 1f);

    @BeforeAll
    static void open() {
        be = Backends.discover().create("cpu", BackendOptions.withThreads(2));
    }

    @AfterAll
    static void close() {
        be.close();
    }

    /** Coloured axis-aligned squares on black: structure a small VAE can learn in a few dozen steps. */
    static List<Image> squares(int n, long seed) {
        Random r = new Random(seed);
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] p = new float[3 * 16 * 16];
            int x0 = r.nextInt(10);
            int y0 = r.nextInt(10);
            int size = 3 + r.nextInt(4);
            float[] colour = {r.nextFloat(), r.nextFloat(), r.nextFloat()};
            for (int c = 0; c < 3; c++) {
                for (int y = y0; y < y0 + size; y++) {
                    for (int x = x0; x < x0 + size; x++) {
                        p[(c * 16 + y) * 16 + x] = colour[c];
                    }
                }
            }
            out.add(new Image(3, 16, 16, p));
        }
        return out;
    }

    @Test
    void trainingLowersReconstructionErrorAndTheCodecRoundTrips(@TempDir Path dir) throws Exception {
        List<Image> train = squares(64, 1);
        List<Image> held = squares(16, 2);
        VaeAutoencoder model = new VaeAutoencoder(SMALL).allocate(be, 7);
        VaeImageTokenizer before = new VaeImageTokenizer(model, SMALL, be, 2);
        double mseBefore = Reconstruction.mse(held, before.decodeAll(before.encodeAll(held)));

        TrainConfig cfg = new TrainConfig(16, 1, 80, 3e-3, 3e-4, 5, 0f, 1.0, 0.9f, 0.99f, 1e-8f, 0, 80, 2, 1, 80, 1);
        Trainer<ImageBatch> trainer = new Trainer<>(be, model.parameters(), new VaeObjective(model),
                pos -> Stream.iterate(pos.index(), k -> k + 1).map(k -> new ImageBatch(
                        train.subList((int) (k * 16 % 64), (int) (k * 16 % 64) + 16), new DataPosition(0, k + 1))),
                List.of(new ImageBatch(held, DataPosition.START)), cfg, new CheckpointStore(dir.resolve("run"), 2),
                SMALL.toJson());
        trainer.run(false, e -> { });
        VaeImageTokenizer tok = new VaeImageTokenizer(model, SMALL, be, 2).measured(train);
        double mseAfter = Reconstruction.mse(held, tok.decodeAll(tok.encodeAll(held)));
        assertThat(mseAfter).as("held-out recon MSE after 80 steps (before: " + mseBefore + ")")
                .isLessThan(0.5 * mseBefore);

        // Unit variance and zero mean over the measured sample, by construction of shift and scale.
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (float[] p : tok.encodeAll(train)) {
            for (float v : p) {
                sum += v;
                sq += v * v;
                n++;
            }
        }
        assertThat(sum / n).isCloseTo(0, org.assertj.core.api.Assertions.within(1e-3));
        assertThat(sq / n).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-2));
        assertThat(tok.latentRange()).isGreaterThan(1);

        // Geometry and determinism: 16x16 at f=4 is a 4x4x4 latent, k=2 gives 4 patches of 16 floats.
        assertThat(tok.patchesPerImage()).isEqualTo(4);
        assertThat(tok.patchWidth()).isEqualTo(16);
        assertThat(tok.encode(held.get(3)).patches()).containsExactly(tok.encodeAll(held).get(3));
        VaeImageTokenizer k1 = new VaeImageTokenizer(model, tok.config(), be, 1);
        float[] flat = k1.encode(held.get(3)).patches();
        float[] patched = tok.encode(held.get(3)).patches();
        // k=1 is the latent in raster order, channel fastest; patch (0,1) of k=2 starts at latent pixel (0,2).
        assertThat(patched[16]).isEqualTo(flat[2 * 4]);
        assertThat(patched[16 + 1]).isEqualTo(flat[3 * 4]);
        assertThat(patched[16 + 2]).isEqualTo(flat[(4 + 2) * 4]);

        Path saved = dir.resolve("vae");
        tok.save(saved);
        VaeImageTokenizer loaded = VaeImageTokenizer.load(saved, be, 2);
        assertThat(loaded.config()).isEqualTo(tok.config());
        assertThat(loaded.encode(held.get(0)).patches()).containsExactly(tok.encode(held.get(0)).patches());
        assertThat(loaded.decode(patched).pixels()).containsExactly(tok.decode(patched).pixels());

        String json = Files.readString(saved.resolve("tokenizer.json"));
        Files.writeString(saved.resolve("tokenizer.json"), json.replace("\"latentChannels\": 4", "\"latentChannels\": 5"));
        assertThatThrownBy(() -> VaeImageTokenizer.load(saved, be, 2)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("encoder.conv_out.weight").hasMessageContaining("tokenizer.json");
        assertThatThrownBy(() -> new VaeImageTokenizer(model, SMALL, be, 3)).hasMessageContaining("found 3");
        assertThatThrownBy(() -> tok.decode(new float[5])).hasMessageContaining("5 floats");
    }
}
