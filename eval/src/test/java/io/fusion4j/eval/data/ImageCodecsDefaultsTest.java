package io.fusion4j.eval.data;

import io.fusion4j.api.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The default patch of a continuous run, and the latent grid it is read from. */
class ImageCodecsDefaultsTest {
    @Test
    void theDefaultPatchHalvesUntilItDividesTheSide() {
        assertThat(ImageCodecs.largestDividing(32, 4)).isEqualTo(4); // shapes' pixels
        assertThat(ImageCodecs.largestDividing(28, 4)).isEqualTo(4); // MNIST's pixels
        assertThat(ImageCodecs.largestDividing(8, 2)).isEqualTo(2);  // shapes' 8x8 latent
        assertThat(ImageCodecs.largestDividing(7, 2)).isEqualTo(1);  // MNIST's 7x7 latent
        assertThat(ImageCodecs.largestDividing(18, 4)).isEqualTo(2);
    }

    @Test
    void theLatentGridIsReadOnlyFromAVaeFolder(@TempDir Path dir) throws Exception {
        Path vae = Files.createDirectories(dir.resolve("vae"));
        Files.writeString(vae.resolve(ImageCodecs.CONFIG), "{\"kind\": \"vae\", \"side\": 28, \"downsample\": 4}");
        assertThat(ImageCodecs.latentGrid(vae)).isEqualTo(7);
        Path grid = Files.createDirectories(dir.resolve("grid"));
        Files.writeString(grid.resolve(ImageCodecs.CONFIG), "{\"kind\": \"grid\", \"side\": 32}");
        assertThatThrownBy(() -> ImageCodecs.latentGrid(grid)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("needs a VAE tokenizer").hasMessageContaining("found kind 'grid'");
    }
}
