package io.fusion4j.api.io;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.optim.AdamW;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Checkpoint folders under one run directory: {@code step-00000123/} holding {@code config.json},
 * {@code model.safetensors}, {@code optimizer.safetensors}, {@code trainer_state.json} and
 * {@code manifest.json} (SHA-256 and size of each). A checkpoint is written into a temporary folder,
 * every file and the folder are forced to disk, and only then is it renamed into place, so a crash
 * never leaves a partial checkpoint under a final name. The newest {@code keep} are kept.
 * {@link #loadLatest} verifies the newest; if it is corrupt it says so through the warning sink and
 * takes the one before. {@link #loadLatestWeights} does the same for a weights-only load through
 * {@link WeightLoader}, with no optimizer.
 */
public final class CheckpointStore {
    private static final String PREFIX = "step-";
    private static final String[] FILES = {"config.json", WeightLoader.MODEL_FILE, "optimizer.safetensors",
            "trainer_state.json"};

    private final Path dir;
    private final int keep;
    private final boolean allowNonFinite;
    private final java.util.Map<String, byte[]> runFiles = new java.util.LinkedHashMap<>();

    public CheckpointStore(Path dir, int keep) {
        this(dir, keep, false);
    }

    /**
     * @param allowNonFinite load checkpoints whose weights or moments hold NaN or ±Inf (only to inspect a diverged
     *                       run); by default such a checkpoint is refused like a corrupt one
     */
    public CheckpointStore(Path dir, int keep, boolean allowNonFinite) {
        if (keep < 2) {
            throw new IllegalArgumentException("keep must be at least 2 so a corrupt newest checkpoint has a fallback, got "
                    + keep);
        }
        this.dir = dir;
        this.keep = keep;
        this.allowNonFinite = allowNonFinite;
    }

    /**
     * Adds a run-level file (the tokenizer) to every checkpoint saved from now on: written into the folder, listed in
     * its manifest and so verified with it, so a checkpoint holds everything needed to resume or generate.
     */
    public CheckpointStore include(String name, byte[] content) {
        if (java.util.Arrays.asList(FILES).contains(name) || name.equals(CheckpointManifest.FILE) || name.contains("/")) {
            throw new IllegalArgumentException("include: '" + name + "' is not a name a run file may have");
        }
        runFiles.put(name, content.clone());
        return this;
    }

    /** Writes {@code data} to {@code file} through a forced temporary file and a rename. */
    public static void writeAtomically(Path file, byte[] data) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            moveIntoPlace(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Renames the finished file {@code tmp} over {@code file} (atomically where the file system can, so readers see
     * the old file or the new one, never part of one), then forces the folder so the rename itself is on disk.
     * {@code tmp} must be in {@code file}'s folder; the caller deletes it if this throws.
     */
    public static void moveIntoPlace(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory(file.toAbsolutePath().getParent());
    }

    /** The run folder the checkpoints live in. */
    public Path directory() {
        return dir;
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
            List<String> listed = new ArrayList<>(List.of(FILES));
            for (var f : runFiles.entrySet()) {
                writeForced(tmp.resolve(f.getKey()), f.getValue());
                listed.add(f.getKey());
            }
            writeForced(tmp.resolve(CheckpointManifest.FILE), CheckpointManifest.of(tmp, listed.toArray(String[]::new)));
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

    /** The step a checkpoint folder's name gives ({@code step-NNN}), or -1 for a name that is not one. */
    static long stepOf(Path folder) {
        String n = folder.getFileName().toString();
        if (!n.startsWith(PREFIX) || n.length() == PREFIX.length() || n.length() > PREFIX.length() + 18) {
            return -1;
        }
        for (int i = PREFIX.length(); i < n.length(); i++) {
            if (n.charAt(i) < '0' || n.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(n.substring(PREFIX.length()));
    }

    /** Complete checkpoint folders, newest (highest step number) first, at any number of digits. */
    public List<Path> checkpoints() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*")) {
            ds.forEach(p -> {
                if (Files.isDirectory(p) && stepOf(p) >= 0) {
                    out.add(p);
                }
            });
        }
        out.sort((a, b) -> Long.compare(stepOf(b), stepOf(a)));
        return out;
    }

    /**
     * Removes the temporary folders of saves that never completed (a process killed mid-save) and returns them.
     * Only the run's one writer (the holder of its {@link RunLock}) may call this: another writer's save in
     * progress would look the same.
     */
    public List<Path> removeLeftovers() throws IOException {
        List<Path> gone = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return gone;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".tmp-" + PREFIX + "*")) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    gone.add(p);
                }
            }
        }
        for (Path p : gone) {
            deleteTree(p);
        }
        return gone;
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
        return latest(c -> load(c, backend, params, optimizer), warnings);
    }

    /**
     * Loads the weights, without optimizer state, of the newest checkpoint that verifies and loads into
     * {@code params} under {@code mapping} and {@code strictness} (see {@link WeightLoader#load}); each
     * newer one that does not is reported to {@code warnings} with the reason. Returns null when there is
     * no checkpoint; the report's {@link LoadReport#source()} is the folder loaded.
     *
     * @throws IOException when checkpoints exist but none loads (each reason in the message)
     */
    public LoadReport loadLatestWeights(Backend backend, Parameters params, NameMapping mapping, Strictness strictness,
                                        Consumer<String> warnings) throws IOException {
        return latest(c -> WeightLoader.load(c, backend, params, mapping, strictness, allowNonFinite), warnings);
    }

    /** Loads something from one checkpoint folder, throwing when the folder is not usable. */
    @FunctionalInterface
    public interface FolderLoad<T> {
        T load(Path folder) throws IOException;
    }

    /**
     * Verifies a checkpoint folder's manifest: every file a checkpoint has is listed, present, of the listed size and
     * SHA-256. Call it before reading any file of the folder (its {@code config.json} included).
     */
    public static void verify(Path checkpoint) throws IOException {
        CheckpointManifest.verify(checkpoint, FILES);
    }

    /**
     * {@code loader}'s result for the newest checkpoint it accepts; each newer one it rejects is reported to
     * {@code warnings} with the reason and skipped. Null when there is no checkpoint.
     *
     * @throws IOException when checkpoints exist but none is accepted (each reason in the message)
     */
    public <T> T latest(FolderLoad<T> loader, Consumer<String> warnings) throws IOException {
        List<Path> all = checkpoints();
        if (all.isEmpty()) {
            return null;
        }
        List<String> reasons = new ArrayList<>();
        for (Path c : all) {
            try {
                return loader.load(c);
            } catch (IOException | RuntimeException e) {
                String why = "checkpoint " + c + " was skipped: " + e.getMessage();
                reasons.add(why);
                warnings.accept(why);
            }
        }
        throw new IOException("no usable checkpoint in " + dir + ": " + String.join("; ", reasons));
    }

    /** Verifies the manifest, then restores one checkpoint folder. */
    public Loaded load(Path c, Backend backend, Parameters params, AdamW optimizer) throws IOException {
        CheckpointManifest.verify(c, FILES);
        Path stateFile = c.resolve("trainer_state.json");
        TrainerState state = TrainerState.fromJson(BoundedText.read(stateFile, BoundedText.SMALL), stateFile.toString());
        if (stepOf(c) != state.step()) {
            throw new IOException(stateFile + ": step " + state.step() + ", but the folder is " + c.getFileName()
                    + " (a checkpoint folder must hold its own step)");
        }
        // Read everything before touching the live parameters, so a bad file leaves them as they were.
        WeightLoader.Staged weights = WeightLoader.stage(c.resolve(WeightLoader.MODEL_FILE), params,
                NameMapping.identity(), Strictness.STRICT, allowNonFinite);
        float[] m = new float[(int) params.count()];
        float[] v = new float[(int) params.count()];
        try (SafetensorsFile opt = SafetensorsFile.open(c.resolve("optimizer.safetensors"))) {
            for (Parameters.Parameter p : params.all().values()) {
                int n = (int) p.shape().numel();
                float[] pm = new float[n];
                float[] pv = new float[n];
                opt.readFloats("m." + p.name(), pm);
                opt.readFloats("v." + p.name(), pv);
                String bad = allowNonFinite ? null : WeightLoader.nonFinite(pm);
                bad = bad != null || allowNonFinite ? bad : WeightLoader.nonFinite(pv);
                if (bad != null) {
                    throw new IOException(c.resolve("optimizer.safetensors") + ": the moments of '" + p.name()
                            + "' hold " + bad + WeightLoader.NON_FINITE_HINT);
                }
                System.arraycopy(pm, 0, m, (int) p.offset(), n);
                System.arraycopy(pv, 0, v, (int) p.offset(), n);
            }
        }
        weights.apply(backend);
        backend.copyFromHost(m, optimizer.firstMoment());
        backend.copyFromHost(v, optimizer.secondMoment());
        optimizer.restoreStep(state.step());
        return new Loaded(c, state, BoundedText.read(c.resolve("config.json"), BoundedText.SMALL));
    }

    private static void writeForced(Path f, String text) throws IOException {
        writeForced(f, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeForced(Path f, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
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
