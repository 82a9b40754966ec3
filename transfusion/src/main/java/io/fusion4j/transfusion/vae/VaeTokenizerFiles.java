package io.fusion4j.transfusion.vae;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.io.TokenizerFolder;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A trained patch VAE on disk: a {@link TokenizerFolder} whose config is {@link VaeConfig#toJson()} and whose weights
 * carry metadata {@code format: fusion4j-vae}.
 */
final class VaeTokenizerFiles {
    static final String FORMAT = "fusion4j-vae";

    private VaeTokenizerFiles() {
    }

    /** {@code config} is the model's with the measured latent statistics. */
    static void write(Path dir, VaeAutoencoder model, VaeConfig config, Backend backend) throws IOException {
        TokenizerFolder.write(dir, FORMAT, model.parameters(), backend, config.toJson());
    }

    /**
     * The model {@code dir} holds, allocated on {@code backend}.
     *
     * @throws SafetensorsException naming the file and tensor when a tensor is missing, extra, not F32 or has another
     *                              shape than the config gives, or when the config is not a VAE's
     */
    static VaeAutoencoder read(Path dir, Backend backend) throws IOException {
        String json = TokenizerFolder.readConfig(dir, "a VAE tokenizer");
        VaeConfig config = VaeConfig.fromJson(json, dir.resolve(TokenizerFolder.CONFIG).toString());
        VaeAutoencoder model = new VaeAutoencoder(config).allocate(backend, 0);
        TokenizerFolder.readWeights(dir, model.parameters(), backend);
        return model;
    }
}
