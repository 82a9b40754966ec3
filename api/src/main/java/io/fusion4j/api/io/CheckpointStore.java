package io.fusion4j.api.io;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Checkpoint folders under one run directory: {@code step-00000123/} holding {@code config.json},
 * {@code model.safetensors}, {@code optimizer.safetensors}, {@code trainer_state.json} and
 * {@code manifest.json} (SHA-256 and size of each). A checkpoint is written into a temporary folder,
 * every file and the folder are forced to disk, and only then is it renamed into place, so a crash
 * never leaves a partial checkpoint under a final name. The newest {@code keep} are kept.
 * {@link #loadLatest} verifies the newest; if it is corrupt it says so through the warning sink and
 * takes the one before.
 */
public final class CheckpointStore {
    private static final String PREFIX = "step-";
    private static final String[] FILES = {"config.json", "model.safetensors", "optimizer.safetensors",
            "trainer_state.json"};

    private final Path dir;
    private final int keep;

    public CheckpointStore(Path dir, int keep) {
        if (keep < 2) {
            throw new IllegalArgumentException("keep must be at least 2 so a corrupt newest checkpoint has a fallback, got "
                    + keep);
        }
        this.dir = dir;
        this.keep = keep;
    }

    /** What a checkpoint restored. */
    public record Loaded(Path folder, TrainerState state, String configJson) {
    }

    private static float[] host(Backend backend, Tensor t) {
        float[] f = new float[(int) t.numel()];
        backend.copyToHost(t, f);
        return f;
    }

    /** Writes a checkpoint of {@code params}, the optimizer moments and {@code state}; returns its folder. */
    public Path save(Backend backend, Parameters params, AdamW optimizer, TrainerState state, String configJson)
            throws IOException {
        Files.createDirectories(dir);
        String name = String.format("%s%08d", PREFIX, state.step());
        Path tmp = Files.createTempDirectory(dir, ".tmp-" + name + "-");
        try {
            SafetensorsWriter model = new SafetensorsWriter().metadata("format", "fusion4j");
            SafetensorsWriter opt = new SafetensorsWriter().metadata("format", "fusion4j").metadata("step",
                    Long.toString(optimizer.steps()));
            float[] m = host(backend, optimizer.firstMoment());
            float[] v = host(backend, optimizer.secondMoment());
            for (Parameters.Parameter p : params.all().values()) {
                model.addF32(p.name(), p.shape(), host(backend, p.value()));
                int off = (int) p.offset();
                int n = (int) p.shape().numel();
                opt.addF32("m." + p.name(), p.shape(), java.util.Arrays.copyOfRange(m, off, off + n));
                opt.addF32("v." + p.name(), p.shape(), java.util.Arrays.copyOfRange(v, off, off + n));
            }
            model.write(tmp.resolve("model.safetensors"));
            opt.write(tmp.resolve("optimizer.safetensors"));
            writeForced(tmp.resolve("config.json"), configJson);
            writeForced(tmp.resolve("trainer_state.json"), state.toJson());
            StringBuilder manifest = new StringBuilder("{");
            for (int i = 0; i < FILES.length; i++) {
                Path f = tmp.resolve(FILES[i]);
                manifest.append(i == 0 ? "" : ",").append(HeaderJson.quote(FILES[i])).append(":{\"sha256\":\"")
                        .append(sha256(f)).append("\",\"bytes\":").append(Files.size(f)).append('}');
            }
            writeForced(tmp.resolve("manifest.json"), manifest.append("}\n").toString());
            forceDirectory(tmp);
            Path target = dir.resolve(name);
            if (Files.exists(target)) {
                deleteTree(target); // re-saving the same step replaces it
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            forceDirectory(dir);
            prune();
            return target;
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** Complete checkpoint folders, newest first. */
    public List<Path> checkpoints() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*")) {
            ds.forEach(p -> {
                if (Files.isDirectory(p)) {
                    out.add(p);
                }
            });
        }
        out.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return out;
    }

    private void prune() throws IOException {
        List<Path> all = checkpoints();
        for (int i = keep; i < all.size(); i++) {
            deleteTree(all.get(i));
        }
    }

    /**
     * Restores the newest checkpoint that verifies into {@code params} and {@code optimizer}; each corrupt
     * newer one is reported to {@code warnings} with the reason. Returns null when there is no checkpoint.
     *
     * @throws IOException when checkpoints exist but none verifies (each reason in the message)
     */
    public Loaded loadLatest(Backend backend, Parameters params, AdamW optimizer, Consumer<String> warnings)
            throws IOException {
        List<Path> all = checkpoints();
        if (all.isEmpty()) {
            return null;
        }
        List<String> reasons = new ArrayList<>();
        for (Path c : all) {
            try {
                Loaded l = load(c, backend, params, optimizer);
                return l;
            } catch (IOException | RuntimeException e) {
                String why = "checkpoint " + c + " is corrupt and was skipped: " + e.getMessage();
                reasons.add(why);
                warnings.accept(why);
            }
        }
        throw new IOException("no usable checkpoint in " + dir + ": " + String.join("; ", reasons));
    }

    /** Verifies the manifest, then restores one checkpoint folder. */
    public Loaded load(Path c, Backend backend, Parameters params, AdamW optimizer) throws IOException {
        Path manifestFile = c.resolve("manifest.json");
        if (!Files.exists(manifestFile)) {
            throw new IOException("manifest.json is missing");
        }
        Map<String, Object> manifest = HeaderJson.parseObject(Files.readString(manifestFile).strip(), 0);
        for (String f : FILES) {
            if (!(manifest.get(f) instanceof Map<?, ?> entry)) {
                throw new IOException("manifest.json lists no " + f);
            }
            Path file = c.resolve(f);
            if (!Files.exists(file)) {
                throw new IOException(f + " is missing");
            }
            long bytes = Files.size(file);
            if (!Long.valueOf(bytes).equals(entry.get("bytes"))) {
                throw new IOException(f + " has " + bytes + " bytes, the manifest says " + entry.get("bytes"));
            }
            String sum = sha256(file);
            if (!sum.equals(entry.get("sha256"))) {
                throw new IOException(f + " fails its SHA-256 check (" + sum + ", manifest " + entry.get("sha256") + ")");
            }
        }
        TrainerState state = TrainerState.fromJson(Files.readString(c.resolve("trainer_state.json")),
                c.resolve("trainer_state.json").toString());
        // Read everything before touching the live parameters, so a bad file leaves them as they were.
        Map<String, float[]> values = new LinkedHashMap<>();
        float[] m = new float[(int) params.count()];
        float[] v = new float[(int) params.count()];
        try (SafetensorsFile model = SafetensorsFile.open(c.resolve("model.safetensors"));
             SafetensorsFile opt = SafetensorsFile.open(c.resolve("optimizer.safetensors"))) {
            for (Parameters.Parameter p : params.all().values()) {
                Shape stored = model.entry(p.name()).shape();
                if (!stored.equals(p.shape())) {
                    throw new IOException("model.safetensors: tensor '" + p.name() + "' has shape " + stored
                            + ", the model expects " + p.shape());
                }
                float[] f = new float[(int) p.shape().numel()];
                model.readFloats(p.name(), f);
                values.put(p.name(), f);
                float[] pm = new float[f.length];
                float[] pv = new float[f.length];
                opt.readFloats("m." + p.name(), pm);
                opt.readFloats("v." + p.name(), pv);
                System.arraycopy(pm, 0, m, (int) p.offset(), f.length);
                System.arraycopy(pv, 0, v, (int) p.offset(), f.length);
            }
            if (model.entries().size() != params.all().size()) {
                throw new IOException("model.safetensors holds " + model.entries().size() + " tensors, the model has "
                        + params.all().size());
            }
        }
        for (Parameters.Parameter p : params.all().values()) {
            backend.copyFromHost(values.get(p.name()), p.value());
        }
        backend.copyFromHost(m, optimizer.firstMoment());
        backend.copyFromHost(v, optimizer.secondMoment());
        optimizer.restoreStep(state.step());
        return new Loaded(c, state, Files.readString(c.resolve("config.json")));
    }

    static String sha256(Path f) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            while (ch.read(b) > 0) {
                b.flip();
                d.update(b);
                b.clear();
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static void writeForced(Path f, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    private static void forceDirectory(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the rename still orders the writes
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
