package io.fusion4j.api.io;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Loads model weights, without optimizer state, from a checkpoint folder or a bare safetensors file
 * into parameters whose names need not match the file's: a {@link NameMapping} says which tensor each
 * target parameter comes from and a {@link Strictness} what a mismatch is. For sparse upcycling, frozen
 * main models, pre-trained parts loaded under a prefix and inference.
 *
 * <p>Every tensor is read and checked before any parameter is written, so a failed load leaves the
 * parameters as they were. A checkpoint folder's {@code manifest.json} is verified first (every file it
 * lists, which must include {@code model.safetensors}; {@code optimizer.safetensors} is not needed). A
 * bare file has no checksum: it is only validated as safetensors, so a flipped data bit goes unnoticed.
 */
public final class WeightLoader {
    static final String MODEL_FILE = "model.safetensors";
    // A mismatched model can produce one problem per parameter; the first few say what went wrong.
    private static final int MAX_PROBLEMS = 10;

    /** What a refused non-finite tensor's message ends with. */
    static final String NON_FINITE_HINT = " (weights that are not finite are refused; load them only to inspect a"
            + " diverged run, with allowNonFinite / --allow-non-finite)";

    private WeightLoader() {
    }

    /** {@code "NaN at element 7"} for the first value that is not finite, or null when all are. */
    static String nonFinite(float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                return v[i] + " at element " + i;
            }
        }
        return null;
    }

    /**
     * Loads {@code target} from {@code checkpointOrFile}: a checkpoint folder (its manifest is verified and
     * its {@code model.safetensors} read) or a safetensors file. F32 and BF16 tensors are accepted.
     *
     * @throws IOException when the folder does not verify, the file is malformed, a shape differs, or
     *                     (under {@link Strictness#STRICT}) a tensor is missing or unused; the message names
     *                     the file and each tensor at fault. Nothing is written then.
     */
    public static LoadReport load(Path checkpointOrFile, Backend backend, Parameters target, NameMapping mapping,
                                  Strictness strictness) throws IOException {
        return load(checkpointOrFile, backend, target, mapping, strictness, false);
    }

    /**
     * As {@link #load(Path, Backend, Parameters, NameMapping, Strictness)}; a tensor holding NaN or ±Inf is refused
     * unless {@code allowNonFinite} (for inspecting a diverged run, never for training on).
     */
    public static LoadReport load(Path checkpointOrFile, Backend backend, Parameters target, NameMapping mapping,
                                  Strictness strictness, boolean allowNonFinite) throws IOException {
        Path file = checkpointOrFile;
        if (Files.isDirectory(checkpointOrFile)) {
            CheckpointManifest.verify(checkpointOrFile, MODEL_FILE);
            file = checkpointOrFile.resolve(MODEL_FILE);
        }
        Staged staged = stage(file, target, mapping, strictness, allowNonFinite);
        staged.apply(backend);
        LoadReport r = staged.report();
        return new LoadReport(checkpointOrFile, r.loaded(), r.missing(), r.notMapped(), r.unused());
    }

    /** Values read and checked for a load, not yet written. */
    record Staged(LoadReport report, List<Parameters.Parameter> targets, List<float[]> values) {
        /** Writes every staged value into its parameter. */
        void apply(Backend backend) {
            for (int i = 0; i < targets.size(); i++) {
                backend.copyFromHost(values.get(i), targets.get(i).value());
            }
        }
    }

    /** Reads and checks every tensor {@code target} needs from the safetensors {@code file}; writes nothing. */
    static Staged stage(Path file, Parameters target, NameMapping mapping, Strictness strictness,
                        boolean allowNonFinite) throws IOException {
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(strictness, "strictness");
        List<String> problems = new ArrayList<>();
        List<LoadReport.Copy> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> notMapped = new ArrayList<>();
        List<Parameters.Parameter> targets = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        List<String> unused = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, TensorEntry> entries = f.entries();
            Map<String, float[]> read = new HashMap<>(); // one source read once, however many targets it feeds
            Set<String> used = new HashSet<>();
            for (Parameters.Parameter p : target.all().values()) {
                Optional<String> mapped = mapping.sourceFor(p.name());
                if (mapped == null) {
                    throw new NullPointerException("the name mapping returned null for '" + p.name()
                            + "'; it must return Optional.empty() for a parameter not loaded from the file");
                }
                if (mapped.isEmpty()) {
                    notMapped.add(p.name());
                    continue;
                }
                String src = mapped.get();
                String forTarget = src.equals(p.name()) ? "" : " for parameter '" + p.name() + "'";
                TensorEntry e = entries.get(src);
                if (e == null) {
                    if (strictness == Strictness.STRICT) {
                        problems.add("parameter '" + p.name() + "' expects tensor '" + src + "' of shape "
                                + p.shape() + ", which the file does not hold");
                    }
                    missing.add(p.name());
                    continue;
                }
                used.add(src);
                if (!e.shape().equals(p.shape())) {
                    problems.add("tensor '" + src + "' has shape " + e.shape() + ", the model expects " + p.shape()
                            + forTarget);
                    continue;
                }
                if (e.dtype() == DType.I32) {
                    problems.add("tensor '" + src + "' is I32, the model expects F32 or BF16" + forTarget);
                    continue;
                }
                if (!problems.isEmpty()) {
                    continue; // the load fails anyway; only look for more problems
                }
                float[] v = read.get(src);
                if (v == null) {
                    v = new float[(int) p.shape().numel()];
                    f.readFloats(src, v);
                    read.put(src, v);
                    String bad = allowNonFinite ? null : nonFinite(v);
                    if (bad != null) {
                        problems.add("tensor '" + src + "' holds " + bad + NON_FINITE_HINT);
                        continue;
                    }
                }
                targets.add(p);
                values.add(v);
                loaded.add(new LoadReport.Copy(p.name(), src));
            }
            for (TensorEntry e : entries.values()) {
                if (!used.contains(e.name())) {
                    unused.add(e.name());
                    if (strictness == Strictness.STRICT) {
                        problems.add("tensor '" + e.name() + "' (shape " + e.shape() + ") is loaded into no parameter");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            String more = problems.size() > MAX_PROBLEMS ? "; and " + (problems.size() - MAX_PROBLEMS) + " more" : "";
            throw new IOException(file + ": " + String.join("; ", problems.subList(0, Math.min(MAX_PROBLEMS,
                    problems.size()))) + more + (strictness == Strictness.STRICT ? " (strict load)" : ""));
        }
        return new Staged(new LoadReport(file, loaded, missing, notMapped, unused), targets, values);
    }
}
