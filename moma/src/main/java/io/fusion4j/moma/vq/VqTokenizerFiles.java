package io.fusion4j.moma.vq;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.io.TokenizerFolder;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A trained VQ tokenizer on disk: a {@link TokenizerFolder} whose config is {@link VqConfig#toJson()} and whose
 * weights carry metadata {@code format: fusion4j-vq}.
 */
public final class VqTokenizerFiles {
    public static final String CONFIG = TokenizerFolder.CONFIG;
    public static final String WEIGHTS = TokenizerFolder.WEIGHTS;
    static final String FORMAT = "fusion4j-vq";

    private VqTokenizerFiles() {
    }

    static void write(Path dir, VqAutoencoder model, Backend backend) throws IOException {
        TokenizerFolder.write(dir, FORMAT, model.parameters(), backend, model.config().toJson());
    }

    /**
     * The model {@code dir} holds, allocated on {@code backend}.
     *
     * @throws SafetensorsException naming the file and tensor when a tensor is missing, extra, not F32 or has another
     *                              shape than the config gives, or when the config is not a VQ tokenizer's
     */
    public static VqAutoencoder read(Path dir, Backend backend) throws IOException {
        String json = TokenizerFolder.readConfig(dir, "a VQ tokenizer");
        VqConfig config = VqConfig.fromJson(json, dir.resolve(CONFIG).toString());
        VqAutoencoder model = new VqAutoencoder(config).allocate(backend, 0);
        TokenizerFolder.readWeights(dir, model.parameters(), backend);
        return model;
    }
}
