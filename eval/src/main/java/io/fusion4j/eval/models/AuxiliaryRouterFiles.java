package io.fusion4j.eval.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.BoundedText;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.moma.auxiliary.AuxiliaryRouters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A run's auxiliary routers on disk, beside its checkpoints (docs/model.md, "Auxiliary routers"):
 * {@value #WEIGHTS} (F32 tensors {@code <router>.aux.w1}, {@code .aux.w2}) and {@value #RECORD} (what they were
 * trained against and how well they do). The record is written last and holds the weights' SHA-256, so a pair left
 * half-written, or weights from another training, is refused rather than used.
 */
public final class AuxiliaryRouterFiles {
    public static final String WEIGHTS = "aux-routers.safetensors";
    public static final String RECORD = "aux-routers.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AuxiliaryRouterFiles() {
    }

    /** True when {@code run} holds a record (the weights may still fail to load). */
    public static boolean present(Path run) {
        return Files.isRegularFile(run.resolve(RECORD));
    }

    /**
     * Writes the predictors' weights, then {@code record} with {@code checkpoint} (the checkpoint folder's name) and
     * the weights' SHA-256 added, each atomically.
     */
    public static void save(Path run, String checkpoint, AuxiliaryRouters aux, Backend backend, ObjectNode record)
            throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("checkpoint", checkpoint);
        for (Parameters.Parameter p : aux.parameters().all().values()) {
            float[] v = new float[(int) p.shape().numel()];
            backend.copyToHost(p.value(), v);
            w.addF32(p.name(), p.shape(), v);
        }
        Path weights = run.resolve(WEIGHTS);
        Path tmp = run.resolve(WEIGHTS + ".tmp");
        w.write(tmp);
        Files.move(tmp, weights, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        ObjectNode full = JSON.createObjectNode();
        full.put("checkpoint", checkpoint);
        full.put("weights_sha256", sha256(weights));
        full.setAll(record);
        CheckpointStore.writeAtomically(run.resolve(RECORD), JSON.writeValueAsBytes(full));
    }

    /**
     * Loads the predictors of {@code run} into {@code aux} (allocated on {@code backend}), refusing weights whose hash
     * is not the record's, a record for another checkpoint than {@code checkpoint}, and any missing or extra tensor.
     */
    public static void load(Path run, String checkpoint, AuxiliaryRouters aux, Backend backend) throws IOException {
        Path recordFile = run.resolve(RECORD);
        JsonNode record = JSON.readTree(BoundedText.read(recordFile, BoundedText.SMALL));
        String trainedFor = record.path("checkpoint").asText("");
        if (!trainedFor.equals(checkpoint)) {
            throw new UserInputException(recordFile + ": the auxiliary routers were trained against checkpoint '"
                    + trainedFor + "', but the newest verified checkpoint is '" + checkpoint + "'; run `fusion4j"
                    + " train-aux-routers --run " + run + "` again");
        }
        Path weights = run.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new UserInputException(recordFile + " names weights, but " + weights + " is missing; run `fusion4j"
                    + " train-aux-routers --run " + run + "` again");
        }
        String want = record.path("weights_sha256").asText("");
        String found = sha256(weights);
        if (!found.equals(want)) {
            throw new UserInputException(weights + ": SHA-256 " + found + " is not the " + want + " that " + recordFile
                    + " records (half-written or replaced); run `fusion4j train-aux-routers --run " + run + "` again");
        }
        WeightLoader.load(weights, backend, aux.parameters(), NameMapping.identity(), Strictness.STRICT);
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    d.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
