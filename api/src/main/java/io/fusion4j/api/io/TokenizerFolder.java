package io.fusion4j.api.io;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A learned image tokenizer on disk, whatever its kind: {@value #CONFIG} (the kind's config, written by it) and
 * {@value #WEIGHTS} (every parameter, F32, with a {@code format} metadata entry). Each is written to a temporary
 * file, forced and renamed, the weights first, so a reader never sees a half-written file or a config without its
 * weights.
 */
public final class TokenizerFolder {
    public static final String CONFIG = "tokenizer.json";
    public static final String WEIGHTS = "tokenizer.safetensors";

    private TokenizerFolder() {
    }

    /** Writes {@code params} (on {@code backend}) and then {@code configJson} into {@code dir}. */
    public static void write(Path dir, String format, Parameters params, Backend backend, String configJson)
            throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", format);
        for (Parameters.Parameter p : params.all().values()) {
            float[] f = new float[(int) p.shape().numel()];
            backend.copyToHost(p.value(), f);
            w.addF32(p.name(), p.shape(), f);
        }
        Path target = dir.resolve(WEIGHTS);
        Path tmp = Files.createTempFile(dir, "." + WEIGHTS + ".", ".tmp");
        try {
            w.write(tmp);
            CheckpointStore.moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        CheckpointStore.writeAtomically(dir.resolve(CONFIG), configJson.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The text of {@code dir}'s config, after checking that both files are there.
     *
     * @param what the kind in words, for the error ("a VQ tokenizer")
     */
    public static String readConfig(Path dir, String what) throws IOException {
        for (Path p : new Path[]{dir.resolve(CONFIG), dir.resolve(WEIGHTS)}) {
            if (!Files.isRegularFile(p)) {
                throw new SafetensorsException(p + ": no such file; " + what + " folder holds " + CONFIG + " and "
                        + WEIGHTS + " (written by 'fusion4j tokenizer train')");
            }
        }
        return Files.readString(dir.resolve(CONFIG));
    }

    /**
     * Reads {@code dir}'s weights into {@code params}, allocated on {@code backend} for the config in {@code dir}.
     *
     * @throws SafetensorsException naming the file and tensor when a tensor is missing, extra, not F32 or has another
     *                              shape than the config gives
     */
    public static void readWeights(Path dir, Parameters params, Backend backend) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (Parameters.Parameter p : params.all().values()) {
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
                if (!params.all().containsKey(name)) {
                    throw new SafetensorsException(weights + ": unexpected tensor '" + name + "' (not a parameter of"
                            + " the tokenizer " + configFile + " describes)");
                }
            }
        }
    }
}
