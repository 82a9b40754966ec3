package io.fusion4j.eval.classify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.eval.data.fetch.Catalogue;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.images.MnistImages;
import io.fusion4j.eval.data.shapes.ShapesWorld;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Trained classifiers kept between runs: {@code cacheDir/<key>/} holds {@value #WEIGHTS} and {@value #INFO} (the
 * recipe — dataset, config, training — the weights' SHA-256, the training time and the held-out accuracies). The key
 * names the dataset, size and seed and ends in a hash of the recipe, so a changed recipe never loads an old model. A
 * folder is written whole in a temporary folder beside it and then renamed, so a crash leaves no half cache; a folder
 * whose files do not verify (missing, unparsable, other recipe, other SHA-256, bad tensors) is deleted and retrained,
 * never used.
 */
public final class ClassifierCache {
    public static final String WEIGHTS = "classifier.safetensors";
    public static final String INFO = "classifier.json";
    /** Bumped whenever the network, its training or its decoding changes what a cached model would be. */
    static final int RECIPE_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ClassifierCache() {
    }

    /**
     * The classifier for {@code dataset} ("shapes" at {@code imageSize}, or "mnist" at 28) trained with
     * {@code seed} by the default recipe, on a CPU backend of the default thread count: loaded from
     * {@code cacheDir} when cached there, else trained (progress lines go to {@code progress}) and cached. Close it
     * when done (it closes its backend).
     *
     * @throws UserInputException for an unknown dataset, a size it does not have, or mnist not fetched
     */
    public static ImageClassifier load(Path cacheDir, String dataset, int imageSize, long seed,
                                       Consumer<String> progress) throws IOException {
        LabelledImages data = switch (dataset) {
            case "shapes" -> LabelledImages.shapes(new ShapesWorld(imageSize, 0, Set.of()));
            case "mnist" -> {
                if (imageSize != 28) {
                    throw new UserInputException("mnist: images are 28x28, found image size " + imageSize);
                }
                DatasetCache datasets = new DatasetCache(DatasetCache.rootFor(null));
                yield LabelledImages.digits(MnistImages.read(datasets.packageFolder(Catalogue.builtin().get("mnist")),
                        false));
            }
            default -> throw new UserInputException("classifier: expected dataset shapes or mnist, found '" + dataset
                    + "'");
        };
        return load(cacheDir, data, dataset.equals("mnist") ? 1 : 3, imageSize, seed, progress);
    }

    /**
     * The classifier of {@code data} (images of {@code channels} × {@code side} × {@code side}) trained with
     * {@code seed} by the default recipe, on a CPU backend of the default thread count: loaded from {@code cacheDir}
     * when cached there, else trained and cached. Close it when done (it closes its backend).
     */
    public static ImageClassifier load(Path cacheDir, LabelledImages data, int channels, int side, long seed,
                                       Consumer<String> progress) throws IOException {
        ClassifierConfig config = ClassifierConfig.defaults(data.task(), channels, side);
        Backend backend = Backends.discover().create("cpu", BackendOptions.defaults());
        try {
            return load(cacheDir, data, config, ImageClassifier.Training.defaults(data.task(), seed), backend, true,
                    progress);
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * The classifier of this recipe on {@code backend}: loaded from {@code cacheDir} when a verified copy is there,
     * else trained on {@code data} and cached.
     *
     * @param ownsBackend whether closing the classifier closes {@code backend}
     */
    public static ImageClassifier load(Path cacheDir, LabelledImages data, ClassifierConfig config,
                                       ImageClassifier.Training training, Backend backend, boolean ownsBackend,
                                       Consumer<String> progress) throws IOException {
        ObjectNode recipe = recipe(data, config, training);
        Path folder = cacheDir.resolve(key(data.name(), config.side(), training.seed(), recipe));
        if (Files.exists(folder)) {
            try {
                ImageClassifier c = read(folder, recipe, config, backend, ownsBackend);
                progress.accept("classifier: loaded " + folder + "; held-out: " + c.heldOutAccuracy());
                return c;
            } catch (IOException | RuntimeException e) {
                progress.accept("classifier: cache " + folder + " is unusable (" + e.getMessage() + "); retraining");
            }
        }
        long t0 = System.nanoTime();
        ImageClassifier c = ImageClassifier.train(backend, data, config, training, progress);
        double seconds = (System.nanoTime() - t0) / 1e9;
        try {
            write(cacheDir, folder, recipe, c, seconds);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        progress.accept(String.format(Locale.ROOT, "classifier: trained in %.1f s, cached in %s", seconds, folder));
        // Training made it without owning the backend; hand the backend over when the caller gave it away.
        return ownsBackend ? c.owningBackend() : c;
    }

    /** "shapes-32px-seed0-1a2b3c4d": readable, and unique to the recipe through the hash at the end. */
    static String key(String dataset, int side, long seed, ObjectNode recipe) {
        String hash = sha256(recipe.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 12);
        return dataset.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + side + "px-seed" + seed + "-" + hash;
    }

    private static ObjectNode recipe(LabelledImages data, ClassifierConfig config, ImageClassifier.Training t) {
        ObjectNode r = JSON.createObjectNode();
        r.put("recipe_version", RECIPE_VERSION);
        r.put("dataset", data.name());
        r.put("image_size", config.side());
        r.put("seed", t.seed());
        r.set("config", config.toJson(JSON));
        ObjectNode tr = r.putObject("training");
        tr.put("steps", t.steps());
        tr.put("batch", t.batch());
        tr.put("lr", t.lr());
        tr.put("held_out_images", t.heldOutImages());
        return r;
    }

    private static void write(Path cacheDir, Path folder, ObjectNode recipe, ImageClassifier c, double seconds)
            throws IOException {
        Files.createDirectories(cacheDir);
        Path tmp = Files.createTempDirectory(cacheDir, "." + folder.getFileName() + ".tmp-");
        try {
            c.writeWeights(tmp.resolve(WEIGHTS));
            ObjectNode info = recipe.deepCopy();
            info.put("weights_sha256", sha256(tmp.resolve(WEIGHTS)));
            info.put("train_seconds", Math.round(seconds * 10) / 10.0);
            ObjectNode held = info.putObject("held_out");
            held.put("images", c.heldOutAccuracy().images());
            ObjectNode scores = held.putObject("accuracy");
            c.heldOutAccuracy().scores().forEach(scores::put);
            CheckpointStore.writeAtomically(tmp.resolve(INFO), JSON.writeValueAsBytes(info));
            if (Files.exists(folder)) {
                deleteTree(folder); // it failed to verify: a good folder is never replaced
            }
            try {
                Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, folder);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another process cached the same recipe meanwhile: keep its folder, which is as good as ours.
            }
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
    }

    private static ImageClassifier read(Path folder, ObjectNode recipe, ClassifierConfig config, Backend backend,
                                        boolean ownsBackend) throws IOException {
        Path infoFile = folder.resolve(INFO);
        Path weights = folder.resolve(WEIGHTS);
        JsonNode info;
        try {
            info = JSON.readTree(infoFile.toFile());
        } catch (JacksonException e) {
            throw new IOException(infoFile + ": not JSON (" + e.getOriginalMessage() + ")");
        }
        if (info == null || !info.isObject()) {
            throw new IOException(infoFile + ": expected a JSON object");
        }
        ObjectNode saved = ((ObjectNode) info).deepCopy();
        saved.remove(java.util.List.of("weights_sha256", "train_seconds", "held_out"));
        // Compared as parsed text: the recipe built in memory holds longs and floats where a parse gives ints and doubles.
        if (!saved.equals(JSON.readTree(recipe.toString()))) {
            throw new IOException(infoFile + ": its recipe " + saved + " is not the one asked for, " + recipe);
        }
        if (!Files.isRegularFile(weights)) {
            throw new IOException(weights + ": missing");
        }
        String want = info.path("weights_sha256").asText();
        String got = sha256(weights);
        if (!got.equals(want)) {
            throw new IOException(weights + ": SHA-256 " + got + ", expected " + want + " (recorded in " + INFO + ")");
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        info.path("held_out").path("accuracy").properties().forEach(e -> scores.put(e.getKey(),
                e.getValue().asDouble(Double.NaN)));
        HeldOutAccuracy held = new HeldOutAccuracy(info.path("held_out").path("images").asInt(0), scores);
        return ImageClassifier.readWeights(weights, config, held, backend, ownsBackend);
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest d = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
