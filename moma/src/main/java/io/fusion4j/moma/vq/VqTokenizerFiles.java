package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.io.SafetensorsFile;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.io.TensorEntry;
import io.fusion4j.api.tensor.DType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A trained tokenizer on disk: {@code tokenizer.json} ({@link VqConfig#toJson()}) and {@code tokenizer.safetensors}
 * (every parameter, F32, metadata {@code format: fusion4j-vq}). Each is written to a temporary file, forced and
 * renamed, the weights first, so a reader never sees a half-written file.
 */
public final class VqTokenizerFiles {
    public static final String CONFIG = "tokenizer.json";
    public static final String WEIGHTS = "tokenizer.safetensors";
    static final String FORMAT = "fusion4j-vq";

    private VqTokenizerFiles() {
    }

    static void write(Path dir, VqAutoencoder model, Backend backend) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", FORMAT);
        for (Parameters.Parameter p : model.parameters().all().values()) {
            float[] f = new float[(int) p.shape().numel()];
            backend.copyToHost(p.value(), f);
            w.addF32(p.name(), p.shape(), f);
        }
        Path target = dir.resolve(WEIGHTS);
        Path tmp = Files.createTempFile(dir, "." + WEIGHTS + ".", ".tmp");
        try {
            w.write(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        CheckpointStore.writeAtomically(dir.resolve(CONFIG), model.config().toJson().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The model {@code dir} holds, allocated on {@code backend}.
     *
     * @throws SafetensorsException naming the file and tensor when a tensor is missing, extra, not F32 or has another
     *                              shape than the config gives, or when the config is not a VQ tokenizer's
     */
    public static VqAutoencoder read(Path dir, Backend backend) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        for (Path p : new Path[]{configFile, weights}) {
            if (!Files.isRegularFile(p)) {
                throw new SafetensorsException(p + ": no such file; a VQ tokenizer folder holds " + CONFIG + " and "
                        + WEIGHTS + " (written by 'fusion4j tokenizer train')");
            }
        }
        VqConfig config = VqConfig.fromJson(Files.readString(configFile), configFile.toString());
        VqAutoencoder model = new VqAutoencoder(config).allocate(backend, 0);
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (Parameters.Parameter p : model.parameters().all().values()) {
                TensorEntry e = f.entries().get(p.name());
                if (e == null) {
                    throw new SafetensorsException(weights + ": no tensor '" + p.name() + "', which " + configFile
                            + " needs with shape " + p.shape());
                }
                if (e.dtype() != DType.F32 || !e.shape().equals(p.shape())) {
                    throw new SafetensorsException(weights + ": tensor '" + p.name() + "' is " + e.dtype() + " "
                            + e.shape() + ", expected F32 " + p.shape() + " for the config in " + configFile);
                }
                float[] v = new float[(int) p.shape().numel()];
                f.readFloats(p.name(), v);
                backend.copyFromHost(v, p.value());
            }
            for (String name : f.entries().keySet()) {
                if (!model.parameters().all().containsKey(name)) {
                    throw new SafetensorsException(weights + ": unexpected tensor '" + name + "' (not a parameter of"
                            + " the tokenizer " + configFile + " describes)");
                }
            }
        }
        return model;
    }
}
